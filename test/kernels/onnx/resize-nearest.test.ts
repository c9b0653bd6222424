/** Resize, mode nearest: the JS reference against onnxruntime, exact for f32 and u8. */

import { describe, it } from "vitest";
import { expectTensorClose } from "../../helpers/assert-close.js";
import { randomTensor, rng } from "../../helpers/random-tensors.js";
import type { ImageLayout, ResizeAttrs } from "../../../kernels/op-attrs.js";
import { CTMS, NEAREST_MODES, jsResize, ortResize, randomCase, type Scaling } from "./resize-cases.js";

const SCALINGS: readonly Scaling[] = ["up", "down", "mixed"];
const LAYOUTS: readonly [ImageLayout, 3 | 4][] = [["hwc", 4], ["chw", 4], ["hwc", 3], ["chw", 3]];

describe("resize nearest vs onnxruntime", () => {
  for (const ctm of CTMS) {
    for (const nearestMode of NEAREST_MODES) {
      it(`${ctm} / ${nearestMode}`, async () => {
        const rand = rng(1000 + CTMS.indexOf(ctm) * 10 + NEAREST_MODES.indexOf(nearestMode));
        let n = 0;
        for (const scaling of SCALINGS) {
          for (const [layout, rank] of LAYOUTS) {
            const dtype = n % 2 === 0 ? "f32" : "u8";
            const { x, size } = randomCase(scaling, layout, rank, (s) => randomTensor(dtype, s, rand), rand);
            const attrs: ResizeAttrs = { size, mode: "nearest", coordinateTransformationMode: ctm, nearestMode, layout };
            const want = await ortResize(x, attrs, layout, n % 3 === 0);
            expectTensorClose(jsResize(x, attrs), want, { atol: 0, rtol: 0 }, `case ${n} ${scaling} ${layout}${rank} [${x.shape}]→${size}`);
            n++;
          }
        }
      });
    }
  }
});
