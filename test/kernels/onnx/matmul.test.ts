/**
 * MatMul against onnxruntime. onnxruntime's MLAS sgemm sums in blocked order (with FMA where the
 * CPU has it, and a blocking that depends on the CPU), so results differ from a sequential sum by
 * rounding that grows with K: relative 1e-5 plus absolute 1e-6·K for K terms in [-1, 1], where
 * cancellation leaves small results with a large relative error.
 */

import { describe, it } from "vitest";
import { expectTensorClose } from "../../helpers/assert-close.js";
import { runOnnxOp } from "../../helpers/onnx-model.js";
import { randomTensor, rng } from "../../helpers/random-tensors.js";
import { js } from "./conformance.js";

describe("matmul vs onnxruntime MatMul", () => {
  it("random shapes, including 1-wide and tall-skinny", async () => {
    const rand = rng(16000);
    const dim = (max: number): number => 1 + Math.floor(rand() * max);
    for (let n = 0; n < 24; n++) {
      const m = n % 6 === 0 ? 1 : dim(40), k = n % 7 === 0 ? 1 : dim(130), cols = n % 5 === 0 ? 1 : dim(40);
      const a = randomTensor("f32", [m, k], rand, { range: [-1, 1] });
      const b = randomTensor("f32", [k, cols], rand, { range: [-1, 1] });
      const [want] = await runOnnxOp("MatMul", [a, b]);
      expectTensorClose(js("matmul", [a, b], {})[0]!, want!, { rtol: 1e-5, atol: 1e-6 * k }, `case ${n} [${m},${k}]×[${k},${cols}]`);
    }
  });
});
