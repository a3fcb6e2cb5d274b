// mulberry32: a small seeded pseudo-random generator, so that a benchmark sends the same data on every
// run and a failing randomized test can be replayed from its seed. Not for anything secret.

/** A generator of floats in [0, 1). */
export type Random = () => number;

/** A generator of floats in [0, 1), determined by `seed`. */
export function prng(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One element of a non-empty list, drawn with `random`. */
export function pick<T>(random: Random, list: readonly T[]): T {
  return list[Math.floor(random() * list.length)];
}
