/**
 * The elementwise tensor ops, one per kernel op name: binary `add sub mul div min max pow` (with a
 * number or a same-shaped operand column), unary `abs neg sqrt exp log sigmoid tanh relu`,
 * `clamp` and `cast`. Each plans to an elementwise chain of one step, which the planner fuses
 * with its neighbours (see elementwise-plan.ts).
 */

import type { Schema } from "apache-arrow";
import { BINARY_OPS, UNARY_OPS, type BinaryOp, type ChainStep, type UnaryOp } from "../../../kernels/op-attrs.js";
import { sameShape, type DType } from "../../../kernels/tensor.js";
import { defineOp, type ArgsSpec, type OpDefinition, type PlanContext, type PlannedTransform } from "../op-definition.js";
import { planElementwise } from "./elementwise-plan.js";
import { tensorColumn, type TensorColumnInfo } from "./tensor-column.js";

interface ColumnArgs {
  column: string;
  output?: string;
}

interface BinaryArgs extends ColumnArgs {
  value?: number;
  other?: string;
  reversed?: boolean;
}

interface ClampArgs extends ColumnArgs {
  min?: number;
  max?: number;
}

interface CastArgs extends ColumnArgs {
  to: DType;
}

const COLUMN_ARGS = {
  column: { type: "string", doc: "Tensor column to read (arrow.fixed_shape_tensor or sluice.embedding)", required: true },
  output: { type: "string", doc: "Column to write; default: replace `column` in place" },
} as const satisfies ArgsSpec;

const BINARY_DOC: Record<BinaryOp, string> = {
  add: "x + value",
  sub: "x - value",
  mul: "x * value",
  div: "x / value (i32: truncates toward zero)",
  min: "min(x, value)",
  max: "max(x, value)",
  pow: "x ^ value (f32 only)",
};

const UNARY_DOC: Record<UnaryOp, string> = {
  abs: "|x|",
  neg: "-x",
  sqrt: "square root (f32 only)",
  exp: "e^x (f32 only)",
  log: "natural log (f32 only)",
  sigmoid: "1 / (1 + e^-x) (f32 only)",
  tanh: "hyperbolic tangent (f32 only)",
  relu: "max(x, 0)",
};

function plan(args: ColumnArgs, input: Schema, ctx: PlanContext, step: ChainStep, others: TensorColumnInfo[] = [], source?: TensorColumnInfo): PlannedTransform {
  const src = source ?? tensorColumn(input, args.column, ctx);
  return planElementwise({ source: src, output: args.output ?? args.column, others, steps: [step] }, input, ctx);
}

function binaryOp(op: BinaryOp): OpDefinition {
  return defineOp<BinaryArgs>({
    kind: "transform",
    name: op,
    category: "tensor",
    summary: `Elementwise ${BINARY_DOC[op]} on a tensor column, with a number or a same-shaped column`,
    args: {
      ...COLUMN_ARGS,
      value: { type: "number", doc: "Scalar operand (give this or `other`)" },
      other: { type: "string", doc: "Operand column of the same shape and dtype (give this or `value`)" },
      reversed: { type: "boolean", doc: "Swap operands: value OP x", default: false },
    },
    example: `${op}: { column: pixels, value: 0.5 }`,
    plan(args, input, ctx) {
      const src = tensorColumn(input, args.column, ctx);
      if (args.value !== undefined && args.other !== undefined) throw ctx.error("give either 'value' or 'other', not both", { arg: "other" });
      const reversed = args.reversed === true ? { reversed: true } : {};
      if (args.value !== undefined) {
        if (src.dtype === "i32" && !Number.isInteger(args.value)) {
          throw ctx.error(`value ${args.value} is not an integer, and column '${src.name}' is i32 (cast it to f32 first)`, { arg: "value" });
        }
        return plan(args, input, ctx, { op, scalar: args.value, ...reversed }, [], src);
      }
      if (args.other === undefined) throw ctx.error(`${op} needs an operand: 'value' (a number) or 'other' (a column)`);
      const other = tensorColumn(input, args.other, ctx, { arg: "other" });
      if (!sameShape(other.shape, src.shape)) {
        throw ctx.error(`column '${other.name}' has rows of shape [${other.shape.join(",")}] but '${src.name}' has [${src.shape.join(",")}]; they must match`, { arg: "other" });
      }
      if (other.dtype !== src.dtype) {
        throw ctx.error(`column '${other.name}' is ${other.dtype} but '${src.name}' is ${src.dtype}; cast one of them first`, { arg: "other" });
      }
      return plan(args, input, ctx, { op, input: 1, ...reversed }, [other], src);
    },
  });
}

function unaryOp(op: UnaryOp): OpDefinition {
  return defineOp<ColumnArgs>({
    kind: "transform",
    name: op,
    category: "tensor",
    summary: `Elementwise ${UNARY_DOC[op]} on a tensor column`,
    args: COLUMN_ARGS,
    example: `${op}: { column: logits }`,
    plan: (args, input, ctx) => plan(args, input, ctx, { op }),
  });
}

const clamp = defineOp<ClampArgs>({
  kind: "transform",
  name: "clamp",
  category: "tensor",
  summary: "Elementwise clamp of a tensor column to [min, max] (f32 or i32)",
  args: {
    ...COLUMN_ARGS,
    min: { type: "number", doc: "Lower bound; default none" },
    max: { type: "number", doc: "Upper bound; default none" },
  },
  example: "clamp: { column: pixels, min: 0, max: 1 }",
  plan(args, input, ctx) {
    if (args.min === undefined && args.max === undefined) throw ctx.error("clamp needs 'min', 'max' or both");
    if (args.min !== undefined && args.max !== undefined && args.min > args.max) {
      throw ctx.error(`min ${args.min} is above max ${args.max}`, { arg: "min" });
    }
    return plan(args, input, ctx, { op: "clamp", ...(args.min !== undefined && { min: args.min }), ...(args.max !== undefined && { max: args.max }) });
  },
});

const cast = defineOp<CastArgs>({
  kind: "transform",
  name: "cast",
  category: "tensor",
  summary: "Converts a tensor column's dtype (float → int truncates toward zero and saturates; NaN → 0)",
  args: {
    ...COLUMN_ARGS,
    to: { type: "string", doc: "Target dtype", required: true, oneOf: ["u8", "i32", "f32"] },
  },
  example: "cast: { column: pixels, to: f32 }",
  plan: (args, input, ctx) => plan(args, input, ctx, { op: "cast", to: args.to }),
});

/** Every elementwise op: the binary and unary kernel ops, clamp and cast. */
export const ELEMENTWISE_OPS: readonly OpDefinition[] = [...BINARY_OPS.map(binaryOp), ...UNARY_OPS.map(unaryOp), clamp, cast];
