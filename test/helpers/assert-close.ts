/** Tensor comparison for conformance tests: NaN matches NaN, ±Inf must match exactly. */

import { expect } from "vitest";
import type { Tensor } from "../../kernels/tensor.js";

export interface Tolerance {
  /** Absolute tolerance. Default 1e-5 for f32, 0 for ints. */
  atol?: number;
  /** Relative tolerance. Default 1e-5 for f32, 0 for ints. */
  rtol?: number;
}

/** Index of the first element that differs beyond tolerance, or -1. */
export function firstMismatch(actual: ArrayLike<number>, expected: ArrayLike<number>, atol: number, rtol: number): number {
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!, e = expected[i]!;
    if (Number.isNaN(e) ? Number.isNaN(a) : a === e) continue;
    if (!Number.isFinite(e) || !Number.isFinite(a)) return i;
    if (Math.abs(a - e) > atol + rtol * Math.abs(e)) return i;
  }
  return -1;
}

/** Asserts same dtype, shape and values within tolerance; the message shows the first mismatch. */
export function expectTensorClose(actual: Tensor, expected: Tensor, tol: Tolerance = {}, label = ""): void {
  const pre = label ? `${label}: ` : "";
  expect(actual.dtype, `${pre}dtype`).toBe(expected.dtype);
  expect([...actual.shape], `${pre}shape`).toEqual([...expected.shape]);
  expect(actual.data.length, `${pre}length`).toBe(expected.data.length);
  const isFloat = expected.dtype === "f32";
  const atol = tol.atol ?? (isFloat ? 1e-5 : 0);
  const rtol = tol.rtol ?? (isFloat ? 1e-5 : 0);
  const i = firstMismatch(actual.data, expected.data, atol, rtol);
  if (i >= 0) {
    expect.fail(`${pre}element ${i} of ${expected.data.length} (shape [${expected.shape.join(",")}]): got ${actual.data[i]}, expected ${expected.data[i]} (atol ${atol}, rtol ${rtol})`);
  }
}
