import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tensor } from "../../../kernels/tensor.js";
import { loadModel } from "../../../scheduler/models/load-model.js";
import { ModelRunError } from "../../../scheduler/models/model-errors.js";
import type { ModelRuntime } from "../../../scheduler/models/model-runtime.js";
import { fromRawOutput, toRawFeed } from "../../../scheduler/models/onnx-dtypes.js";
import { elemTypeCode, encodeModel } from "../../../scheduler/models/onnx-graph.js";

/**
 * One model with the types sluice converts: int64 and float64 inputs; int64 (ArgMax, Cast),
 * float64 and bool outputs.
 */
function conversionModel(): Uint8Array {
  return encodeModel({
    name: "dtypes",
    inputs: [
      { name: "x", type: "float32", shape: ["N", 4] },
      { name: "k", type: "int64", shape: ["N"] },
      { name: "d", type: "float64", shape: ["N"] },
    ],
    outputs: [
      { name: "argmax", type: "int64", shape: ["N"] },
      { name: "as_int64", type: "int64", shape: ["N", 4] },
      { name: "k_plus", type: "int64", shape: ["N"] },
      { name: "as_double", type: "float64", shape: ["N", 4] },
      { name: "d_out", type: "float64", shape: ["N"] },
      { name: "positive", type: "bool", shape: ["N", 4] },
    ],
    initializers: { zero: { type: "float32", dims: [], data: Float32Array.of(0) }, one: { type: "int64", dims: [], data: BigInt64Array.of(1n) } },
    nodes: [
      { op: "ArgMax", inputs: ["x"], outputs: ["argmax"], attrs: { axis: 1, keepdims: 0 } },
      { op: "Cast", inputs: ["x"], outputs: ["as_int64"], attrs: { to: elemTypeCode("int64") } },
      { op: "Add", inputs: ["k", "one"], outputs: ["k_plus"] },
      { op: "Cast", inputs: ["x"], outputs: ["as_double"], attrs: { to: elemTypeCode("float64") } },
      { op: "Identity", inputs: ["d"], outputs: ["d_out"] },
      { op: "Greater", inputs: ["x", "zero"], outputs: ["positive"] },
    ],
  });
}

describe.each(["node", "web"] as const)("dtype conversion on onnxruntime-%s", (runtime) => {
  let model: ModelRuntime;
  beforeAll(async () => {
    model = await loadModel(conversionModel(), { runtime, threads: runtime === "node" ? 1 : undefined, name: "dtypes.onnx" });
  });
  afterAll(() => model.close());

  it("maps model types to sluice dtypes in the metadata", () => {
    expect(model.inputs.map((i) => `${i.name}:${i.onnxType}→${i.dtype}`)).toEqual(["x:float32→f32", "k:int64→i32", "d:float64→f32"]);
    expect(model.outputs.map((o) => `${o.name}:${o.dtype}`)).toEqual(["argmax:i32", "as_int64:i32", "k_plus:i32", "as_double:f32", "d_out:f32", "positive:u8"]);
  });

  it("feeds i32 to int64 and f32 to float64 inputs, and converts every output", async () => {
    const out = await model.run({
      x: tensor("f32", [2, 4], [1, 7, -3, 2, -5.5, -1, -2, -9]),
      k: tensor("i32", [2], [-2147483648, 41]),
      d: tensor("f32", [2], [0.1, -3e38]),
    });
    expect(out.argmax).toEqual({ dtype: "i32", shape: [2], data: Int32Array.of(1, 1) });
    expect(out.as_int64).toEqual({ dtype: "i32", shape: [2, 4], data: Int32Array.of(1, 7, -3, 2, -5, -1, -2, -9) });
    expect([...out.k_plus!.data]).toEqual([-2147483647, 42]);
    expect(out.as_double!.data).toEqual(Float32Array.of(1, 7, -3, 2, -5.5, -1, -2, -9));
    expect(out.d_out!.data).toEqual(Float32Array.of(0.1, -3e38));
    expect(out.positive).toEqual({ dtype: "u8", shape: [2, 4], data: Uint8Array.of(1, 1, 0, 1, 0, 0, 0, 0) });
  });

  it("fails, naming the output, when an int64 result does not fit in i32", async () => {
    const err = await model
      .run({ x: tensor("f32", [1, 4], [3e9, 0, 0, 0]), k: tensor("i32", [1], [0]), d: tensor("f32", [1], [0]) })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelRunError);
    expect((err as Error).message).toMatch(/dtypes\.onnx.*output 'as_int64'.*3000000000.*int32 range/);
    // int64 + 1 overflowing i32 is caught the same way.
    await expect(model.run({ x: tensor("f32", [1, 4]), k: tensor("i32", [1], [2147483647]), d: tensor("f32", [1], [0]) })).rejects.toThrow(/output 'k_plus'/);
  });
});

describe("raw conversions", () => {
  it("decode float16 exactly and narrow unsigned types with a range check", () => {
    // 0x3c00 = 1, 0xc000 = -2, 0x0001 = 2^-24, 0x7c00 = +Inf, 0x7e00 = NaN
    const half = fromRawOutput({ type: "float16", dims: [5], data: Uint16Array.of(0x3c00, 0xc000, 0x0001, 0x7c00, 0x7e00) });
    expect([...half.data]).toEqual([1, -2, 2 ** -24, Infinity, NaN]);
    expect([...fromRawOutput({ type: "uint32", dims: [1], data: Uint32Array.of(7) }).data]).toEqual([7]);
    expect(() => fromRawOutput({ type: "uint32", dims: [1], data: Uint32Array.of(2 ** 31) })).toThrow(/outside the int32 range/);
    expect(fromRawOutput({ type: "int16", dims: [2], data: Int16Array.of(-3, 300) })).toEqual({ dtype: "i32", shape: [2], data: Int32Array.of(-3, 300) });
  });

  it("shares same-width data and widens the rest", () => {
    const f = tensor("f32", [2], [1, 2]);
    expect(toRawFeed(f, "float32").data).toBe(f.data);
    expect(toRawFeed(tensor("i32", [2], [-1, 5]), "int64").data).toEqual(BigInt64Array.of(-1n, 5n));
    expect(toRawFeed(tensor("u8", [3], [0, 2, 255]), "bool").data).toEqual(Uint8Array.of(0, 1, 1));
  });
});
