/** Invariants of the shared Resize sampling tables that every backend consumes. */

import { describe, expect, it } from "vitest";
import { axisWeights, nearestIndex, originalCoordinate, resizeScale } from "../../../kernels/js/resize-weights.js";
import { resize } from "../../../kernels/js/resize.js";
import { KernelError } from "../../../kernels/errors.js";
import { CTMS, NEAREST_MODES } from "./resize-cases.js";

const LENGTHS: readonly [number, number][] = [[1, 1], [1, 7], [7, 1], [5, 5], [4, 9], [9, 4], [20, 6], [64, 3], [3, 64], [224, 97]];

describe("resize weights", () => {
  it("linear tables stay inside the axis and their weights sum to one", () => {
    for (const ctm of CTMS) {
      for (const antialias of [false, true]) {
        for (const [inLen, outLen] of LENGTHS) {
          const t = axisWeights(inLen, outLen, { coordinateTransformationMode: ctm, antialias });
          const label = `${ctm} aa=${antialias} ${inLen}→${outLen}`;
          expect(t.fixedBits, label).toBe(antialias ? 22 : 10);
          if (!antialias) expect(t.maxTaps, label).toBe(2);
          for (let i = 0; i < outLen; i++) {
            const n = t.count[i]!, s = t.start[i]!;
            expect(n, label).toBeGreaterThanOrEqual(1);
            expect(n, label).toBeLessThanOrEqual(t.maxTaps);
            expect(s, label).toBeGreaterThanOrEqual(0);
            expect(s + n, label).toBeLessThanOrEqual(inLen);
            let sum = 0, fixed = 0;
            for (let k = 0; k < t.maxTaps; k++) {
              const w = t.weights[i * t.maxTaps + k]!;
              if (k >= n) expect(w, label).toBe(0);
              expect(w, label).toBeGreaterThanOrEqual(0);
              sum += w;
              fixed += t.fixed[i * t.maxTaps + k]!;
            }
            expect(sum, label).toBeCloseTo(1, 5);
            // Q22 rounding may drift a few units per tap; Q10 bilinear sums exactly to 1024.
            if (antialias) expect(Math.abs(fixed - (1 << 22)), label).toBeLessThanOrEqual(n);
            else expect(fixed, label).toBe(1 << 10);
          }
        }
      }
    }
  });

  it("an unchanged axis is the identity in every mode", () => {
    for (const ctm of CTMS) {
      for (const nm of NEAREST_MODES) expect([...nearestIndex(6, 6, ctm, nm)]).toEqual([0, 1, 2, 3, 4, 5]);
      for (const antialias of [false, true]) {
        const t = axisWeights(6, 6, { coordinateTransformationMode: ctm, antialias });
        for (let i = 0; i < 6; i++) {
          expect(t.start[i]).toBe(i);
          expect(t.weights[i * t.maxTaps]).toBe(1);
        }
      }
    }
  });

  it("antialias widens the window by 1/scale when downscaling", () => {
    const t = axisWeights(64, 4, { coordinateTransformationMode: "half_pixel", antialias: true });
    expect(t.maxTaps).toBe(2 * 16 + 1);
    expect(t.count[1]).toBe(32); // an interior output averages 2·16 input pixels
  });

  it("coordinates follow ONNX's formulas", () => {
    expect(resizeScale(4, 8)).toBe(2);
    expect(originalCoordinate(3, 2, 4, 8, "half_pixel")).toBe(1.25);
    expect(originalCoordinate(3, 2, 4, 8, "asymmetric")).toBe(1.5);
    expect(originalCoordinate(3, 2, 4, 8, "align_corners")).toBeCloseTo(9 / 7, 6);
    expect(originalCoordinate(0, 0.25, 4, 1, "pytorch_half_pixel")).toBe(0);
    expect(originalCoordinate(0, 0.25, 4, 1, "half_pixel")).toBe(1.5);
  });

  it("nearest treats float32 near-halves as ties, like onnxruntime 1.30", () => {
    // (4 + 0.5) · 20/6 - 0.5 = 14.5 exactly, 14.499999 in float32.
    expect(nearestIndex(20, 6, "half_pixel", "round_prefer_ceil")[4]).toBe(15);
    expect(nearestIndex(20, 6, "half_pixel", "round_prefer_floor")[4]).toBe(14);
    expect([...nearestIndex(4, 8, "asymmetric", "floor")]).toEqual([0, 0, 1, 1, 2, 2, 3, 3]);
    expect([...nearestIndex(4, 8, "half_pixel", "ceil")]).toEqual([0, 1, 1, 2, 2, 3, 3, 3]);
  });
});

describe("resize()", () => {
  it("validates like every kernel call and keeps the dtype", () => {
    const x = { dtype: "u8" as const, shape: [2, 2, 1], data: Uint8Array.from([0, 100, 200, 255]) };
    const y = resize(x, { size: [1, 1], mode: "linear", antialias: true });
    expect(y.dtype).toBe("u8");
    expect([...y.shape]).toEqual([1, 1, 1]);
    expect(y.data[0]).toBe(139); // (0 + 100 + 200 + 255) / 4 = 138.75, rounded half up
    expect(() => resize(x, { size: [0, 1] })).toThrow(KernelError);
  });
});
