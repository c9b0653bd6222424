/**
 * Programs for the single elementwise ops: unary, binary with numpy broadcasting, clamp, cast.
 * Broadcasting reads per-axis input strides (0 on broadcast axes) from uniforms, so one pipeline
 * per (op, dtype, rank) serves every shape; the index loop is unrolled for the rank.
 */

import { broadcastStrides } from "../js/elementwise.js";
import { BINARY_OPS, UNARY_OPS, type BinaryOp, type UnaryOp } from "../op-attrs.js";
import { gpuKernel, type Kernel } from "../registry.js";
import { sameShape, type TensorInfo } from "../tensor.js";
import { binaryExpr, castExpr, ELEMENTWISE_WGSL, i32ClampBounds, i32ClampExpr, unaryExpr } from "./elementwise-exprs.js";
import { perElementProgram } from "./per-element-program.js";
import type { ProgramInfo } from "./program-info.js";
import { uniformAt } from "./uniforms.js";
import { valueType } from "./wgsl.js";

export function unaryProgram(op: UnaryOp, x: TensorInfo, out: TensorInfo): ProgramInfo {
  return perElementProgram({
    name: op,
    cacheHint: "",
    inputs: [x],
    output: out,
    rankIndependent: true,
    functions: `${ELEMENTWISE_WGSL}
fn value(o: u32) -> ${valueType(out.dtype)} {
  let x = load_in0(o);
  return ${unaryExpr(op, x.dtype, "x")};
}`,
  });
}

/**
 * WGSL statements that turn flat output index `o` into offsets `i0, i1, …` of inputs whose
 * per-output-axis strides are the uniform arrays `strides0, strides1, …`.
 */
export function broadcastOffsetsWgsl(rank: number, inputs: number, shapeName = "shape"): string {
  const offs = Array.from({ length: inputs }, (_, k) => `  var i${k} = 0u;`).join("\n");
  let body = `  var rem = o;\n${offs}\n`;
  for (let d = rank - 1; d >= 0; d--) {
    const c = d === 0 ? "rem" : `rem % ${uniformAt(shapeName, d)}`;
    body += `  {\n    let c = ${c};\n`;
    if (d > 0) body += `    rem = rem / ${uniformAt(shapeName, d)};\n`;
    for (let k = 0; k < inputs; k++) body += `    i${k} = i${k} + c * ${uniformAt(`strides${k}`, d)};\n`;
    body += "  }\n";
  }
  return body;
}

export function binaryProgram(op: BinaryOp, a: TensorInfo, b: TensorInfo, out: TensorInfo): ProgramInfo {
  const same = sameShape(a.shape, out.shape) && sameShape(b.shape, out.shape);
  const rank = out.shape.length;
  const expr = binaryExpr(op, out.dtype, "load_in0(i0)", "load_in1(i1)");
  const offsets = same ? "  let i0 = o;\n  let i1 = o;\n" : broadcastOffsetsWgsl(rank, 2);
  return perElementProgram({
    name: op,
    // Same-shape operands skip the index arithmetic: a different shader, so part of the key.
    cacheHint: same ? "same" : "bcast",
    inputs: [a, b],
    output: out,
    rankIndependent: same,
    uniforms: same
      ? []
      : [
          { name: "shape", type: "u32", data: out.shape },
          { name: "strides0", type: "u32", data: broadcastStrides(a.shape, out.shape) },
          { name: "strides1", type: "u32", data: broadcastStrides(b.shape, out.shape) },
        ],
    functions: `${ELEMENTWISE_WGSL}
fn value(o: u32) -> ${valueType(out.dtype)} {
${offsets}  return ${expr};
}`,
  });
}

export function clampProgram(x: TensorInfo, min: number, max: number, out: TensorInfo): ProgramInfo {
  if (x.dtype === "i32") {
    const { lo, hi } = i32ClampBounds(min, max);
    const uni = (p: string): { t: string; v: string; all: string } => ({ t: `u.${p}_t`, v: `u.${p}_v`, all: `u.${p}_all` });
    return perElementProgram({
      name: "clamp",
      cacheHint: "",
      inputs: [x],
      output: out,
      rankIndependent: true,
      uniforms: [
        { name: "lo_t", type: "i32", data: lo.t },
        { name: "lo_v", type: "i32", data: lo.v },
        { name: "lo_all", type: "u32", data: lo.all },
        { name: "hi_t", type: "i32", data: hi.t },
        { name: "hi_v", type: "i32", data: hi.v },
        { name: "hi_all", type: "u32", data: hi.all },
      ],
      functions: `fn value(o: u32) -> i32 {
  let x = load_in0(o);
  return ${i32ClampExpr("x", uni("lo"), uni("hi"))};
}`,
    });
  }
  // Comparing against the f32-rounded bounds gives the reference's result bit for bit: where
  // rounding moved a bound onto x, both branches yield that same value.
  return perElementProgram({
    name: "clamp",
    cacheHint: "",
    inputs: [x],
    output: out,
    rankIndependent: true,
    uniforms: [
      { name: "lo", type: "f32", data: min },
      { name: "hi", type: "f32", data: max },
    ],
    functions: `fn value(o: u32) -> f32 {
  let x = load_in0(o);
  return select(select(x, u.hi, x > u.hi), u.lo, x < u.lo);
}`,
  });
}

export function castProgram(x: TensorInfo, out: TensorInfo): ProgramInfo {
  return perElementProgram({
    name: "cast",
    cacheHint: "",
    inputs: [x],
    output: out,
    rankIndependent: true,
    functions: `${ELEMENTWISE_WGSL}
fn value(o: u32) -> ${valueType(out.dtype)} {
  return ${castExpr(x.dtype, out.dtype, "load_in0(o)")};
}`,
  });
}

export const elementwiseWebGpu: Kernel[] = [
  ...UNARY_OPS.map((op) => gpuKernel(op, ([x], _a, [out]) => unaryProgram(op, x!, out!))),
  ...BINARY_OPS.map((op) => gpuKernel(op, ([a, b], _a, [out]) => binaryProgram(op, a!, b!, out!))),
  gpuKernel("clamp", ([x], attrs, [out]) => clampProgram(x!, attrs.min, attrs.max, out!)),
  gpuKernel("cast", ([x], _a, [out]) => castProgram(x!, out!)),
];
