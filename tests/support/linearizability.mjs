// A linearizability checker in the manner of Wing & Gong, with Lowe's memoization (as
// Porcupine does it): is there a total order of the operations, consistent with real time
// (an operation that returned before another was invoked comes first), in which the
// sequential model, stepping through them one at a time, produces every recorded output?
//
// An operation is `{ id, call, ret, input, output }` with times in ms; `ret: null` means it
// got no answer (the client gave up): it may have taken effect at any moment after its call,
// or never. Its return is put after everything else, so the search may linearize it anywhere
// after its call — including last, after every observation, which is the same as never — and
// the model's `step` is called with `output === undefined` for it.
//
// A model is `{ init(), step(state, input, output) → { ok, state }, key(state) → string }`;
// states are values (a step returns a new one). Histories are checked per partition (one
// SKU's operations): the caller partitions.

/**
 * Checks one partition. Returns `{ ok: true, order, explored }` with a witness (operation ids
 * in linearization order), or `{ ok: false, explored, stuck, longest }`: `stuck` is the
 * operation whose return came with no explanation at the deepest point the search reached
 * and `longest` the linearized prefix there — where to start reading a failure. With
 * `budget` steps spent, `{ ok: null }` (undecided) rather than a guess.
 */
export function checkLinearizable(model, operations, { budget = 5_000_000 } = {}) {
  const n = operations.length;
  if (n === 0) return { ok: true, order: [], explored: 0 };
  // Entries: a call and a return per operation, by time; a call sorts before a return at the
  // same instant (the two operations are then taken as concurrent: the lenient reading).
  const entries = [];
  operations.forEach((op, index) => {
    entries.push({ index, call: true, time: op.call });
    entries.push({ index, call: false, time: op.ret ?? Infinity });
  });
  entries.sort((a, b) => a.time - b.time || (a.call === b.call ? a.index - b.index : a.call ? -1 : 1));
  // A doubly linked list with a sentinel head; each call entry knows its return entry.
  const head = { next: null, prev: null };
  let previous = head;
  const returnOf = new Array(n);
  for (const entry of entries) {
    entry.prev = previous;
    previous.next = entry;
    entry.next = null;
    previous = entry;
    if (!entry.call) returnOf[entry.index] = entry;
  }
  for (const entry of entries) if (entry.call) entry.match = returnOf[entry.index];

  const lift = (entry) => {
    entry.prev.next = entry.next;
    if (entry.next) entry.next.prev = entry.prev;
    const match = entry.match;
    match.prev.next = match.next;
    if (match.next) match.next.prev = match.prev;
  };
  const unlift = (entry) => {
    const match = entry.match;
    match.prev.next = match;
    if (match.next) match.next.prev = match;
    entry.prev.next = entry;
    if (entry.next) entry.next.prev = entry;
  };

  // The set of linearized operations: a bitset, with a Zobrist hash to index the cache (each
  // cache hit is confirmed on the full bitset, so a hash collision cannot prune wrongly).
  const words = Math.ceil(n / 32);
  const bits = new Uint32Array(words);
  const zobrist = operations.map((_, i) => [(Math.imul(i + 1, 0x9e3779b1) ^ 0x85ebca6b) >>> 0, (Math.imul(i + 7, 0xc2b2ae35) ^ 0x27d4eb2f) >>> 0]);
  let h1 = 0;
  let h2 = 0;
  const flip = (i) => {
    bits[i >>> 5] ^= 1 << (i & 31);
    h1 ^= zobrist[i][0];
    h2 ^= zobrist[i][1];
  };
  const cache = new Map();
  const seen = (stateKey) => {
    const key = `${h1.toString(36)}.${h2.toString(36)}|${stateKey}`;
    const bucket = cache.get(key);
    if (bucket) {
      for (const stored of bucket) if (stored.every((w, i) => w === bits[i])) return true;
      bucket.push(bits.slice());
    } else {
      cache.set(key, [bits.slice()]);
    }
    return false;
  };

  // At each point the candidates are the calls before the first return still in the list.
  // Answered operations are tried first and unanswered ones last: an unanswered operation is
  // placed only when nothing answered can explain the next observation without it (the
  // order of trying changes no verdict, only how soon a witness is found).
  const candidates = () => {
    const answered = [];
    const unanswered = [];
    for (let e = head.next; e && e.call; e = e.next) (operations[e.index].ret === null ? unanswered : answered).push(e);
    return answered.concat(unanswered);
  };
  let state = model.init();
  const stack = [];
  let choices = candidates();
  let tried = 0;
  let explored = 0;
  let deepest = { depth: -1 };
  while (head.next) {
    if (++explored > budget) return { ok: null, explored };
    if (tried < choices.length) {
      const entry = choices[tried++];
      const op = operations[entry.index];
      const { ok, state: next } = model.step(state, op.input, op.ret === null ? undefined : op.output);
      if (!ok) continue;
      flip(entry.index);
      if (seen(model.key(next))) {
        flip(entry.index);
        continue;
      }
      stack.push({ entry, state, choices, tried });
      state = next;
      lift(entry);
      choices = candidates();
      tried = 0;
      continue;
    }
    // No candidate explains the first return left: undo the last choice.
    if (stack.length > deepest.depth) {
      let first = head.next;
      while (first && first.call) first = first.next;
      deepest = { depth: stack.length, stuck: first ? operations[first.index].id : undefined, longest: stack.map((s) => operations[s.entry.index].id) };
    }
    if (stack.length === 0) return { ok: false, explored, stuck: deepest.stuck, longest: deepest.longest };
    const top = stack.pop();
    state = top.state;
    flip(top.entry.index);
    unlift(top.entry);
    ({ choices, tried } = top);
  }
  return { ok: true, order: stack.map((s) => operations[s.entry.index].id), explored };
}

/** Splits operations by `partitionOf(op)` and checks each; `{ ok, partitions: {name: result} }`. */
export function checkPartitioned(model, operations, partitionOf, options) {
  const groups = new Map();
  for (const op of operations) {
    const name = partitionOf(op);
    if (!groups.has(name)) groups.set(name, []);
    groups.get(name).push(op);
  }
  const partitions = {};
  for (const [name, ops] of groups) {
    partitions[name] = { ...checkLinearizable(model(name), ops, options), operations: ops.length };
  }
  const results = Object.values(partitions).map((p) => p.ok);
  const ok = results.includes(false) ? false : results.every((r) => r === true) ? true : null;
  return { ok, partitions };
}
