/**
 * Reference for a fused elementwise chain: the steps applied one after another, element by
 * element, rounding to the step's dtype after each step exactly as the unfused ops would.
 */

import type { ChainStep } from "../op-attrs.js";
import { chainDtypes, type AttrsOf } from "../op-specs.js";
import { cpuKernel, type Kernel } from "../registry.js";
import { allocData, type DType, type Tensor } from "../tensor.js";
import { binaryScalar, castScalar, clampScalar, unaryScalar } from "./scalar-ops.js";

/** Rounds a double to what a tensor of `dtype` stores. */
function store(dtype: DType, v: number): number {
  return dtype === "f32" ? Math.fround(v) : dtype === "i32" ? v | 0 : v & 0xff;
}

/** Applies one step to a value `x` of dtype `dt`; `operand` is the extra input's element, if any. */
export function applyStep(step: ChainStep, dt: DType, x: number, operand: number): number {
  switch (step.op) {
    case "cast":
      return castScalar(step.to, x);
    case "clamp":
      return clampScalar(x, step.min ?? -Infinity, step.max ?? Infinity);
    default:
      if ("scalar" in step || "input" in step) {
        const y = "scalar" in step ? store(dt, step.scalar) : operand;
        return step.reversed ? binaryScalar(step.op, dt, y, x) : binaryScalar(step.op, dt, x, y);
      }
      return unaryScalar(step.op, dt, x);
  }
}

export function elementwiseChain(inputs: readonly Tensor[], attrs: AttrsOf<"elementwiseChain">): Tensor {
  const x = inputs[0]!;
  const dts = chainDtypes("elementwiseChain", x.dtype, attrs.steps, inputs.slice(1));
  const outDtype = dts[dts.length - 1]!;
  const n = x.data.length;
  const out = allocData(outDtype, n);
  const steps = attrs.steps;
  for (let i = 0; i < n; i++) {
    let v = x.data[i]!;
    let dt = x.dtype;
    for (let s = 0; s < steps.length; s++) {
      const step = steps[s]!;
      const operand = "input" in step ? inputs[step.input]!.data[i]! : 0;
      const next = dts[s]!;
      v = store(next, applyStep(step, dt, v, operand));
      dt = next;
    }
    out[i] = v;
  }
  return { dtype: outDtype, shape: [...x.shape], data: out };
}

export const elementwiseChainJs: Kernel = cpuKernel("elementwiseChain", "js", (inputs, attrs) => [elementwiseChain(inputs, attrs)]);
