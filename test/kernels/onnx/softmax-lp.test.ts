/** Softmax (opset 13, one axis) and LpNormalization (p = 2) against onnxruntime, every axis. */

import { describe, it } from "vitest";
import { expectTensorClose } from "../../helpers/assert-close.js";
import { runOnnxOp } from "../../helpers/onnx-model.js";
import { randomTensor, rng } from "../../helpers/random-tensors.js";
import { js, smallShape } from "./conformance.js";

const CASES = 24;

/** An axis of `rank`, negative half the time, as both ONNX and sluice accept. */
function randomAxis(rank: number, rand: () => number): number {
  const a = Math.floor(rand() * rank);
  return rand() < 0.5 ? a - rank : a;
}

describe("softmax vs onnxruntime Softmax-13", () => {
  it("every axis, wide value ranges", async () => {
    const rand = rng(10000);
    for (let n = 0; n < CASES; n++) {
      const shape = smallShape(rand);
      const axis = randomAxis(shape.length, rand);
      // Wide ranges make the max subtraction matter (exp(80) overflows f32).
      const x = randomTensor("f32", shape, rand, { range: n % 2 ? [-100, 100] : [-5, 5] });
      const [want] = await runOnnxOp("Softmax", [x], { axis });
      expectTensorClose(js("softmax", [x], { axis })[0]!, want!, {}, `case ${n} [${shape}] axis ${axis}`);
    }
  });

  it("default axis is -1", async () => {
    const rand = rng(10001);
    for (let n = 0; n < 4; n++) {
      const x = randomTensor("f32", smallShape(rand), rand);
      const [want] = await runOnnxOp("Softmax", [x]);
      expectTensorClose(js("softmax", [x], {})[0]!, want!, {}, `case ${n}`);
    }
  });
});

describe("lpNormalize vs onnxruntime LpNormalization p=2", () => {
  it("every axis, with all-zero lanes", async () => {
    const rand = rng(11000);
    for (let n = 0; n < CASES; n++) {
      const shape = smallShape(rand);
      const axis = randomAxis(shape.length, rand);
      const x = randomTensor("f32", shape, rand);
      // Zero a stretch of elements so some lanes are all zero (the result must stay zero).
      if (n % 3 === 0) x.data.fill(0, 0, Math.ceil(x.data.length / 2));
      const [want] = await runOnnxOp("LpNormalization", [x], { axis, p: 2 });
      expectTensorClose(js("lpNormalize", [x], { axis })[0]!, want!, {}, `case ${n} [${shape}] axis ${axis}`);
    }
  });
});
