/** A generator of floats in [0, 1), determined by `seed` (mulberry32). */
export function prng(seed: number): () => number;
