// The chaos workload's seeded randomness: pure-rand's xoroshiro128+ (npm `pure-rand`, the
// generator fast-check uses), wrapped in the few helpers the workload needs. Not for secrets —
// for reproducible runs only.
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";

/** A generator: `next()` in [0, 1); `int(lo, hi)` inclusive; `pick(list)`; `chance(p)`; `fork(tag)`. */
export function rng(seed) {
  const generator = xoroshiro128plus(Number(seed) | 0);
  // A small seed leaves the first outputs close to the seed's bits (the first is all ones).
  for (let i = 0; i < 12; i++) generator.next();
  const u32 = () => generator.next() >>> 0;
  const next = () => u32() / 4294967296;
  return {
    next,
    u32,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: (list) => list[Math.floor(next() * list.length)],
    chance: (p) => next() < p,
    /** An independent generator derived from this one and `tag` (one per client). */
    fork: (tag) => rng((u32() ^ Math.imul(Number(tag) + 1, 0x27d4eb2d)) | 0),
    /** A hex token of `n` 32-bit words, for names (keys, order ids) — reproducible, not secret. */
    hex: (n = 2) => Array.from({ length: n }, () => u32().toString(16).padStart(8, "0")).join(""),
  };
}
