/**
 * The scaffold of every program that computes each output element independently (elementwise
 * ops, casts, the fused chain, normalize, resize, crop): the builder supplies
 * `fn value(o: u32) -> T` for flat output index `o`; this file declares the bindings and writes
 * `main`. A u8 output is written a whole u32 word (four elements) per invocation, so no two
 * invocations ever touch the same word.
 */

import { sizeOf, type TensorInfo } from "../tensor.js";
import { dispatchFor, mainHeader, WORKGROUP_SIZE } from "./dispatch.js";
import type { ProgramConstant, ProgramInfo, ProgramUniform } from "./program-info.js";
import { uniformsWgsl } from "./uniforms.js";
import { declareTensor, loadFn } from "./wgsl.js";

/** A constant storage buffer with the WGSL name the functions use. */
export interface NamedConstant extends ProgramConstant {
  name: string;
}

export interface PerElementSpec {
  name: string;
  cacheHint: string;
  /** Tensor inputs, bound as `in0, in1, …` and read with `load_in0(i)`. */
  inputs: readonly TensorInfo[];
  output: TensorInfo;
  /** Uniforms besides `n` (the output element count), which comes first. */
  uniforms?: readonly ProgramUniform[];
  constants?: readonly NamedConstant[];
  /** WGSL functions including `fn value(o: u32) -> T`, T = valueType(output.dtype). */
  functions: string;
  /** The functions index flat arrays only, so any rank shares the pipeline (see ProgramInfo). */
  rankIndependent?: boolean;
}

export function perElementProgram(spec: PerElementSpec): ProgramInfo {
  const n = sizeOf(spec.output.shape);
  const uniforms: ProgramUniform[] = [{ name: "n", type: "u32", data: n }, ...(spec.uniforms ?? [])];
  const nIn = spec.inputs.length;
  const constants = spec.constants ?? [];
  let src = "";
  spec.inputs.forEach((t, i) => {
    src += declareTensor(`in${i}`, t.dtype, i, "read");
  });
  src += declareTensor("out0", spec.output.dtype, nIn, "read_write");
  src += uniformsWgsl(uniforms, nIn + 1);
  constants.forEach((c, i) => {
    src += `@group(0) @binding(${nIn + 2 + i}) var<storage, read> ${c.name}: array<${c.type}>;\n`;
  });
  src += "\n";
  spec.inputs.forEach((t, i) => {
    src += loadFn(`in${i}`, t.dtype);
  });
  src += `\n${spec.functions}\n`;
  src += mainHeader(WORKGROUP_SIZE);
  if (spec.output.dtype === "u8") {
    src += `  let first = gidx * 4u;
  if (first >= u.n) { return; }
  var word = 0u;
  for (var j = 0u; j < 4u; j++) {
    if (first + j < u.n) { word = word | ((value(first + j) & 0xffu) << (j * 8u)); }
  }
  out0[gidx] = word;
}
`;
  } else {
    src += `  if (gidx >= u.n) { return; }
  out0[gidx] = value(gidx);
}
`;
  }
  return {
    name: spec.name,
    cacheHint: spec.cacheHint,
    shaderSource: src,
    outputs: [{ dtype: spec.output.dtype, shape: [...spec.output.shape] }],
    dispatch: dispatchFor(spec.output.dtype === "u8" ? Math.ceil(n / 4) : n),
    uniforms,
    constants: constants.map(({ type, data }) => ({ type, data })),
    ...(spec.rankIndependent ? { rankIndependent: true } : {}),
  };
}
