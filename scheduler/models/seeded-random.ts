/** A small seedable PRNG for model weights and warm-up data: the same seed gives the same bytes on every platform. */

/** mulberry32: uniform values in [0, 1). Integer arithmetic only, so it is identical everywhere. */
export function uniform(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `n` float32 values, normally distributed with standard deviation `std` (Box–Muller over
 * `uniform(seed)`). Math.log/cos/sqrt are not guaranteed bit-identical across engines, but V8's
 * are deterministic per version, which is what reproducible test models need.
 */
export function normalArray(n: number, std: number, seed: number): Float32Array {
  const u = uniform(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - u())) * std;
    const theta = 2 * Math.PI * u();
    out[i] = r * Math.cos(theta);
    if (i + 1 < n) out[i + 1] = r * Math.sin(theta);
  }
  return out;
}
