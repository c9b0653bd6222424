/**
 * ArgMax and TopK against onnxruntime. ORT returns int64 indices; they are compared by value
 * with our i32. Data is drawn from few distinct values so ties are common.
 *
 * TopK inputs hold no NaN: sluice ranks NaN above +Inf, while onnxruntime's comparison sort leaves
 * NaN wherever it happens to land (e.g. [NaN, 1, 5, 2], k = 3 gives [5, 1, NaN]).
 */

import { describe, it } from "vitest";
import { expectTensorClose } from "../../helpers/assert-close.js";
import { int64, runOnnxOp } from "../../helpers/onnx-model.js";
import { randomTensor, rng } from "../../helpers/random-tensors.js";
import type { Tensor } from "../../../kernels/tensor.js";
import { js, smallShape } from "./conformance.js";

const CASES = 24;

/** f32 or i32 data with many repeated values (ties), in [-range, range]. */
function tiedData(dtype: "f32" | "i32", shape: number[], rand: () => number, range: number, special = 0): Tensor {
  const t = randomTensor(dtype, shape, rand, { range: [-range, range], special });
  if (dtype === "f32") for (let i = 0; i < t.data.length; i++) t.data[i] = Math.round(t.data[i]!) / 2;
  return t;
}

describe("argmax vs onnxruntime ArgMax", () => {
  for (const dtype of ["f32", "i32"] as const) {
    it(`${dtype}: every axis, keepdims, select_last_index`, async () => {
      const rand = rng(dtype === "f32" ? 12000 : 12001);
      for (let n = 0; n < CASES * 2; n++) {
        const shape = smallShape(rand);
        const axis = Math.floor(rand() * shape.length) - (rand() < 0.5 ? shape.length : 0);
        const keepdims = n % 2 === 0, selectLastIndex = n % 4 >= 2;
        // Some f32 cases carry NaN / ±Inf: a NaN never becomes the maximum unless it comes first.
        const x = tiedData(dtype, shape, rand, n % 3 === 0 ? 2 : 50, n % 5 === 0 ? 0.05 : 0);
        const [want] = await runOnnxOp("ArgMax", [x], { axis, keepdims: keepdims ? 1 : 0, select_last_index: selectLastIndex ? 1 : 0 });
        const got = js("argmax", [x], { axis, keepdims, selectLastIndex })[0]!;
        expectTensorClose(got, want!, {}, `case ${n} [${shape}] axis ${axis} keepdims ${keepdims} last ${selectLastIndex}`);
      }
    });
  }
});

describe("topk vs onnxruntime TopK (K as an int64 input)", () => {
  for (const largest of [true, false]) {
    it(largest ? "largest" : "smallest", async () => {
      const rand = rng(largest ? 13000 : 13001);
      for (let n = 0; n < CASES; n++) {
        const shape = smallShape(rand);
        const a = Math.floor(rand() * shape.length);
        const axis = rand() < 0.5 ? a - shape.length : a;
        const k = Math.floor(rand() * (shape[a]! + 1));
        const x = n % 2 === 0 ? tiedData("f32", shape, rand, 3) : randomTensor("f32", shape, rand);
        const want = await runOnnxOp("TopK", [x, { constant: int64([k]) }], { axis, largest: largest ? 1 : 0, sorted: 1 }, { outputs: 2 });
        const got = js("topk", [x], { k, axis, largest });
        const label = `case ${n} [${shape}] axis ${axis} k ${k}`;
        expectTensorClose(got[0]!, want[0]!, {}, `${label} values`);
        expectTensorClose(got[1]!, want[1]!, {}, `${label} indices`);
      }
    });
  }
});
