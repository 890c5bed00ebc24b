// The demo store's own cart: it listens for the widget's event, as a merchant's cart would.
document.addEventListener("backorder:reserved", function (event) {
  var reservation = event.detail;
  var cart = document.getElementById("cart");
  var line = document.createElement("span");
  line.textContent = "In cart: " + reservation.qty + " × " + reservation.sku +
    (reservation.backorder ? " (" + reservation.backorder + " on backorder)" : "");
  line.setAttribute("data-reservation", reservation.id);
  cart.replaceChildren(line);
});
