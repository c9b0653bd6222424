/**
 * Resize, mode linear without antialias: the JS reference against onnxruntime.
 *
 * f32 matches to 1e-5. u8 follows ORT's NHWC integer bilinear (Q10 coefficients, truncating
 * division), so it is compared exactly with ORT on NHWC data; ORT's NCHW u8 path instead truncates
 * a float sum and can differ by one, so that comparison allows 1.
 */

import { describe, expect, it } from "vitest";
import { expectTensorClose } from "../../helpers/assert-close.js";
import { randomTensor, rng } from "../../helpers/random-tensors.js";
import type { ImageLayout, ResizeAttrs } from "../../../kernels/op-attrs.js";
import type { Tensor } from "../../../kernels/tensor.js";
import { CTMS, jsResize, ortResize, randomCase, squeeze0, transposeImage, unsqueeze0, type Scaling } from "./resize-cases.js";

const SCALINGS: readonly Scaling[] = ["up", "down", "mixed"];
const LAYOUTS: readonly [ImageLayout, 3 | 4][] = [["hwc", 4], ["chw", 4], ["hwc", 3], ["chw", 3]];

describe("resize linear f32 vs onnxruntime", () => {
  for (const ctm of CTMS) {
    it(ctm, async () => {
      const rand = rng(2000 + CTMS.indexOf(ctm));
      let n = 0;
      for (const scaling of SCALINGS) {
        for (const [layout, rank] of LAYOUTS) {
          for (let rep = 0; rep < 2; rep++, n++) {
            const { x, size } = randomCase(scaling, layout, rank, (s) => randomTensor("f32", s, rand), rand);
            const attrs: ResizeAttrs = { size, mode: "linear", coordinateTransformationMode: ctm, layout };
            const want = await ortResize(x, attrs, layout, n % 3 === 0);
            expectTensorClose(jsResize(x, attrs), want, {}, `case ${n} ${scaling} ${layout}${rank} [${x.shape}]→${size}`);
          }
        }
      }
    });
  }
});

/** ORT's u8 result on NHWC data (its integer path), in `layout` and at the rank of `x`. */
async function ortU8Nhwc(x: Tensor, attrs: ResizeAttrs, layout: ImageLayout): Promise<Tensor> {
  const x4 = x.shape.length === 3 ? unsqueeze0(x) : x;
  const nhwc = layout === "hwc" ? x4 : transposeImage(x4, "chw");
  const y = await ortResize(nhwc, { ...attrs, layout: "hwc" }, "hwc", false);
  const back = layout === "hwc" ? y : transposeImage(y, "hwc");
  return x.shape.length === 3 ? squeeze0(back) : back;
}

describe("resize linear u8 vs onnxruntime", () => {
  for (const ctm of CTMS) {
    it(`${ctm}: exact against ORT's NHWC integer path`, async () => {
      const rand = rng(3000 + CTMS.indexOf(ctm));
      let n = 0;
      for (const scaling of SCALINGS) {
        for (const [layout, rank] of LAYOUTS) {
          for (let rep = 0; rep < 2; rep++, n++) {
            const { x, size } = randomCase(scaling, layout, rank, (s) => randomTensor("u8", s, rand), rand);
            const attrs: ResizeAttrs = { size, mode: "linear", coordinateTransformationMode: ctm, layout };
            const want = await ortU8Nhwc(x, attrs, layout);
            expectTensorClose(jsResize(x, attrs), want, {}, `case ${n} ${scaling} ${layout}${rank} [${x.shape}]→${size}`);
          }
        }
      }
    });

    it(`${ctm}: within 1 of ORT's NCHW float path, and exact on most elements`, async () => {
      const rand = rng(3100 + CTMS.indexOf(ctm));
      let same = 0, total = 0;
      for (let n = 0; n < 8; n++) {
        const { x, size } = randomCase(SCALINGS[n % 3]!, "chw", 4, (s) => randomTensor("u8", s, rand), rand);
        const attrs: ResizeAttrs = { size, mode: "linear", coordinateTransformationMode: ctm, layout: "chw" };
        const want = await ortResize(x, attrs, "chw", false);
        const got = jsResize(x, attrs);
        expectTensorClose(got, want, { atol: 1 }, `case ${n} [${x.shape}]→${size}`);
        for (let i = 0; i < got.data.length; i++) same += got.data[i] === want.data[i] ? 1 : 0;
        total += got.data.length;
      }
      expect(same / total).toBeGreaterThan(0.9);
    });
  }
});
