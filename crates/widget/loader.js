// Backorder Edge storefront widget: the loader. The build (scripts/build-widget.sh) wraps it,
// together with wasm-bindgen's no-modules glue, into www/widget.js. A classic script: works
// with `defer` or `async`, needs no build step on the merchant's side, defines no globals.
//
//   <script src="https://EDGE/widget.js" defer></script>
//   <backorder-status sku="PHONE-1"></backorder-status>     (or any [data-backorder-sku])
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

var ready = null;
function mount(element) {
  if (!ready) {
    ready = wasm_bindgen({ module_or_path: wasmUrl });
  }
  ready.then(
    function () {
      wasm_bindgen.mount(element, api, helpers);
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
