// The demo store's own cart, as a merchant's cart would be: it listens for the widget's
// `backorder:reserved` event and keeps one line per SKU (a new reservation of a SKU releases
// the one it replaces). The cart lives in sessionStorage; cart.html checks it out.
(function () {
  "use strict";
  var KEY = "demo-cart";

  function load() {
    try {
      var cart = JSON.parse(sessionStorage.getItem(KEY) || "[]");
      return Array.isArray(cart) ? cart : [];
    } catch (unreadable) {
      return [];
    }
  }
  function save(cart) {
    sessionStorage.setItem(KEY, JSON.stringify(cart));
  }
  // A reservation the cart no longer needs goes back to the shelf at once, not when it expires.
  function release(line) {
    fetch("/v1/reservations/" + encodeURIComponent(line.reservation_id), { method: "DELETE" }).catch(function () {});
  }

  function summary(cart) {
    var header = document.getElementById("cart");
    if (!header) return;
    if (cart.length === 0) {
      header.textContent = "Cart is empty";
      return;
    }
    var units = cart.reduce(function (sum, line) {
      return sum + line.qty;
    }, 0);
    var link = document.createElement("a");
    link.href = "/cart";
    link.textContent = "Cart: " + units + (units === 1 ? " item" : " items") + " · Checkout";
    link.setAttribute("data-cart-units", String(units));
    header.replaceChildren(link);
  }

  document.addEventListener("backorder:reserved", function (event) {
    var reservation = event.detail;
    var cart = load();
    var title = document.querySelector("h1");
    var card = event.target.closest && event.target.closest(".card");
    var name = card ? card.querySelector("h2").textContent : title ? title.textContent : reservation.sku;
    cart
      .filter(function (line) {
        return line.sku === reservation.sku;
      })
      .forEach(release);
    cart = cart.filter(function (line) {
      return line.sku !== reservation.sku;
    });
    cart.push({
      sku: reservation.sku,
      name: name,
      qty: reservation.qty,
      ship: reservation.ship,
      now: reservation.now,
      backorder: reservation.backorder,
      ship_date: reservation.ship_date,
      backorder_ship_date: reservation.backorder_ship_date,
      reservation_id: reservation.id,
      expires_at: reservation.expires_at,
    });
    save(cart);
    summary(cart);
  });

  window.demoCart = { load: load, save: save, release: release, summary: summary };
  function start() {
    summary(load());
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
