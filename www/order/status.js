// The status page's one job: read the order and its token from the link's fragment (which no
// server and no Referer ever sees) and put them on the <backorder-order> element.
(function () {
  "use strict";
  var params = new URLSearchParams(location.hash.slice(1));
  var element = document.createElement("backorder-order");
  element.setAttribute("order", params.get("order") || "");
  element.setAttribute("token", params.get("token") || "");
  document.getElementById("order").replaceChildren(element);
})();
