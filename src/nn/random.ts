// Seeded randomness (Mulberry32), so benchmark inputs and seeded weights are reproducible.
import { isFloatType, sizeOf, type DType } from './tensor.js';

export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** n values uniform in [lo, hi). */
export function uniform(n: number, rng: () => number, lo = -1, hi = 1): Float32Array {
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = lo + (hi - lo) * rng();
  return data;
}

/**
 * Seeded network inputs, one generator drawn input after input: floats uniform in [-1, 1),
 * integers in [0, 255] (pixel-like). The inputs of `wasmpose bench` and of the bench/ suites.
 */
export function seededFeeds<Input extends { dtype: DType; shape: readonly number[] }>(inputs: readonly Input[], seed = 1): (Input & { data: Float32Array | Int32Array })[] {
  const rng = seededRandom(seed);
  return inputs.map((input) => {
    const n = sizeOf(input.shape);
    const data = isFloatType(input.dtype) ? uniform(n, rng) : Int32Array.from({ length: n }, () => Math.floor(rng() * 256));
    return { ...input, data };
  });
}
