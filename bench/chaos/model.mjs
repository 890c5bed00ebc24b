// The sequential model of one SKU whose policy denies backorders, for the linearizability
// check — as docs/api.md states it, and no more:
//   reserve(q)  succeeds (201, `now` = q, `backorder` = 0) iff free ≥ q, taking q units;
//               else 409 insufficient_stock, "<free> available now and …", changing nothing;
//               the reply's `availability.available_now` is free just after the hold.
//   release(id) returns a held reservation's units (200, status "released"); releasing a
//               released one answers the same and changes nothing.
//   receipt(q)  adds q free units (nothing waits on a denying SKU): 200, allocated [],
//               on_hand = free + held after it.
//   reads       availability: available_now = free; the product: available_now = free,
//               on_hand = free + held, holds = the held reservations; a reservation: held or
//               released.
// Only what the model predicts is compared; every other field of a reply is ignored here (the
// auditor checks those against what was acknowledged).
//
// A reservation whose client gave up without an answer (a pending operation) that takes
// effect makes a hold whose id nobody saw: the model counts such holds by quantity
// (`anonymous`), and a product read must show exactly as many holds with ids that appear in
// no reply of the history, with those quantities.

const INSUFFICIENT = /^(\d+) available now and /;

/** The model for one SKU: `known` is the set of reservation ids seen in any reply. */
export function denySkuModel({ initial, known }) {
  const make = (free, held, anonymous) => ({ free, held, anonymous });
  const heldUnits = (s) => [...s.held.values()].reduce((a, q) => a + q, 0) + s.anonymous.reduce((a, q) => a + q, 0);
  const addAnonymous = (list, qty) => [...list, qty].sort((a, b) => a - b);
  const fail = (state) => ({ ok: false, state });
  return {
    init: () => make(initial, new Map(), []),
    key: (s) => `${s.free}|${[...s.held.keys()].sort().join(",")}|${s.anonymous.join(",")}`,
    step(state, input, output) {
      const { free } = state;
      switch (input.kind) {
        case "reserve": {
          const { qty } = input;
          if (output === undefined) {
            if (free < qty) return { ok: true, state };
            return { ok: true, state: make(free - qty, state.held, addAnonymous(state.anonymous, qty)) };
          }
          const { status, json } = output;
          if (status === 201) {
            if (free < qty || !json || state.held.has(json.id)) return fail(state);
            const matches = json.sku === input.sku && json.qty === qty && json.now === qty && json.backorder === 0 &&
              json.status === "held" && json.availability?.available_now === free - qty;
            if (!matches) return fail(state);
            const held = new Map(state.held).set(json.id, qty);
            return { ok: true, state: make(free - qty, held, state.anonymous) };
          }
          if (status === 409 && json?.error?.code === "insufficient_stock") {
            const said = INSUFFICIENT.exec(json.error.message ?? "");
            return { ok: free < qty && said !== null && Number(said[1]) === free, state };
          }
          return fail(state);
        }
        case "release": {
          const qty = state.held.get(input.id);
          const next = qty === undefined ? state : make(free + qty, new Map([...state.held].filter(([id]) => id !== input.id)), state.anonymous);
          if (output === undefined) return { ok: true, state: next };
          return { ok: output.status === 200 && output.json?.status === "released" && output.json.id === input.id, state: next };
        }
        case "receipt": {
          const next = make(free + input.qty, state.held, state.anonymous);
          if (output === undefined) return { ok: true, state: next };
          const { status, json } = output;
          const ok = status === 200 && Array.isArray(json?.allocated) && json.allocated.length === 0 &&
            json.on_hand === next.free + heldUnits(next);
          return { ok, state: next };
        }
        case "availability":
          return { ok: output.status === 200 && output.json?.available_now === free, state };
        case "product": {
          const { status, json } = output;
          if (status !== 200 || json?.available_now !== free || json.on_hand !== free + heldUnits(state)) return fail(state);
          const holds = json.holds ?? [];
          const seenIds = holds.filter((h) => known.has(h.id)).map((h) => h.id).sort();
          const others = holds.filter((h) => !known.has(h.id)).map((h) => h.qty).sort((a, b) => a - b);
          const ok = seenIds.join(",") === [...state.held.keys()].sort().join(",") &&
            holds.filter((h) => known.has(h.id)).every((h) => h.qty === state.held.get(h.id)) &&
            others.join(",") === state.anonymous.join(",");
          return { ok, state };
        }
        case "reservation": {
          const { status, json } = output;
          const expected = state.held.has(input.id) ? "held" : "released";
          return { ok: status === 200 && json?.status === expected, state };
        }
        default:
          return fail(state);
      }
    },
  };
}
