// mulberry32: a small seeded pseudo-random generator, so that a benchmark sends the same data on every
// run and a failing randomized test can be replayed from its seed. Not for anything secret.
'use strict';

/** A generator of floats in [0, 1), determined by `seed`. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

module.exports = { prng };
