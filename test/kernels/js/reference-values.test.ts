import { beforeAll, describe, expect, it } from "vitest";
import { registerAllKernels } from "../../../kernels/register-all-kernels.js";
import { runCpu } from "../../../kernels/registry.js";
import { tensor } from "../../../kernels/tensor.js";

beforeAll(() => registerAllKernels());

const f32 = (shape: number[], v: number[]) => tensor("f32", shape, v);
const i32 = (shape: number[], v: number[]) => tensor("i32", shape, v);

describe("js reference: hand-checked values", () => {
  it("broadcasts binary ops over numpy rules", () => {
    const [y] = runCpu("sub", "js", [f32([2, 3], [1, 2, 3, 4, 5, 6]), f32([3], [1, 1, 2])], {});
    expect([...y!.shape]).toEqual([2, 3]);
    expect([...y!.data]).toEqual([0, 1, 1, 3, 4, 4]);
    const [z] = runCpu("mul", "js", [f32([2, 1], [2, 3]), f32([1, 3], [1, 10, 100])], {});
    expect([...z!.data]).toEqual([2, 20, 200, 3, 30, 300]);
  });

  it("defines i32 division by zero and overflow", () => {
    const [y] = runCpu("div", "js", [i32([4], [7, -7, 5, -2147483648]), i32([4], [2, 2, 0, -1])], {});
    expect([...y!.data]).toEqual([3, -3, 0, -2147483648]);
  });

  it("propagates NaN through min, max, relu and clamp", () => {
    const [mn] = runCpu("min", "js", [f32([2], [NaN, 1]), f32([2], [0, NaN])], {});
    expect([...mn!.data].every(Number.isNaN)).toBe(true);
    const [r] = runCpu("relu", "js", [f32([3], [NaN, -1, 2])], {});
    expect(Number.isNaN(r!.data[0]!)).toBe(true);
    expect([...r!.data].slice(1)).toEqual([0, 2]);
    const [c] = runCpu("clamp", "js", [f32([3], [NaN, -5, 5])], { min: -1, max: 1 });
    expect(Number.isNaN(c!.data[0]!)).toBe(true);
    expect([...c!.data].slice(1)).toEqual([-1, 1]);
  });

  it("casts with truncation and saturation, NaN to 0", () => {
    const [u] = runCpu("cast", "js", [f32([6], [-3.7, 3.7, 300, NaN, Infinity, 255.9])], { to: "u8" });
    expect([...u!.data]).toEqual([0, 3, 255, 0, 255, 255]);
    const [i] = runCpu("cast", "js", [f32([4], [-3.7, 3e10, -3e10, NaN])], { to: "i32" });
    expect([...i!.data]).toEqual([-3, 2147483647, -2147483648, 0]);
  });

  it("normalizes u8 HWC into f32 CHW", () => {
    const x = tensor("u8", [1, 2, 3], [0, 255, 51, 255, 0, 102]);
    const [y] = runCpu("normalize", "js", [x], { mean: [0, 0.5, 0], std: [1, 0.5, 0.2] });
    expect([...y!.shape]).toEqual([3, 1, 2]);
    const got = [...y!.data];
    const want = [0, 1, 1, -1, 1, 2];
    got.forEach((v, k) => expect(v).toBeCloseTo(want[k]!, 5));
  });

  it("center-crops around floor((in-out)/2)", () => {
    const x = tensor("u8", [4, 5, 1], Array.from({ length: 20 }, (_, k) => k));
    const [y] = runCpu("centerCrop", "js", [x], { size: [2, 2] });
    expect([...y!.data]).toEqual([6, 7, 11, 12]);
  });

  it("softmax rows sum to one; argmax and topk pick the right indices", () => {
    const x = f32([2, 3], [1, 2, 3, 3, 3, 1]);
    const [s] = runCpu("softmax", "js", [x], {});
    expect(s!.data[0]! + s!.data[1]! + s!.data[2]!).toBeCloseTo(1, 6);
    const [a] = runCpu("argmax", "js", [x], {});
    expect([...a!.shape]).toEqual([2, 1]);
    expect([...a!.data]).toEqual([2, 0]);
    const [al] = runCpu("argmax", "js", [x], { selectLastIndex: true, keepdims: false });
    expect([...al!.shape]).toEqual([2]);
    expect([...al!.data]).toEqual([2, 1]);
    const [v, i] = runCpu("topk", "js", [f32([5], [1, NaN, 5, 5, -Infinity])], { k: 3 });
    expect(Number.isNaN(v!.data[0]!)).toBe(true);
    expect([...i!.data]).toEqual([1, 2, 3]);
    const [, si] = runCpu("topk", "js", [f32([5], [1, NaN, 5, 5, -Infinity])], { k: 2, largest: false });
    expect([...si!.data]).toEqual([4, 0]);
  });

  it("l2-normalizes, keeping zero vectors at zero; cosine of a zero row is 0", () => {
    const [y] = runCpu("lpNormalize", "js", [f32([2, 2], [3, 4, 0, 0])], {});
    expect([...y!.data]).toEqual([0.6000000238418579, 0.800000011920929, 0, 0]);
    const [c] = runCpu("cosineSimilarity", "js", [f32([2, 2], [1, 0, 0, 0]), f32([2, 2], [2, 0, 0, 3])], {});
    expect([...c!.data]).toEqual([1, 0, 0, 0]);
    const [m] = runCpu("matmul", "js", [f32([1, 2], [1, 2]), f32([2, 2], [3, 4, 5, 6])], {});
    expect([...m!.data]).toEqual([13, 16]);
  });

  it("runs an elementwise chain step by step, dtypes flowing through casts", () => {
    const x = tensor("u8", [4], [0, 100, 200, 255]);
    const [y] = runCpu("elementwiseChain", "js", [x], {
      steps: [{ op: "cast", to: "f32" }, { op: "sub", scalar: 100 }, { op: "div", scalar: 50 }, { op: "clamp", min: -1, max: 2 }, { op: "abs" }],
    });
    expect(y!.dtype).toBe("f32");
    expect([...y!.data]).toEqual([1, 0, 2, 2]);
    const [r] = runCpu("elementwiseChain", "js", [f32([2], [1, 4])], { steps: [{ op: "sub", scalar: 10, reversed: true }] });
    expect([...r!.data]).toEqual([9, 6]);
  });
});

describe("bad calls fail with a KernelError naming the op", () => {
  it("rejects mismatched shapes, dtypes and attributes", () => {
    expect(() => runCpu("add", "js", [f32([2, 3], [1, 2, 3, 4, 5, 6]), f32([2], [1, 2])], {})).toThrow(/add: shapes \[2,3\] and \[2\] do not broadcast/);
    expect(() => runCpu("add", "js", [f32([1], [1]), i32([1], [1])], {})).toThrow(/add: input dtypes: expected equal, got f32 and i32/);
    expect(() => runCpu("sqrt", "js", [i32([1], [1])], {})).toThrow(/sqrt: input 0 dtype: expected f32, got i32/);
    expect(() => runCpu("normalize", "js", [tensor("u8", [2, 2, 3])], { mean: [0, 0], std: [1, 1, 1] })).toThrow(/normalize: attribute mean: expected 3 finite numbers/);
    expect(() => runCpu("centerCrop", "js", [tensor("u8", [2, 2, 3])], { size: [3, 3] })).toThrow(/centerCrop: crop size/);
    expect(() => runCpu("topk", "js", [f32([3], [1, 2, 3])], { k: 4 })).toThrow(/topk: attribute k: expected an integer in \[0, 3\], got 4/);
    expect(() => runCpu("matmul", "js", [f32([2, 3], [1, 2, 3, 4, 5, 6]), f32([2, 3], [1, 2, 3, 4, 5, 6])], {})).toThrow(/matmul: inner dimensions/);
    expect(() => runCpu("softmax", "js", [f32([2], [1, 2])], { axis: 3 })).toThrow(/softmax: axis 3 is out of range for rank 1/);
    expect(() => runCpu("elementwiseChain", "js", [tensor("u8", [1])], { steps: [{ op: "exp" }] })).toThrow(/step 0 \(exp\) dtype: expected f32, got u8/);
  });
});
