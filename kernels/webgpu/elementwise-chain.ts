/**
 * A fused elementwise chain as ONE generated WGSL shader: each step becomes a `let` of the
 * step's dtype, so intermediates never leave registers and the whole chain is one dispatch.
 * Scalars are baked into the source as exact literals; the chain's canonical text is the cache
 * hint, so equal chains share a pipeline across shapes.
 */

import type { ChainStep } from "../op-attrs.js";
import { chainDtypes, type AttrsOf } from "../op-specs.js";
import { gpuKernel, type Kernel } from "../registry.js";
import type { DType, TensorInfo } from "../tensor.js";
import { binaryExpr, castExpr, ELEMENTWISE_WGSL, i32ClampExpr, i32ClampLiterals, unaryExpr } from "./elementwise-exprs.js";
import { perElementProgram } from "./per-element-program.js";
import type { ProgramInfo } from "./program-info.js";
import { f32Literal, literal, valueType } from "./wgsl.js";

/** Canonical text of a chain: what distinguishes one generated shader from another. */
export function chainCanonicalText(steps: readonly ChainStep[]): string {
  return steps
    .map((s) => {
      if (s.op === "cast") return `cast(${s.to})`;
      if (s.op === "clamp") return `clamp(${s.min ?? "-inf"},${s.max ?? "inf"})`;
      if ("scalar" in s) return `${s.op}(${s.reversed ? "rev," : ""}${Object.is(s.scalar, -0) ? "-0" : s.scalar})`;
      if ("input" in s) return `${s.op}(${s.reversed ? "rev," : ""}in${s.input})`;
      return s.op;
    })
    .join(";");
}

/** The scalar as the reference stores it before using it: rounded to f32, or ToInt32. */
function scalarAs(dtype: DType, v: number): number {
  return dtype === "f32" ? Math.fround(v) : v | 0;
}

function stepExpr(step: ChainStep, dt: DType, x: string): string {
  switch (step.op) {
    case "cast":
      return castExpr(dt, step.to, x);
    case "clamp": {
      const min = step.min ?? -Infinity, max = step.max ?? Infinity;
      if (dt === "i32") {
        const { lo, hi } = i32ClampLiterals(min, max);
        return i32ClampExpr(x, lo, hi);
      }
      let e = x;
      if (max !== Infinity) e = `select(${e}, ${f32Literal(max)}, (${x} > ${f32Literal(max)}))`;
      if (min !== -Infinity) e = `select(${e}, ${f32Literal(min)}, (${x} < ${f32Literal(min)}))`;
      return e;
    }
    default: {
      if ("scalar" in step || "input" in step) {
        const y = "scalar" in step ? literal(dt, scalarAs(dt, step.scalar)) : `load_in${step.input}(o)`;
        return step.reversed ? binaryExpr(step.op, dt, y, x) : binaryExpr(step.op, dt, x, y);
      }
      return unaryExpr(step.op, dt, x);
    }
  }
}

export function elementwiseChainProgram(inputs: readonly TensorInfo[], attrs: AttrsOf<"elementwiseChain">, out: TensorInfo): ProgramInfo {
  const x = inputs[0]!;
  const dts = chainDtypes("elementwiseChain", x.dtype, attrs.steps, inputs.slice(1));
  let body = `  let x0: ${valueType(x.dtype)} = load_in0(o);\n`;
  let dt = x.dtype;
  attrs.steps.forEach((step, i) => {
    const next = dts[i]!;
    body += `  let x${i + 1}: ${valueType(next)} = ${stepExpr(step, dt, `x${i}`)};\n`;
    dt = next;
  });
  return perElementProgram({
    name: "elementwiseChain",
    cacheHint: chainCanonicalText(attrs.steps),
    inputs,
    output: out,
    rankIndependent: true,
    functions: `${ELEMENTWISE_WGSL}
fn value(o: u32) -> ${valueType(out.dtype)} {
${body}  return x${attrs.steps.length};
}`,
  });
}

export const elementwiseChainWebGpu: Kernel = gpuKernel("elementwiseChain", (inputs, attrs, [out]) => elementwiseChainProgram(inputs, attrs, out!));
