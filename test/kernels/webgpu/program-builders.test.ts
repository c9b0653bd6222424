/**
 * Program descriptions without a device: dispatch splitting, uniform layout, cache keys. These
 * run everywhere, GPU or not.
 */

import { describe, expect, it } from "vitest";
import { OP_NAMES, type OpAttrs, type OpName } from "../../../kernels/op-attrs.js";
import { checkOp } from "../../../kernels/op-specs.js";
import type { GpuKernel } from "../../../kernels/registry.js";
import type { TensorInfo } from "../../../kernels/tensor.js";
import { MAX_WORKGROUPS_PER_DIM, splitDispatch } from "../../../kernels/webgpu/dispatch.js";
import { webgpuKernels } from "../../../kernels/webgpu/index.js";
import { programKey, type ProgramInfo } from "../../../kernels/webgpu/program-info.js";
import { packUniforms, uniformByteSize, uniformsWgsl } from "../../../kernels/webgpu/uniforms.js";
import { f32Literal } from "../../../kernels/webgpu/wgsl.js";

function build<K extends OpName>(op: K, inputs: TensorInfo[], attrs: OpAttrs[K]): ProgramInfo {
  const kernel = webgpuKernels.find((k) => k.op === op) as GpuKernel<K> | undefined;
  if (!kernel) throw new Error(`no webgpu kernel for ${op}`);
  const checked = checkOp(op, inputs, attrs);
  return kernel.program(inputs, checked.attrs, checked.outputs);
}

const f32 = (...shape: number[]): TensorInfo => ({ dtype: "f32", shape });
const u8 = (...shape: number[]): TensorInfo => ({ dtype: "u8", shape });

/** For every op: two calls of the same ranks and dtypes but different shapes. */
const SAME_KEY_CASES: { [K in OpName]?: [TensorInfo[], TensorInfo[], OpAttrs[K]] } = {
  add: [[f32(2, 3), f32(3)], [f32(5, 7), f32(1)], {}],
  sub: [[f32(4), f32(4)], [f32(9), f32(9)], {}],
  exp: [[f32(3, 3)], [f32(100)], {}],
  clamp: [[f32(3)], [f32(8, 2)], { min: 0, max: 1 }],
  cast: [[u8(7)], [u8(2, 2)], { to: "f32" }],
  normalize: [[u8(4, 5, 1)], [u8(2, 9, 7, 1)], { mean: [0.5], std: [0.25] }],
  resize: [[u8(4, 5, 3)], [u8(9, 7, 3)], { size: [3, 8] }],
  centerCrop: [[f32(4, 5, 3)], [f32(9, 7, 2)], { size: [2, 2] }],
  softmax: [[f32(3, 4)], [f32(8, 2)], { axis: 0 }],
  lpNormalize: [[f32(3, 4)], [f32(8, 2)], {}],
  argmax: [[f32(3, 4)], [f32(8, 2)], { axis: 1 }],
  topk: [[f32(3, 4)], [f32(8, 6)], { k: 2 }],
  matmul: [[f32(3, 4), f32(4, 5)], [f32(17, 2), f32(2, 33)], {}],
  cosineSimilarity: [[f32(3, 4), f32(5, 4)], [f32(1, 9), f32(2, 9)], {}],
  elementwiseChain: [[f32(3, 4), f32(3, 4)], [f32(100), f32(100)], { steps: [{ op: "mul", input: 1 }, { op: "add", scalar: 1 }, { op: "cast", to: "u8" }] }],
};

describe("webgpu program builders", () => {
  it("have a builder for every op in the catalog, each once", () => {
    const ops = webgpuKernels.map((k) => k.op);
    expect([...ops].sort()).toEqual([...OP_NAMES].sort());
    expect(webgpuKernels.every((k) => k.backend === "webgpu")).toBe(true);
  });

  for (const [op, [a, b, attrs]] of Object.entries(SAME_KEY_CASES) as [OpName, [TensorInfo[], TensorInfo[], never]][]) {
    it(`${op}: shapes travel in uniforms, so two shapes share one key and one shader`, () => {
      const pa = build(op, a, attrs), pb = build(op, b, attrs);
      expect(programKey(pb, b)).toBe(programKey(pa, a));
      expect(pb.shaderSource).toBe(pa.shaderSource);
      expect(pb.uniforms).not.toEqual(pa.uniforms);
    });
  }

  it("keys name the op, hint, dtypes and ranks", () => {
    const p = build("cast", [u8(7)], { to: "f32" });
    expect(programKey(p, [u8(7)])).toBe("cast||u8>f32|*");
    const c = build("centerCrop", [f32(4, 5, 3)], { size: [2, 2] });
    expect(programKey(c, [f32(4, 5, 3)])).toBe("centerCrop||f32>f32|3>3");
    expect(build("resize", [u8(4, 5, 3)], { size: [2, 2], mode: "nearest" }).cacheHint).toBe("nearest");
  });

  it("u8 outputs dispatch one invocation per 4-element word", () => {
    const p = build("cast", [f32(1000)], { to: "u8" });
    expect(p.dispatch).toEqual([Math.ceil(250 / 64), 1, 1]);
    expect(build("cast", [u8(1000)], { to: "f32" }).dispatch).toEqual([Math.ceil(1000 / 64), 1, 1]);
  });

  it("splitDispatch folds large grids into x·y within the per-dimension limit", () => {
    expect(splitDispatch(0)).toEqual([0, 1, 1]);
    expect(splitDispatch(MAX_WORKGROUPS_PER_DIM)).toEqual([MAX_WORKGROUPS_PER_DIM, 1, 1]);
    for (const n of [65536, 100_000, 65535 * 3 + 1, 4_000_000_000]) {
      const [x, y] = splitDispatch(n);
      expect(x).toBeLessThanOrEqual(MAX_WORKGROUPS_PER_DIM);
      expect(y).toBeLessThanOrEqual(MAX_WORKGROUPS_PER_DIM);
      expect(x * y).toBeGreaterThanOrEqual(n);
      expect(x * (y - 1)).toBeLessThan(n);
    }
    expect(() => splitDispatch(65536 * 65536)).toThrow(RangeError);
  });

  it("packs uniforms with WGSL alignment: scalars 4 bytes, arrays as 16-byte vec4 rows", () => {
    const uniforms = [
      { name: "n", type: "u32" as const, data: 7 },
      { name: "shape", type: "u32" as const, data: [2, 3, 4, 5, 6] },
      { name: "s", type: "f32" as const, data: -Infinity },
      { name: "t", type: "i32" as const, data: -3 },
    ];
    expect(uniformByteSize(uniforms)).toBe(64);
    const v = new DataView(packUniforms(uniforms));
    expect(v.getUint32(0, true)).toBe(7);
    expect([16, 20, 24, 28, 32].map((o) => v.getUint32(o, true))).toEqual([2, 3, 4, 5, 6]);
    expect(v.getFloat32(48, true)).toBe(-Infinity);
    expect(v.getInt32(52, true)).toBe(-3);
    expect(uniformsWgsl(uniforms, 3)).toContain("shape: array<vec4<u32>, 2>,");
    expect(uniformByteSize([])).toBe(16);
  });

  it("writes exact f32 literals, and non-finite ones through runtime helpers", () => {
    expect(f32Literal(3)).toBe("3.0f");
    expect(f32Literal(0.1)).toBe("bitcast<f32>(0x3dcccccdu)");
    expect(f32Literal(-0)).toBe("bitcast<f32>(0x80000000u)");
    expect(f32Literal(Infinity)).toBe("sl_inf()");
    expect(f32Literal(1e39)).toBe("sl_inf()");
  });
});
