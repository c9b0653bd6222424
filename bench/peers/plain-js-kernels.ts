/**
 * The plain-JS peers of `sluice bench kernels`: the straightforward loops a JS developer would
 * write for each op, with no library. They allocate their outputs like our kernels do.
 */

import { resize } from "../../kernels/js/resize.js";
import type { Tensor } from "../../kernels/tensor.js";

export function add(a: Float32Array, b: Float32Array): Float32Array {
  const o = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) o[i] = a[i]! + b[i]!;
  return o;
}

export function mul(a: Float32Array, b: Float32Array): Float32Array {
  const o = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) o[i] = a[i]! * b[i]!;
  return o;
}

export function exp(a: Float32Array): Float32Array {
  const o = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) o[i] = Math.exp(a[i]!);
  return o;
}

export function sigmoid(a: Float32Array): Float32Array {
  const o = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) o[i] = 1 / (1 + Math.exp(-a[i]!));
  return o;
}

export function relu(a: Float32Array): Float32Array {
  const o = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) o[i] = a[i]! < 0 ? 0 : a[i]!;
  return o;
}

export function castToU8(a: Float32Array): Uint8Array {
  const o = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) {
    const v = a[i]!;
    o[i] = v !== v ? 0 : v < 0 ? 0 : v > 255 ? 255 : v;
  }
  return o;
}

/** (x - mean[c]) / std[c] over a CHW f32 image with `plane` pixels per channel. */
export function normalizeChw(x: Float32Array, plane: number, mean: readonly number[], std: readonly number[]): Float32Array {
  const o = new Float32Array(x.length);
  for (let c = 0; c < mean.length; c++) {
    const m = mean[c]!, s = std[c]!;
    for (let i = c * plane, end = (c + 1) * plane; i < end; i++) o[i] = (x[i]! - m) / s;
  }
  return o;
}

/** u8 HWC → f32 CHW, (x/255 - mean) / std. */
export function normalizeHwcToChw(x: Uint8Array, plane: number, mean: readonly number[], std: readonly number[]): Float32Array {
  const c = mean.length;
  const o = new Float32Array(x.length);
  for (let p = 0; p < plane; p++) {
    for (let ch = 0; ch < c; ch++) o[ch * plane + p] = (x[p * c + ch]! / 255 - mean[ch]!) / std[ch]!;
  }
  return o;
}

/** The benchmark's 5-op chain written as one loop: |clamp((x - 0.5) * 1.7, -3, 3)| + 0.25. */
export function fiveOpChain(x: Float32Array): Float32Array {
  const o = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    let v = (x[i]! - 0.5) * 1.7;
    v = v < -3 ? -3 : v > 3 ? 3 : v;
    o[i] = Math.abs(v) + 0.25;
  }
  return o;
}

/** A JS resize is what a JS developer without sharp has: our reference is that loop. */
export function resizeReference(x: Tensor): Tensor {
  return resize(x, { size: [224, 224], mode: "linear", antialias: true });
}

export function resizeNearestReference(x: Tensor): Tensor {
  return resize(x, { size: [224, 224], mode: "nearest" });
}

export function centerCrop(x: Tensor, h: number, w: number): Uint8Array {
  const [H, W, C] = x.shape as [number, number, number];
  const top = (H - h) >> 1, left = (W - w) >> 1;
  const o = new Uint8Array(h * w * C);
  for (let y = 0; y < h; y++) o.set(x.data.subarray(((top + y) * W + left) * C, ((top + y) * W + left + w) * C), y * w * C);
  return o;
}

export function softmaxRows(x: Float32Array, n: number): Float32Array {
  const o = new Float32Array(x.length);
  for (let r = 0; r < x.length; r += n) {
    let max = -Infinity;
    for (let i = r; i < r + n; i++) if (x[i]! > max) max = x[i]!;
    let sum = 0;
    for (let i = r; i < r + n; i++) sum += o[i] = Math.exp(x[i]! - max);
    for (let i = r; i < r + n; i++) o[i] = o[i]! / sum;
  }
  return o;
}

export function argmaxRows(x: Float32Array, n: number): Int32Array {
  const o = new Int32Array(x.length / n);
  for (let r = 0; r < o.length; r++) {
    let best = x[r * n]!, bi = 0;
    for (let i = 1; i < n; i++) if (x[r * n + i]! > best) { best = x[r * n + i]!; bi = i; }
    o[r] = bi;
  }
  return o;
}

/** Top-k per row by sorting an index array, the usual JS way. */
export function topkRows(x: Float32Array, n: number, k: number): Int32Array {
  const rows = x.length / n;
  const o = new Int32Array(rows * k);
  const idx = Array.from({ length: n }, (_, i) => i);
  for (let r = 0; r < rows; r++) {
    const base = r * n;
    idx.sort((a, b) => x[base + b]! - x[base + a]! || a - b);
    for (let j = 0; j < k; j++) o[r * k + j] = idx[j]!;
    for (let i = 0; i < n; i++) idx[i] = i;
  }
  return o;
}

export function l2Rows(x: Float32Array, d: number): Float32Array {
  const o = new Float32Array(x.length);
  for (let r = 0; r < x.length; r += d) {
    let ss = 0;
    for (let i = r; i < r + d; i++) ss += x[i]! * x[i]!;
    const inv = ss === 0 ? 0 : 1 / Math.sqrt(ss);
    for (let i = r; i < r + d; i++) o[i] = x[i]! * inv;
  }
  return o;
}

export function matmul(a: Float32Array, b: Float32Array, m: number, k: number, n: number): Float32Array {
  const o = new Float32Array(m * n);
  // i-k-j order: the inner loop walks B and the output row contiguously.
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < k; p++) {
      const av = a[i * k + p]!;
      for (let j = 0; j < n; j++) o[i * n + j] += av * b[p * n + j]!;
    }
  }
  return o;
}

export function cosine(q: Float32Array, c: Float32Array, d: number): Float32Array {
  const m = q.length / d, n = c.length / d;
  const o = new Float32Array(m * n);
  const cn = new Float32Array(n);
  for (let j = 0; j < n; j++) {
    let s = 0;
    for (let p = 0; p < d; p++) s += c[j * d + p]! ** 2;
    cn[j] = Math.sqrt(s);
  }
  for (let i = 0; i < m; i++) {
    let qs = 0;
    for (let p = 0; p < d; p++) qs += q[i * d + p]! ** 2;
    const qn = Math.sqrt(qs);
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < d; p++) s += q[i * d + p]! * c[j * d + p]!;
      const den = qn * cn[j]!;
      o[i * n + j] = den === 0 ? 0 : s / den;
    }
  }
  return o;
}
