/**
 * Resize, mode linear with antialias (ORT's Pillow-style triangle filter, exclude_outside = 0):
 * the JS reference against onnxruntime. u8 is exact (Q22 coefficients, rounding per pass).
 */

import { describe, it } from "vitest";
import { expectTensorClose } from "../../helpers/assert-close.js";
import { randomTensor, rng } from "../../helpers/random-tensors.js";
import type { ImageLayout, ResizeAttrs } from "../../../kernels/op-attrs.js";
import type { DType } from "../../../kernels/tensor.js";
import { CTMS, jsResize, ortResize, randomCase, type Scaling } from "./resize-cases.js";

const LAYOUTS: readonly [ImageLayout, 3 | 4][] = [["hwc", 4], ["chw", 4], ["hwc", 3], ["chw", 3]];

describe("resize linear antialias vs onnxruntime", () => {
  for (const dtype of ["f32", "u8"] as const satisfies readonly DType[]) {
    for (const ctm of CTMS) {
      it(`${dtype} ${ctm}`, async () => {
        const rand = rng(4000 + CTMS.indexOf(ctm) + (dtype === "u8" ? 100 : 0));
        let n = 0;
        // Mostly downscaling, where the filter widens; up and mixed cover the 1-pixel support.
        for (const scaling of ["down", "down", "mixed", "up"] as const satisfies readonly Scaling[]) {
          for (const [layout, rank] of LAYOUTS) {
            const { x, size } = randomCase(scaling, layout, rank, (s) => randomTensor(dtype, s, rand), rand);
            const attrs: ResizeAttrs = { size, mode: "linear", antialias: true, coordinateTransformationMode: ctm, layout };
            const want = await ortResize(x, attrs, layout, n % 3 === 0);
            expectTensorClose(jsResize(x, attrs), want, {}, `case ${n} ${scaling} ${layout}${rank} [${x.shape}]→${size}`);
            n++;
          }
        }
      });
    }
  }
});
