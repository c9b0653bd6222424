/**
 * Planning an elementwise chain — one step, or several fused — into a transform: dtype flow
 * through the chain (a cast changes it, int-unsupported ops on i32 are refused here, naming the
 * step), the output Field, the explain line, and `fuse`, which absorbs a following elementwise
 * step on the same column so N adjacent steps run as one `elementwiseChain` kernel call.
 */

import type { Schema } from "apache-arrow";
import { KernelError } from "../../../kernels/errors.js";
import type { ChainStep } from "../../../kernels/op-attrs.js";
import { chainDtypes } from "../../../kernels/op-specs.js";
import type { DType } from "../../../kernels/tensor.js";
import { ElementwiseOperator } from "../../operators/elementwise-operator.js";
import { fixedShapeTensorField } from "../../types/index.js";
import type { StepNode } from "../logical-plan.js";
import type { PlanContext, PlannedTransform } from "../op-definition.js";
import { placeField, sampleTensor, type TensorColumnInfo } from "./tensor-column.js";

/** A chain over one tensor column, with its operand columns. */
export interface ElementwiseChain {
  readonly source: TensorColumnInfo;
  readonly output: string;
  /** Operand columns; a step's `{input: i}` is `others[i - 1]`. */
  readonly others: readonly TensorColumnInfo[];
  readonly steps: readonly ChainStep[];
}

/** The chain behind each planned elementwise transform, so `fuse` can read its operand columns. */
const chains = new WeakMap<PlannedTransform, ElementwiseChain>();

/**
 * The transform for `chain`. `input` is the schema the chain's first step reads; `output`, when
 * given, is the planned schema after its last step (fusion reuses the absorbed step's).
 */
export function planElementwise(chain: ElementwiseChain, input: Schema, ctx: PlanContext, output?: Schema): PlannedTransform {
  const dtype = outputDtype(chain, ctx);
  const { source } = chain;
  const field = fixedShapeTensorField(chain.output, dtype, { shape: source.shape, ...(source.dimNames && { dimNames: source.dimNames }) });
  const schema = output ?? placeField(input, field);
  const single = chain.steps.length === 1;
  const kernelOp = single ? chain.steps[0]!.op : "elementwiseChain";
  const backend = ctx.kernelBackend("elementwiseChain", [sampleTensor(ctx, source.dtype, source.shape)]);
  const planned: PlannedTransform = {
    kind: "transform",
    output: schema,
    backend,
    detail: describeChain(chain) + (single ? "" : ` (${chain.steps.length} steps fused, one ${kernelOp} call)`),
    parallel: true,
    fusable: { kind: "elementwise", column: source.name, output: chain.output, steps: chain.steps },
    create: () =>
      new ElementwiseOperator(ctx.step.name, {
        column: source.name,
        output: chain.output,
        others: chain.others.map((o) => o.name),
        steps: chain.steps,
        schema,
        kernels: ctx.kernels,
        backend,
      }),
    fuse: (next, nextStep) => fuseNext(chain, input, ctx, next, nextStep),
  };
  chains.set(planned, chain);
  return planned;
}

/** The dtype the chain ends in; a PlanError naming the first step that cannot take its input. */
function outputDtype(chain: ElementwiseChain, ctx: PlanContext): DType {
  const steps = chain.steps;
  try {
    const dts = chainDtypes(ctx.step.op, chain.source.dtype, steps, chain.others);
    return dts[dts.length - 1]!;
  } catch (err) {
    if (!(err instanceof KernelError)) throw err;
    // Name the first step whose input dtype is refused, in the user's terms.
    let cur = chain.source.dtype;
    for (const s of steps) {
      try {
        chainDtypes(s.op, cur, [s], chain.others);
      } catch {
        const what = "input" in s ? `${cur} tensors (with operand column '${chain.others[s.input - 1]?.name}')` : `${cur} tensors`;
        throw ctx.error(`${s.op} is not defined on ${what} in column '${chain.source.name}'; add a cast step before it (cast: {to: f32})`, { cause: err });
      }
      cur = s.op === "cast" ? s.to : cur;
    }
    throw ctx.error(err.message, { cause: err });
  }
}

/**
 * Absorbs `next` when it is elementwise on this chain's output column and overwrites it (a step
 * writing a new column would need the intermediate kept), reads no operand that this chain
 * writes, and runs on the same backend.
 */
function fuseNext(chain: ElementwiseChain, input: Schema, ctx: PlanContext, next: PlannedTransform, nextStep: StepNode): PlannedTransform | undefined {
  const part = next.fusable;
  if (part?.kind !== "elementwise" || part.column !== chain.output || part.output !== chain.output) return undefined;
  const planBackend = ctx.plan.options.backend ?? "auto";
  if ((nextStep.backend ?? planBackend) !== (ctx.step.backend ?? planBackend)) return undefined;
  // Steps of another op may offer elementwise parts; without our record of their operand columns
  // only operand-free chains are safe to take.
  const nextOthers = chains.get(next)?.others ?? (part.steps.some((s) => "input" in s) ? undefined : []);
  if (!nextOthers || nextOthers.some((o) => o.name === chain.output)) return undefined;
  const shift = chain.others.length;
  const steps = [...chain.steps, ...part.steps.map((s): ChainStep => ("input" in s ? { ...s, input: s.input + shift } : s))];
  const merged: ElementwiseChain = { source: chain.source, output: chain.output, others: [...chain.others, ...nextOthers], steps };
  try {
    return planElementwise(merged, input, ctx, next.output);
  } catch {
    // Each step planned on its own; a merged chain that does not check is simply left unfused.
    return undefined;
  }
}

const SYMBOL: Partial<Record<string, { sym: string; prec: number }>> = {
  add: { sym: "+", prec: 1 },
  sub: { sym: "-", prec: 1 },
  mul: { sym: "*", prec: 2 },
  div: { sym: "/", prec: 2 },
};

/**
 * The explain line: arithmetic as an expression in `x`, other ops as arrows —
 * `pixels: (x - 0.5) * 4 → relu`, `a → b: x * 2` — or `chain[sub, mul, relu]` when that would be too long.
 */
export function describeChain(chain: ElementwiseChain): string {
  const parts: string[] = [];
  let expr = "x";
  let prec = 3;
  const flush = (): void => {
    if (expr !== "x") parts.push(expr);
    expr = "x";
    prec = 3;
  };
  for (const s of chain.steps) {
    if (s.op === "cast") {
      flush();
      parts.push(`cast ${s.to}`);
    } else if (s.op === "clamp") {
      flush();
      parts.push(`clamp[${s.min ?? "-inf"}, ${s.max ?? "inf"}]`);
    } else if ("scalar" in s || "input" in s) {
      const operand = "scalar" in s ? String(s.scalar) : chain.others[s.input - 1]?.name ?? `input${s.input}`;
      const op = SYMBOL[s.op];
      if (op) {
        // On the right of - or /, an operand of equal precedence needs parentheses too.
        const parens = prec < op.prec || (s.reversed === true && prec === op.prec && (s.op === "sub" || s.op === "div"));
        const x = parens ? `(${expr})` : expr;
        expr = s.reversed ? `${operand} ${op.sym} ${x}` : `${x} ${op.sym} ${operand}`;
        prec = op.prec;
      } else {
        expr = s.reversed ? `${s.op}(${operand}, ${expr})` : `${s.op}(${expr}, ${operand})`;
        prec = 3;
      }
    } else {
      flush();
      parts.push(s.op);
    }
  }
  flush();
  let body = parts.join(" → ");
  if (body.length > 80) body = `chain[${chain.steps.map((s) => s.op).join(", ")}]`;
  const target = chain.output === chain.source.name ? "" : ` → ${chain.output}`;
  return `${chain.source.name}${target}: ${body}`;
}
