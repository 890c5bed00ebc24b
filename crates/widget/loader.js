// Backorder Edge storefront widget: the loader. The build (scripts/build-widget.sh) wraps it,
// together with wasm-bindgen's no-modules glue, into www/widget.js. A classic script: works
// with `defer` or `async`, needs no build step on the merchant's side, defines no globals.
//
//   <script src="https://EDGE/widget.js" defer></script>
//   <backorder-status sku="PHONE-1"></backorder-status>     (or any [data-backorder-sku])
//   <backorder-order order="1001" token="…"></backorder-order>   (the customer's order status)
//
// The API origin is this script's own origin unless the script tag has data-api="https://…".
"use strict";
var script = document.currentScript;
var scriptUrl = new URL(script && script.src ? script.src : "widget.js", location.href);
var api = ((script && script.getAttribute("data-api")) || scriptUrl.origin).replace(/\/+$/, "");
var wasmUrl = new URL(WASM_FILE, scriptUrl).href;

// Trusted Types: one narrow policy, only for the JSON-LD text the widget writes.
var policy = null;
try {
  if (window.trustedTypes && window.trustedTypes.createPolicy) {
    policy = window.trustedTypes.createPolicy("backorder-edge", {
      createScript: function (text) {
        JSON.parse(text);
        return text;
      },
    });
  }
} catch (refused) {
  policy = null; // the page's CSP does not allow this policy: structured data is skipped
}
var helpers = {
  trust: function (json) {
    return policy ? policy.createScript(json) : window.trustedTypes ? undefined : json;
  },
};

// Start the wasm download now, and each element's availability request as soon as the
// element appears: the two travel in parallel instead of one after the other.
var ready = wasm_bindgen({ module_or_path: fetch(wasmUrl) });
function availability(element) {
  var sku = element.getAttribute("sku") || element.getAttribute("data-backorder-sku") || "";
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(sku)) return Promise.resolve(null);
  return fetch(api + "/v1/skus/" + sku + "/availability")
    .then(function (response) {
      return response.ok ? response.json() : null;
    })
    .catch(function () {
      return null; // unreachable, or not JSON: the widget hides itself and warns once
    });
}
// Each element mounts once: moving it in the page runs connectedCallback again.
var mounted = new WeakSet();
function mount(element) {
  if (mounted.has(element)) return;
  mounted.add(element);
  var snapshot = availability(element);
  ready.then(
    function () {
      return snapshot.then(function (json) {
        wasm_bindgen.mount(element, api, helpers, json);
      });
    },
    function (error) {
      if (!mount.warned) {
        mount.warned = true;
        console.warn("backorder-status: the widget could not load", error);
      }
      element.hidden = true;
    },
  );
}

// An order's status, fetched while the wasm loads; `status` 0 when the edge is unreachable.
var tokenPattern = /^[0-9a-f]{32}$/;
function orderStatus(element) {
  var order = element.getAttribute("order") || "";
  var token = element.getAttribute("token") || "";
  if (!order || !tokenPattern.test(token)) return Promise.resolve({ status: 0, json: null });
  var url = api + "/v1/orders/" + encodeURIComponent(order) + "/status?token=" + token;
  return fetch(url, { cache: "no-store" })
    .then(function (response) {
      return response.json().then(
        function (json) {
          return { status: response.status, json: json };
        },
        function () {
          return { status: response.status, json: null };
        },
      );
    })
    .catch(function () {
      return { status: 0, json: null };
    });
}
function mountOrder(element) {
  if (mounted.has(element)) return;
  mounted.add(element);
  var answer = orderStatus(element);
  ready.then(
    function () {
      return answer.then(function (got) {
        wasm_bindgen.mount_order(element, api, got.status, got.json);
      });
    },
    function (error) {
      console.warn("backorder-order: the widget could not load", error);
    },
  );
}

if (!window.customElements.get("backorder-order")) {
  window.customElements.define(
    "backorder-order",
    class extends HTMLElement {
      connectedCallback() {
        mountOrder(this);
      }
    },
  );
}
if (!window.customElements.get("backorder-status")) {
  window.customElements.define(
    "backorder-status",
    class extends HTMLElement {
      connectedCallback() {
        mount(this);
      }
    },
  );
}
function scan() {
  document.querySelectorAll("[data-backorder-sku]").forEach(mount);
}
if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", scan);
} else {
  scan();
}

