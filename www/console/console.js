// The merchant console: Preact components written with htm (no build step), charts by uPlot.
// Every figure comes from the merchant API; the token lives in sessionStorage and goes only
// into the Authorization header.
import { h, render } from "preact";
import { useCallback, useEffect, useMemo, useRef, useState } from "./vendor/hooks.mjs";
import htm from "./vendor/htm.mjs";
import uPlot from "./vendor/uPlot.esm.js";

const html = htm.bind(h);
const TOKEN_KEY = "backorder-console-token";
const EVENT_TYPES = [
  "order_created", "backorder_created", "eta_changed", "backorder_allocated", "delay_notice",
  "delay_accepted", "backorder_cancelled", "order_cancelled", "refund_due", "low_stock",
  "reorder_needed", "adapter_skipped", "adapter_order_refused", "endpoint_disabled",
];
const WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const VIEWS = [
  ["catalog", "Catalog"], ["receive", "Receive"], ["purchase-orders", "Purchase orders"],
  ["backorders", "Backorders"], ["orders", "Orders"], ["events", "Events"],
  ["webhooks", "Webhooks"], ["analytics", "Analytics"],
];

/** A failed call: the API's error document, or what went wrong on the way. */
class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message ?? `the edge answered ${status}`);
    this.status = status;
    this.code = body?.error?.code;
  }
}

/** Calls the merchant API; the parsed body, or an ApiError. */
async function call(token, method, path, body, headers = {}) {
  const init = { method, headers: { authorization: `Bearer ${token}`, ...headers } };
  if (body !== undefined) {
    init.headers["content-type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  const text = await response.text();
  const parsed = text ? JSON.parse(text) : null;
  if (!response.ok) throw new ApiError(response.status, parsed);
  return parsed;
}

const enc = encodeURIComponent;

function parseHash() {
  const [view, ...rest] = location.hash.replace(/^#\/?/, "").split("/");
  return { view: view || "catalog", arg: rest.map(decodeURIComponent).join("/") || null };
}

function useRoute() {
  const [route, setRoute] = useState(parseHash);
  useEffect(() => {
    const changed = () => setRoute(parseHash());
    addEventListener("hashchange", changed);
    return () => removeEventListener("hashchange", changed);
  }, []);
  return route;
}

/** Loads `load()` now and whenever `deps` change; `reload` runs it again. */
function useLoad(load, deps) {
  const [state, setState] = useState({ loading: true, data: null, error: null });
  const run = useCallback(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => live && setState({ loading: false, data, error: null }),
      (error) => live && setState({ loading: false, data: null, error }),
    );
    return () => { live = false; };
  }, deps);
  useEffect(run, [run]);
  return { ...state, reload: run };
}

function App() {
  const [token, setToken] = useState(() => sessionStorage.getItem(TOKEN_KEY));
  const [notice, setNotice] = useState(null);
  const signOut = useCallback((message = null) => {
    sessionStorage.removeItem(TOKEN_KEY);
    setNotice(message);
    setToken(null);
  }, []);
  const api = useMemo(() => async (method, path, body, headers) => {
    try {
      return await call(token, method, path, body, headers);
    } catch (error) {
      if (error.status === 401) signOut("The edge refused the token: sign in again.");
      throw error;
    }
  }, [token]);
  if (!token) {
    return html`<${SignIn} notice=${notice} onSignedIn=${(t) => { sessionStorage.setItem(TOKEN_KEY, t); setNotice(null); setToken(t); }} />`;
  }
  return html`<${Shell} api=${api} signOut=${() => signOut()} />`;
}

function SignIn({ notice, onSignedIn }) {
  const [error, setError] = useState(notice);
  const [busy, setBusy] = useState(false);
  const submit = async (event) => {
    event.preventDefault();
    const token = new FormData(event.currentTarget).get("token").trim();
    setBusy(true);
    try {
      await call(token, "GET", "/v1/skus?limit=1");
      onSignedIn(token);
    } catch (e) {
      setError(e.status === 401 ? "That token is wrong: the edge refused it." : `Could not sign in: ${e.message}`);
    } finally {
      setBusy(false);
    }
  };
  return html`<main class="signin"><section class="panel">
    <h1>Backorder Edge console</h1>
    <form onSubmit=${submit}>
      <label>Merchant token<input name="token" type="password" autocomplete="current-password" required
        aria-invalid=${error ? "true" : "false"} aria-describedby="signin-error" /></label>
      <p id="signin-error" class="error" role="alert">${error ?? ""}</p>
      <button type="submit" disabled=${busy}>Sign in</button>
    </form>
    <p class="note">The token is <code>MERCHANT_TOKEN</code> (in <code>.dev.vars</code> locally). It stays in this tab only.</p>
  </section></main>`;
}

function Shell({ api, signOut }) {
  const { view, arg } = useRoute();
  const title = VIEWS.find(([id]) => id === view)?.[1] ?? "Not found";
  useEffect(() => { document.title = `${title} · Backorder Edge console`; }, [title]);
  const page = {
    catalog: () => html`<${Catalog} api=${api} />`,
    products: () => html`<${ProductEditor} api=${api} sku=${arg} />`,
    receive: () => html`<${Receive} api=${api} sku=${arg} />`,
    "purchase-orders": () => html`<${PurchaseOrders} api=${api} sku=${arg} />`,
    backorders: () => html`<${Backorders} api=${api} sku=${arg} />`,
    orders: () => html`<${Orders} api=${api} orderId=${arg} />`,
    events: () => html`<${Events} api=${api} />`,
    webhooks: () => html`<${Webhooks} api=${api} />`,
    analytics: () => html`<${Analytics} api=${api} />`,
  }[view];
  return html`
    <header>
      <p class="brand">Backorder Edge</p>
      <nav aria-label="Console"><ul>
        ${VIEWS.map(([id, label]) => html`<li><a href="#/${id}" aria-current=${id === view || (id === "catalog" && view === "products") ? "page" : undefined}>${label}</a></li>`)}
      </ul></nav>
      <button type="button" onClick=${signOut}>Sign out</button>
    </header>
    <main>${page ? page() : html`<h1>Not found</h1><p><a href="#/catalog">Back to the catalog</a></p>`}</main>`;
}

function Failure({ error }) {
  return error ? html`<p class="error" role="alert">${error.message}</p>` : null;
}

function Table({ label, head, children }) {
  return html`<div class="table-wrap" tabindex="0" role="region" aria-label=${label}>
    <table><thead><tr>${head.map((cell) => html`<th scope="col" class=${cell.num ? "num" : ""}>${cell.label ?? cell}</th>`)}</tr></thead>
    <tbody>${children}</tbody></table></div>`;
}

const num = (label) => ({ label, num: true });
const dateText = (date) => date ?? "no date";
const skuLink = (sku) => html`<a href="#/products/${enc(sku)}">${sku}</a>`;

/** Every product, 200 at a time, for pickers. */
function useAllSkus(api) {
  return useLoad(async () => {
    const skus = [];
    let after = "";
    for (;;) {
      const page = await api("GET", `/v1/skus?limit=200&after=${enc(after)}`);
      skus.push(...page.skus);
      if (!page.next_after) return skus;
      after = page.next_after;
    }
  }, [api]);
}

function SkuPicker({ api, sku, view }) {
  const all = useAllSkus(api);
  return html`<div class="row">
    <label>Product
      <select value=${sku ?? ""} onChange=${(e) => { location.hash = `#/${view}/${enc(e.currentTarget.value)}`; }}>
        <option value="">Choose a product…</option>
        ${(all.data ?? []).map((p) => html`<option value=${p.sku}>${p.sku} — ${p.name}</option>`)}
      </select>
    </label><${Failure} error=${all.error} /></div>`;
}

// ---- Catalog ----

function Catalog({ api }) {
  const [pages, setPages] = useState([""]);
  const [search, setSearch] = useState("");
  const loaded = useLoad(async () => {
    const skus = [];
    let next = null;
    for (const after of pages) {
      const page = await api("GET", `/v1/skus?limit=50&after=${enc(after)}`);
      skus.push(...page.skus);
      next = page.next_after;
    }
    return { skus, next };
  }, [api, pages]);
  const needle = search.trim().toLowerCase();
  const shown = (loaded.data?.skus ?? []).filter((p) => !needle || p.sku.toLowerCase().includes(needle) || p.name.toLowerCase().includes(needle));
  return html`
    <h1>Catalog</h1>
    <section class="panel">
      <div class="row">
        <label>Search SKU or name<input type="search" value=${search} onInput=${(e) => setSearch(e.currentTarget.value)} /></label>
        <span class="note" aria-live="polite">${shown.length} of ${loaded.data?.skus.length ?? 0} loaded products</span>
      </div>
      <${Failure} error=${loaded.error} />
      <${Table} label="Products" head=${["SKU", "Name", "Status", num("On hand"), num("Available"), num("Backordered"), "Attention"]}>
        ${shown.map((p) => html`<tr class=${p.slipped > 0 ? "slipped" : p.status === "low_stock" ? "low" : ""}>
          <td>${skuLink(p.sku)}</td><td>${p.name}</td><td>${p.status.replaceAll("_", " ")}</td>
          <td class="num">${p.on_hand}</td><td class="num">${p.available_now}</td><td class="num">${p.backordered}</td>
          <td>${p.status === "low_stock" ? html`<span class="tag warn">Low stock</span> ` : ""}${p.slipped > 0 ? html`<span class="tag bad">${p.slipped} slipped</span>` : ""}</td>
        </tr>`)}
      <//>
      ${loaded.data?.next ? html`<p><button type="button" class="secondary" onClick=${() => setPages([...pages, loaded.data.next])}>Load more products</button></p>` : ""}
    </section>
    <${NewProduct} api=${api} />`;
}

function NewProduct({ api }) {
  const [error, setError] = useState(null);
  const submit = async (event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const sku = form.get("sku").trim();
    try {
      await api("PUT", `/v1/skus/${enc(sku)}`, { name: form.get("name").trim() || sku, on_hand: Number(form.get("on_hand")) });
      location.hash = `#/products/${enc(sku)}`;
    } catch (e) {
      setError(e);
    }
  };
  return html`<section class="panel"><h2>New product</h2>
    <form class="grid" onSubmit=${submit}>
      <label>SKU<input name="sku" required maxlength="64" /></label>
      <label>Name<input name="name" maxlength="200" /></label>
      <label>On hand<input name="on_hand" type="number" min="0" required value="0" /></label>
      <div><button type="submit">Create</button></div>
    </form><${Failure} error=${error} /></section>`;
}

// ---- Product editor ----

const POLICY_FIELDS = [
  "name", "on_hand", "backorders", "backorder_limit", "limit_to_inbound", "lead_time_days", "handling_days",
  "ship_weekdays", "holidays", "low_stock_threshold", "discontinued", "release_date", "utc_offset_minutes",
  "hold_minutes", "delay_consent",
];

/** The field an API error names (its message starts with or mentions it), for showing it inline. */
function fieldOf(message) {
  let best = null;
  for (const field of POLICY_FIELDS) {
    const at = message.search(new RegExp(`\\b${field}\\b`));
    if (at >= 0 && (best === null || at < best.at)) best = { field, at };
  }
  return best?.field ?? null;
}

function ProductEditor({ api, sku }) {
  const product = useLoad(() => api("GET", `/v1/skus/${enc(sku)}`), [api, sku]);
  const [result, setResult] = useState({ field: null, error: null, saved: false });
  if (product.error) return html`<h1>${sku}</h1><${Failure} error=${product.error} />`;
  if (!product.data) return html`<h1>${sku}</h1><p>Loading…</p>`;
  const p = product.data;
  const policy = p; // the policy's fields are the product's own
  const submit = async (event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const optional = (name) => (form.get(name).trim() === "" ? null : Number(form.get(name)));
    const body = {
      name: form.get("name").trim(),
      on_hand: Number(form.get("on_hand")),
      backorders: form.get("backorders"),
      backorder_limit: optional("backorder_limit"),
      limit_to_inbound: form.get("limit_to_inbound") === "on",
      lead_time_days: optional("lead_time_days"),
      handling_days: Number(form.get("handling_days")),
      ship_weekdays: form.getAll("ship_weekdays").map(Number),
      holidays: form.get("holidays").split(/[\s,]+/).filter(Boolean),
      low_stock_threshold: Number(form.get("low_stock_threshold")),
      discontinued: form.get("discontinued") === "on",
      release_date: form.get("release_date") || null,
      utc_offset_minutes: Number(form.get("utc_offset_minutes")),
      hold_minutes: Number(form.get("hold_minutes")),
      delay_consent: form.get("delay_consent"),
    };
    try {
      await api("PUT", `/v1/skus/${enc(sku)}`, body);
      setResult({ field: null, error: null, saved: true });
      product.reload();
    } catch (e) {
      setResult({ field: fieldOf(e.message), error: e, saved: false });
    }
  };
  const invalid = (field) => (result.field === field ? "true" : "false");
  const fieldError = (field) => (result.field === field ? html`<span class="error" id="error-${field}">${result.error.message}</span>` : null);
  const described = (field) => (result.field === field ? `error-${field}` : undefined);
  const input = (field, label, attrs) => html`<label>${label}
    <input name=${field} aria-invalid=${invalid(field)} aria-describedby=${described(field)} ...${attrs} />${fieldError(field)}</label>`;
  return html`
    <h1>${p.name} <span class="note">${p.sku}</span></h1>
    <section class="panel">
      <div class="cards">
        <div class="card"><div class="value">${p.status.replaceAll("_", " ")}</div><div class="label">Status</div></div>
        <div class="card"><div class="value">${p.on_hand}</div><div class="label">On hand</div></div>
        <div class="card"><div class="value">${p.available_now}</div><div class="label">Available now</div></div>
        <div class="card"><div class="value">${p.queue.reduce((n, q) => n + q.qty, 0)}</div><div class="label">Backordered units</div></div>
      </div>
      <p><a href="#/backorders/${enc(sku)}">Backorder queue</a> · <a href="#/purchase-orders/${enc(sku)}">Purchase orders</a> · <a href="#/receive/${enc(sku)}">Receive stock</a></p>
    </section>
    <section class="panel"><h2>Policy</h2>
      <form class="grid" onSubmit=${submit} novalidate>
        ${input("name", "Name", { value: p.name, maxlength: 200 })}
        ${input("on_hand", "On hand", { type: "number", value: p.on_hand })}
        <label>Backorders<select name="backorders" value=${policy.backorders} aria-invalid=${invalid("backorders")}>
          <option value="allow">allow</option><option value="deny">deny</option></select>${fieldError("backorders")}</label>
        ${input("backorder_limit", "Backorder limit (empty: no limit)", { type: "number", value: policy.backorder_limit ?? "" })}
        ${input("lead_time_days", "Lead time, days (empty: date unknown)", { type: "number", value: policy.lead_time_days ?? "" })}
        ${input("handling_days", "Handling days", { type: "number", value: policy.handling_days })}
        ${input("low_stock_threshold", "Low-stock threshold", { type: "number", value: policy.low_stock_threshold })}
        ${input("hold_minutes", "Reservation hold, minutes", { type: "number", value: policy.hold_minutes })}
        ${input("utc_offset_minutes", "Store's UTC offset, minutes", { type: "number", value: policy.utc_offset_minutes })}
        ${input("release_date", "Release date (empty: released)", { type: "date", value: policy.release_date ?? "" })}
        ${input("holidays", "Holidays (YYYY-MM-DD, comma separated)", { value: policy.holidays.join(", ") })}
        <label>Delay consent<select name="delay_consent" value=${policy.delay_consent} aria-invalid=${invalid("delay_consent")}>
          <option value="ftc">ftc (16 CFR 435)</option><option value="off">off</option></select>${fieldError("delay_consent")}</label>
        <fieldset aria-invalid=${invalid("ship_weekdays")}><legend>Ship weekdays</legend><div class="days">
          ${WEEKDAYS.map((day, i) => html`<label class="check"><input type="checkbox" name="ship_weekdays" value=${i + 1} checked=${policy.ship_weekdays.includes(i + 1)} />${day}</label>`)}
        </div>${fieldError("ship_weekdays")}</fieldset>
        <label class="check"><input type="checkbox" name="limit_to_inbound" checked=${policy.limit_to_inbound} />Limit backorders to inbound supply</label>
        <label class="check"><input type="checkbox" name="discontinued" checked=${policy.discontinued} />Discontinued</label>
        <div><button type="submit">Save</button></div>
      </form>
      ${result.error && !result.field ? html`<${Failure} error=${result.error} />` : ""}
      <p class="ok" role="status">${result.saved ? "Saved." : ""}</p>
    </section>`;
}

// ---- Receive ----

function Receive({ api, sku }) {
  const product = useLoad(() => (sku ? api("GET", `/v1/skus/${enc(sku)}`) : Promise.resolve(null)), [api, sku]);
  const [outcome, setOutcome] = useState(null);
  const submit = async (event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const body = { qty: Number(form.get("qty")) };
    if (form.get("po_id")) body.po_id = form.get("po_id");
    try {
      const receipt = await api("POST", `/v1/skus/${enc(sku)}/receipts`, body, { "idempotency-key": crypto.randomUUID() });
      setOutcome({ receipt });
      product.reload();
    } catch (error) {
      setOutcome({ error });
    }
  };
  return html`<h1>Receive stock</h1>
    <section class="panel">
      <${SkuPicker} api=${api} sku=${sku} view="receive" />
      ${product.data && html`<form class="grid" onSubmit=${submit}>
        <label>Units received<input name="qty" type="number" min="1" required /></label>
        <label>Against purchase order<select name="po_id">
          <option value="">None</option>
          ${product.data.purchase_orders.map((po) => html`<option value=${po.po_id}>${po.po_id} (${po.qty} expected ${po.expected_date})</option>`)}
        </select></label>
        <div><button type="submit">Receive</button></div>
      </form>
      <p class="note">On hand: ${product.data.on_hand}; units go to waiting backorders first, oldest first.</p>`}
      <${Failure} error=${product.error ?? outcome?.error} />
      ${outcome?.receipt && html`<div role="status"><p class="ok">Received. On hand is now ${outcome.receipt.on_hand}.</p>
        ${outcome.receipt.allocated.length ? html`<ul>${outcome.receipt.allocated.map((a) => html`<li>${a.qty} to ${a.order_id ? html`order <a href="#/orders/${enc(a.order_id)}">${a.order_id}</a>` : `reservation ${a.reservation_id}`}</li>`)}</ul>` : html`<p class="note">No backorder was waiting.</p>`}</div>`}
    </section>`;
}

// ---- Purchase orders ----

function PurchaseOrders({ api, sku }) {
  const product = useLoad(() => (sku ? api("GET", `/v1/skus/${enc(sku)}`) : Promise.resolve(null)), [api, sku]);
  const [error, setError] = useState(null);
  const act = async (method, poId, body) => {
    setError(null);
    try {
      await api(method, `/v1/skus/${enc(sku)}/purchase-orders/${enc(poId)}`, body);
      product.reload();
    } catch (e) {
      setError(e);
    }
  };
  const save = (event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    act("PUT", form.get("po_id").trim(), { qty: Number(form.get("qty")), expected_date: form.get("expected_date") });
  };
  const p = product.data;
  return html`<h1>Purchase orders</h1>
    <section class="panel">
      <${SkuPicker} api=${api} sku=${sku} view="purchase-orders" />
      <${Failure} error=${product.error ?? error} />
      ${p && html`
        <${Table} label="Purchase orders" head=${["Purchase order", num("Units expected"), "Expected", "Covers waiting lines", "Change"]}>
          ${p.purchase_orders.map((po) => html`<${PurchaseOrderRow} po=${po} covers=${p.queue.filter((q) => q.purchase_order_id === po.po_id)} act=${act} />`)}
        <//>
        ${p.purchase_orders.length === 0 ? html`<p class="note">No purchase order is open.</p>` : ""}
        <h2>New purchase order</h2>
        <form class="grid" onSubmit=${save}>
          <label>Id<input name="po_id" required maxlength="64" /></label>
          <label>Units<input name="qty" type="number" min="1" required /></label>
          <label>Expected date<input name="expected_date" type="date" required /></label>
          <div><button type="submit">Create</button></div>
        </form>`}
    </section>`;
}

function PurchaseOrderRow({ po, covers, act }) {
  const change = (event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    act("PUT", po.po_id, { qty: Number(form.get("qty")), expected_date: form.get("expected_date") });
  };
  return html`<tr>
    <td>${po.po_id}</td><td class="num">${po.qty}</td><td>${po.expected_date}</td>
    <td>${covers.length ? covers.map((q) => html`<span>${q.order_id ? html`<a href="#/orders/${enc(q.order_id)}">${q.order_id}</a>` : "reservation"} (${q.qty}) </span>`) : html`<span class="note">none</span>`}</td>
    <td><form class="row" onSubmit=${change} aria-label="Change ${po.po_id}">
      <label>Units<input name="qty" type="number" min="1" value=${po.qty} size="6" /></label>
      <label>Expected<input name="expected_date" type="date" value=${po.expected_date} /></label>
      <button type="submit" class="secondary">Change</button>
      <button type="button" class="danger" onClick=${() => act("DELETE", po.po_id)}>Cancel</button>
    </form></td></tr>`;
}

// ---- Backorder queue ----

function slipped(item) {
  return item.ship_date !== null && (item.projected_ship_date === null || item.projected_ship_date > item.ship_date);
}

function Backorders({ api, sku }) {
  const queue = useLoad(() => (sku ? api("GET", `/v1/skus/${enc(sku)}/backorders`) : Promise.resolve(null)), [api, sku]);
  const [outcome, setOutcome] = useState(null);
  const cancel = async (orderId) => {
    try {
      const result = await api("POST", `/v1/orders/${enc(orderId)}/cancel`, { sku, scope: "backorder" });
      setOutcome({ message: `Cancelled ${result.backorder_cancelled} waiting units of ${orderId}; ${result.refund_qty} to refund.` });
      queue.reload();
    } catch (error) {
      setOutcome({ error });
    }
  };
  return html`<h1>Backorder queue</h1>
    <section class="panel">
      <${SkuPicker} api=${api} sku=${sku} view="backorders" />
      <${Failure} error=${queue.error ?? outcome?.error} />
      <p class="ok" role="status">${outcome?.message ?? ""}</p>
      ${queue.data && html`<${Table} label="Waiting lines" head=${[num("Position"), "Order", num("Units waiting"), "Promised", "Projected", "Covered by", ""]}>
        ${queue.data.lines.map((item) => html`<tr class=${slipped(item) ? "slipped" : ""}>
          <td class="num">${item.position}</td>
          <td>${item.order_id ? html`<a href="#/orders/${enc(item.order_id)}">${item.order_id}</a>` : html`reservation <span class="note">${item.reservation_id}</span>`}</td>
          <td class="num">${item.qty}</td><td>${dateText(item.ship_date)}</td>
          <td>${dateText(item.projected_ship_date)} ${slipped(item) ? html`<span class="tag bad">slipped</span>` : ""}</td>
          <td>${item.purchase_order_id ?? html`<span class="note">beyond supply</span>`}</td>
          <td>${item.order_id ? html`<${ConfirmButton} label="Cancel waiting units" confirm="Confirm: cancel ${item.qty} units of ${item.order_id}" onConfirm=${() => cancel(item.order_id)} />` : ""}</td>
        </tr>`)}
      <//>
      ${queue.data.lines.length === 0 ? html`<p class="note">Nothing is waiting.</p>` : ""}`}
    </section>`;
}

/** A destructive action: the first press asks, the second does it. */
function ConfirmButton({ label, confirm, onConfirm }) {
  const [asking, setAsking] = useState(false);
  return asking
    ? html`<span class="row"><button type="button" class="danger" onClick=${() => { setAsking(false); onConfirm(); }}>${confirm}</button>
        <button type="button" class="secondary" onClick=${() => setAsking(false)}>Keep</button></span>`
    : html`<button type="button" class="secondary" onClick=${() => setAsking(true)}>${label}</button>`;
}

// ---- Orders ----

function Orders({ api, orderId }) {
  const order = useLoad(() => (orderId ? api("GET", `/v1/orders/${enc(orderId)}`) : Promise.resolve(null)), [api, orderId]);
  const [outcome, setOutcome] = useState(null);
  const find = (event) => {
    event.preventDefault();
    location.hash = `#/orders/${enc(new FormData(event.currentTarget).get("order_id").trim())}`;
  };
  const act = async (path, body, describe) => {
    try {
      setOutcome({ message: describe(await api("POST", path, body)) });
      order.reload();
    } catch (error) {
      setOutcome({ error });
    }
  };
  const o = order.data;
  return html`<h1>Orders</h1>
    <section class="panel">
      <form class="row" onSubmit=${find} role="search">
        <label>Order id<input name="order_id" required maxlength="64" value=${orderId ?? ""} /></label>
        <button type="submit">Find</button>
      </form>
      <${Failure} error=${order.error ?? outcome?.error} />
      <p class="ok" role="status">${outcome?.message ?? ""}</p>
      ${o && html`<h2>Order ${o.order_id}</h2>
        <${Table} label="Order lines" head=${["SKU", num("Units"), num("Now"), num("Backordered"), num("Waiting"), "Status", "Promised", "Projected", "Delay", ""]}>
          ${o.lines.map((line) => html`<tr>
            <td>${skuLink(line.sku)}</td><td class="num">${line.qty}</td><td class="num">${line.now}</td><td class="num">${line.backorder}</td>
            <td class="num">${line.outstanding}</td><td>${line.status}</td>
            <td>${line.backorder ? dateText(line.promised_ship_date) : line.ship_date}</td><td>${line.backorder ? dateText(line.projected_ship_date) : ""}</td>
            <td>${line.delay ? html`notice ${line.delay.notice}: ${line.delay.decision}${line.delay.decided_by ? ` by ${line.delay.decided_by}` : ""}, revised ${dateText(line.delay.revised_ship_date)}, answer by ${line.delay.deadline}` : html`<span class="note">none</span>`}</td>
            <td>${line.status !== "cancelled" ? html`<${ConfirmButton} label="Cancel line" confirm="Confirm: cancel ${line.sku}"
              onConfirm=${() => act(`/v1/orders/${enc(o.order_id)}/cancel`, { sku: line.sku }, (r) => `Cancelled ${line.sku}: ${r.refund_qty} to refund, ${r.restocked} back in stock.`)} />` : ""}</td>
          </tr>`)}
        <//>
        <div class="row">
          <${ConfirmButton} label="Cancel the whole order" confirm="Confirm: cancel order ${o.order_id}"
            onConfirm=${() => act(`/v1/orders/${enc(o.order_id)}/cancel`, {}, (r) => `Cancelled: ${r.refund_qty} units to refund.`)} />
          <button type="button" class="secondary" onClick=${() => act(`/v1/orders/${enc(o.order_id)}/status-token`, undefined, (r) => `New status page for the customer (the old link stops working): ${r.status_url}`)}>New status link</button>
        </div>`}
    </section>`;
}

// ---- Live event feed ----

const POLL_MS = 2000;
const KEPT_EVENTS = 200;

function Events({ api }) {
  const [events, setEvents] = useState([]);
  const [error, setError] = useState(null);
  const [type, setType] = useState("");
  const [sku, setSku] = useState("");
  const cursor = useRef(0);
  useEffect(() => {
    let live = true;
    let timer;
    const poll = async () => {
      try {
        for (;;) {
          const page = await api("GET", `/v1/events?after=${cursor.current}&limit=500`);
          if (!live) return;
          cursor.current = page.next_cursor;
          if (page.events.length) setEvents((kept) => [...page.events.reverse(), ...kept].slice(0, KEPT_EVENTS));
          if (page.events.length < 500) break;
        }
        setError(null);
      } catch (e) {
        if (live) setError(e);
      }
      if (live) timer = setTimeout(poll, POLL_MS);
    };
    poll();
    return () => { live = false; clearTimeout(timer); };
  }, [api]);
  const shown = events.filter((e) => (!type || e.type === type) && (!sku || (e.sku ?? "").toLowerCase().includes(sku.toLowerCase())));
  return html`<h1>Events</h1>
    <section class="panel">
      <div class="row">
        <label>Type<select value=${type} onChange=${(e) => setType(e.currentTarget.value)}>
          <option value="">All types</option>${EVENT_TYPES.map((t) => html`<option value=${t}>${t}</option>`)}</select></label>
        <label>SKU<input type="search" value=${sku} onInput=${(e) => setSku(e.currentTarget.value)} /></label>
        <span class="note">Following the feed (cursor ${cursor.current}); newest first, the last ${KEPT_EVENTS} kept.</span>
      </div>
      <${Failure} error=${error} />
      <${Table} label="Events" head=${[num("Id"), "At", "Type", "SKU", "Details"]}>
        ${shown.map((e) => html`<tr data-event-id=${e.id}><td class="num">${e.id}</td><td>${e.at}</td><td>${e.type}</td><td>${e.sku ?? ""}</td><td>${details(e)}</td></tr>`)}
      <//>
    </section>`;
}

function details(event) {
  const { id, at, type, sku, seq, ...rest } = event;
  return Object.entries(rest).map(([key, value]) => `${key}: ${typeof value === "object" ? JSON.stringify(value) : value}`).join(" · ");
}

// ---- Webhooks ----

function Webhooks({ api }) {
  const endpoints = useLoad(() => api("GET", "/v1/webhook-endpoints"), [api]);
  const [secret, setSecret] = useState(null);
  const [error, setError] = useState(null);
  const [open, setOpen] = useState(null);
  const [sent, setSent] = useState(null);
  const act = async (method, path, body, after) => {
    setError(null);
    try {
      const result = await api(method, path, body);
      after?.(result);
      endpoints.reload();
      return result;
    } catch (e) {
      setError(e);
    }
  };
  const create = (event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const events = form.getAll("events");
    const body = { url: form.get("url").trim(), events: events.length ? events : ["*"] };
    if (form.get("description").trim()) body.description = form.get("description").trim();
    act("POST", "/v1/webhook-endpoints", body, (created) => { setSecret({ id: created.id, secret: created.secret }); event.target.reset(); });
  };
  return html`<h1>Webhook endpoints</h1>
    <${Failure} error=${endpoints.error ?? error} />
    ${secret && html`<section class="panel" role="status"><p>Signing secret for ${secret.id}, shown only now — keep it with the receiver:</p><p class="secret">${secret.secret}</p>
      <button type="button" class="secondary" onClick=${() => setSecret(null)}>I have kept it</button></section>`}
    <section class="panel">
      <${Table} label="Endpoints" head=${["URL", "Events", "State", ""]}>
        ${(endpoints.data?.endpoints ?? []).map((ep) => html`<tr>
          <td>${ep.url}${ep.description ? html`<div class="note">${ep.description}</div>` : ""}</td>
          <td>${ep.events.join(", ")}</td>
          <td>${ep.enabled ? html`<span class="tag good">enabled</span>` : html`<span class="tag bad">disabled (${ep.disabled_reason})</span>`}${ep.failing_since ? html`<div class="note">failing since ${ep.failing_since}</div>` : ""}</td>
          <td><div class="row">
            <button type="button" class="secondary" onClick=${() => setOpen(open === ep.id ? null : ep.id)} aria-expanded=${open === ep.id}>Deliveries</button>
            <button type="button" class="secondary" onClick=${() => act("POST", `/v1/webhook-endpoints/${ep.id}/test`, undefined, (a) => setSent({ id: ep.id, attempt: a, at: Date.now() }))}>Send a ping</button>
            <button type="button" class="secondary" onClick=${() => act("PATCH", `/v1/webhook-endpoints/${ep.id}`, { enabled: !ep.enabled })}>${ep.enabled ? "Disable" : "Enable"}</button>
            <button type="button" class="secondary" onClick=${() => act("POST", `/v1/webhook-endpoints/${ep.id}/rotate-secret`, undefined, (r) => setSecret({ id: ep.id, secret: r.secret }))}>Rotate secret</button>
            <${ConfirmButton} label="Delete" confirm="Confirm: delete" onConfirm=${() => act("DELETE", `/v1/webhook-endpoints/${ep.id}`)} />
          </div></td></tr>`)}
      <//>
      ${endpoints.data?.endpoints.length === 0 ? html`<p class="note">No endpoint yet.</p>` : ""}
      <p class="ok" role="status">${sent ? `Ping to ${sent.id}: ${sent.attempt.status ?? "no answer"} in ${sent.attempt.latency_ms} ms (${sent.attempt.outcome}).` : ""}</p>
      ${open && html`<${Deliveries} api=${api} endpointId=${open} version=${sent?.at} />`}
    </section>
    <section class="panel"><h2>New endpoint</h2>
      <form onSubmit=${create}>
        <div class="grid">
          <label>URL (https://)<input name="url" type="url" required /></label>
          <label>Description<input name="description" maxlength="500" /></label>
        </div>
        <fieldset><legend>Events (none ticked: every type)</legend><div class="days">
          ${EVENT_TYPES.map((t) => html`<label class="check"><input type="checkbox" name="events" value=${t} />${t}</label>`)}
        </div></fieldset>
        <p><button type="submit">Add endpoint</button></p>
      </form>
    </section>`;
}

/** An endpoint's delivery log; read again whenever `version` changes (a ping was sent). */
function Deliveries({ api, endpointId, version }) {
  const log = useLoad(() => api("GET", `/v1/webhook-endpoints/${endpointId}/deliveries`), [api, endpointId, version]);
  const [error, setError] = useState(null);
  const retry = async (deliveryId) => {
    try {
      await api("POST", `/v1/webhook-endpoints/${endpointId}/deliveries/${deliveryId}/retry`);
      log.reload();
    } catch (e) {
      setError(e);
    }
  };
  return html`<h2>Deliveries of ${endpointId}</h2>
    <${Failure} error=${log.error ?? error} />
    <${Table} label="Delivery log" head=${["At", "Event", "Type", num("Attempt"), num("Status"), num("Latency ms"), "Outcome", ""]}>
      ${(log.data?.attempts ?? []).map((a) => html`<tr>
        <td>${a.at}</td><td>${a.event_id}</td><td>${a.type}</td><td class="num">${a.attempt}</td><td class="num">${a.status ?? "none"}</td>
        <td class="num">${a.latency_ms}</td><td>${a.outcome}${a.error ? html`<div class="note">${a.error}</div>` : ""}</td>
        <td><button type="button" class="secondary" onClick=${() => retry(a.delivery_id)}>Retry</button></td></tr>`)}
    <//>
    ${log.data?.attempts.length === 0 ? html`<p class="note">No attempt yet.</p>` : ""}`;
}

// ---- Analytics ----

function Analytics({ api }) {
  const [query, setQuery] = useState({ from: "", to: "", sku: "" });
  const report = useLoad(() => {
    const params = new URLSearchParams(Object.entries(query).filter(([, v]) => v));
    return api("GET", `/v1/analytics?${params}`);
  }, [api, query]);
  const submit = (event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setQuery({ from: form.get("from"), to: form.get("to"), sku: form.get("sku").trim() });
  };
  const r = report.data;
  return html`<h1>Analytics</h1>
    <section class="panel">
      <form class="row" onSubmit=${submit}>
        <label>From<input name="from" type="date" defaultValue=${query.from} /></label>
        <label>To<input name="to" type="date" defaultValue=${query.to} /></label>
        <label>SKU (empty: all)<input name="sku" defaultValue=${query.sku} maxlength="64" /></label>
        <button type="submit">Show</button>
      </form>
      <p class="note">Without dates: the 30 days up to today (UTC).</p>
      <${Failure} error=${report.error} />
    </section>
    ${r && html`<${Report} report=${r} />`}`;
}

const percentText = (value) => (value === null ? null : `${value}%`);

function Card({ id, value, label }) {
  return html`<div class="card" data-figure=${id}><div class="value">${value ?? "—"}</div><div class="label">${label}</div></div>`;
}

function Report({ report: r }) {
  const e = r.eta_error_days;
  const daily = useMemo(() => dailyChart(r.daily), [r]);
  const errors = useMemo(() => histogramChart(e.histogram), [r]);
  return html`
    <section class="panel" aria-labelledby="promises-heading">
      <h2 id="promises-heading">Promises, ${r.from} to ${r.to}${r.sku ? ` (${r.sku})` : ""}</h2>
      <div class="cards">
        <${Card} id="kept_percent" value=${percentText(r.promises.kept_percent)} label="Promises kept" />
        <${Card} id="kept_as_first_quoted_percent" value=${percentText(r.promises.kept_as_first_quoted_percent)} label="Kept as first quoted" />
        <${Card} id="shipped_lines" value=${r.promises.shipped_lines} label="Backordered lines shipped" />
        <${Card} id="kept" value=${r.promises.kept} label="Shipped by the date in force" />
        <${Card} id="late" value=${r.promises.late} label="Shipped late" />
        <${Card} id="p50" value=${e.p50} label="ETA error p50, days" />
        <${Card} id="p90" value=${e.p90} label="ETA error p90, days" />
        <${Card} id="max" value=${e.max} label="ETA error max, days" />
        <${Card} id="early" value=${e.early} label="Shipped early" />
      </div>
      <${Chart} title="Lines shipped per day: kept and late" options=${daily} />
      <${Chart} title="ETA error: days after (+) or before (−) the promise" options=${errors} />
    </section>
    <section class="panel" aria-labelledby="open-heading">
      <h2 id="open-heading">Open backorders as of ${r.as_of}</h2>
      <div class="cards">
        <${Card} id="open_lines" value=${r.open.lines} label="Open lines" />
        <${Card} id="open_units" value=${r.open.units} label="Units waiting" />
        <${Card} id="oldest_days" value=${r.open.oldest_days} label="Oldest, days" />
      </div>
      <${Table} label="Backorder age" head=${["Age, days", num("Lines"), num("Units")]}>
        ${r.open.age_days.map((b) => html`<tr><td>${b.label}</td><td class="num">${b.lines}</td><td class="num">${b.units}</td></tr>`)}
      <//>
    </section>
    <section class="panel" aria-labelledby="cancel-heading">
      <h2 id="cancel-heading">Cancellations and delay notices</h2>
      <div class="cards">
        <${Card} id="cancelled_lines" value=${r.cancellations.lines} label="Lines cancelled" />
        <${Card} id="cancelled_units" value=${r.cancellations.units} label="Backordered units cancelled" />
        <${Card} id="first_notices" value=${r.delay_notices.first} label="Delay notices" />
        <${Card} id="renewed_notices" value=${r.delay_notices.renewed} label="Renewed notices" />
      </div>
      <${Table} label="Cancellations by reason" head=${["Reason", num("Lines"), num("Units")]}>
        ${r.cancellations.by_reason.map((c) => html`<tr data-reason=${c.reason}><td>${c.reason.replaceAll("_", " ")}</td><td class="num">${c.lines}</td><td class="num">${c.units}</td></tr>`)}
      <//>
    </section>`;
}

const DAY_SECONDS = 86400;
const BARS = uPlot.paths.bars({ size: [0.6, 40] });

function dailyChart(daily) {
  const x = daily.map((d) => Date.parse(`${d.date}T00:00:00Z`) / 1000);
  return {
    data: [x, daily.map((d) => d.kept), daily.map((d) => d.late)],
    series: [{}, { label: "kept", stroke: "#166534", fill: "rgba(22,101,52,.35)", paths: BARS }, { label: "late", stroke: "#991b1b", fill: "rgba(153,27,27,.35)", paths: BARS }],
    scales: { x: { time: true, range: (_, min, max) => [min - DAY_SECONDS / 2, max + DAY_SECONDS / 2] } },
    axes: [{}, { label: "lines" }],
  };
}

function histogramChart(histogram) {
  const bins = histogram.length ? histogram : [{ days: 0, lines: 0 }];
  return {
    data: [bins.map((b) => b.days), bins.map((b) => b.lines)],
    series: [{ label: "days" }, { label: "lines", stroke: "#3730a3", fill: "rgba(55,48,163,.35)", paths: BARS }],
    scales: { x: { time: false, range: (_, min, max) => [min - 1, max + 1] } },
    axes: [{ label: "days late (−: early)" }, { label: "lines" }],
  };
}

/** A uPlot chart sized to its container; the same figures are in the cards and tables. */
function Chart({ title, options }) {
  const box = useRef(null);
  useEffect(() => {
    const width = () => Math.max(280, box.current.clientWidth);
    const chart = new uPlot({ ...options, width: width(), height: 220, title: undefined }, options.data, box.current);
    const resize = () => chart.setSize({ width: width(), height: 220 });
    addEventListener("resize", resize);
    return () => { removeEventListener("resize", resize); chart.destroy(); };
  }, [options]);
  return html`<figure><figcaption>${title}</figcaption><div class="chart" ref=${box} role="img" aria-label=${title}></div></figure>`;
}

// Preact diffs against what is in the container: the page's loading note goes first.
const app = document.getElementById("app");
app.replaceChildren();
render(html`<${App} />`, app);
