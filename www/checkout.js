// The demo store's cart page: lists the cart and checks it out through the demo backend
// (POST /v1/demo/checkout, development only), then opens the order's status page.
(function () {
  "use strict";
  var cart = window.demoCart;
  var list = document.getElementById("lines");
  var button = document.getElementById("checkout");
  var message = document.getElementById("checkout-message");
  // One key per checkout attempt, reused on retry: a retried checkout is the same order.
  var key = sessionStorage.getItem("demo-checkout-key") || randomKey();
  sessionStorage.setItem("demo-checkout-key", key);

  function randomKey() {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, function (b) {
      return b.toString(16).padStart(2, "0");
    }).join("");
  }
  function describe(line) {
    if (!line.backorder) return "ships from stock";
    var later = line.backorder_ship_date ? "by " + line.backorder_ship_date : "ship date to follow";
    if (line.ship === "complete") return "all ship together " + later;
    return (line.now ? line.now + " from stock, " : "") + line.backorder + " on backorder, " + later;
  }
  function render() {
    var lines = cart.load();
    list.replaceChildren.apply(
      list,
      lines.map(function (line) {
        var item = document.createElement("li");
        item.setAttribute("data-sku", line.sku);
        var title = document.createElement("strong");
        title.textContent = line.qty + " × " + line.name;
        var detail = document.createElement("span");
        detail.textContent = " — " + describe(line);
        item.append(title, detail);
        return item;
      }),
    );
    document.getElementById("empty").hidden = lines.length > 0;
    button.hidden = lines.length === 0;
    cart.summary(lines);
  }

  button.addEventListener("click", function () {
    var lines = cart.load();
    button.disabled = true;
    message.textContent = "Placing your order…";
    var body = {
      lines: lines.map(function (line) {
        return { sku: line.sku, qty: line.qty, reservation_id: line.reservation_id, ship: line.ship };
      }),
    };
    fetch("/v1/demo/checkout", {
      method: "POST",
      headers: { "content-type": "application/json", "idempotency-key": key },
      body: JSON.stringify(body),
    })
      .then(function (response) {
        return response.json().then(function (json) {
          return { status: response.status, json: json };
        });
      })
      .then(function (answer) {
        if (answer.status === 201 && answer.json.status_url) {
          cart.save([]);
          sessionStorage.removeItem("demo-checkout-key");
          location.assign(answer.json.status_url);
          return;
        }
        var error = answer.json && answer.json.error;
        var line = error && error.line;
        message.textContent =
          "The order could not be placed" + (line ? " (" + line.sku + ")" : "") + ": " + (error ? error.message : "unknown error");
        button.disabled = false;
      })
      .catch(function () {
        message.textContent = "The store could not be reached; please try again.";
        button.disabled = false;
      });
  });
  render();
})();
