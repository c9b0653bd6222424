/**
 * Column expressions for `withColumn` and `filter`: `col("x").sub(0.5).div(0.25).relu()` or
 * `fn.resize(fn.decode(col("image")), { size: [224, 224] })`. An expression is only a recipe;
 * `compileExpr` turns it into the same catalog steps a spec file would list (one step per op),
 * so the planner fuses arithmetic into one `elementwiseChain` exactly as it does for specs.
 */

import type { DType } from "../../kernels/tensor.js";

/** A step an expression compiles to (before naming). */
export interface ExprStep {
  op: string;
  args: Record<string, unknown>;
}

type Operand = number | Expr;

/** A column expression. Immutable: every method returns a new expression. */
export class Expr {
  /** @internal */
  constructor(
    /** The input column, for a chain that starts at `col(name)`; undefined for a bare function call. */
    readonly base: string | undefined,
    /** Ops applied in order; the first reads `base` (or its own input expression). */
    readonly ops: readonly ExprOp[],
  ) {}

  private then(op: ExprOp): Expr {
    return new Expr(this.base, [...this.ops, op]);
  }

  private binary(op: string, other: Operand, reversed = false): Expr {
    if (typeof other === "number") return this.then({ op, args: { value: other, ...(reversed ? { reversed: true } : {}) } });
    if (other.ops.length) throw new TypeError(`${op}: the other operand must be a plain column (col("name")) or a number`);
    return this.then({ op, args: { other: other.base, ...(reversed ? { reversed: true } : {}) } });
  }

  add(x: Operand): Expr {
    return this.binary("add", x);
  }
  sub(x: Operand): Expr {
    return this.binary("sub", x);
  }
  /** `x - this` */
  rsub(x: Operand): Expr {
    return this.binary("sub", x, true);
  }
  mul(x: Operand): Expr {
    return this.binary("mul", x);
  }
  div(x: Operand): Expr {
    return this.binary("div", x);
  }
  /** `x / this` */
  rdiv(x: Operand): Expr {
    return this.binary("div", x, true);
  }
  min(x: Operand): Expr {
    return this.binary("min", x);
  }
  max(x: Operand): Expr {
    return this.binary("max", x);
  }
  pow(x: Operand): Expr {
    return this.binary("pow", x);
  }
  abs(): Expr {
    return this.then({ op: "abs", args: {} });
  }
  neg(): Expr {
    return this.then({ op: "neg", args: {} });
  }
  sqrt(): Expr {
    return this.then({ op: "sqrt", args: {} });
  }
  exp(): Expr {
    return this.then({ op: "exp", args: {} });
  }
  log(): Expr {
    return this.then({ op: "log", args: {} });
  }
  sigmoid(): Expr {
    return this.then({ op: "sigmoid", args: {} });
  }
  tanh(): Expr {
    return this.then({ op: "tanh", args: {} });
  }
  relu(): Expr {
    return this.then({ op: "relu", args: {} });
  }
  clamp(min?: number, max?: number): Expr {
    return this.then({ op: "clamp", args: { ...(min === undefined ? {} : { min }), ...(max === undefined ? {} : { max }) } });
  }
  cast(to: DType): Expr {
    return this.then({ op: "cast", args: { to } });
  }

  /** Applies any catalog op that reads `column` and writes `output` (what `fn.*` does). */
  apply(op: string, args: Record<string, unknown> = {}): Expr {
    return this.then({ op, args });
  }

  // Comparisons, for `filter` only.
  eq(v: unknown): Predicate {
    return this.compare("eq", v);
  }
  ne(v: unknown): Predicate {
    return this.compare("ne", v);
  }
  gt(v: number): Predicate {
    return this.compare("gt", v);
  }
  ge(v: number): Predicate {
    return this.compare("ge", v);
  }
  lt(v: number): Predicate {
    return this.compare("lt", v);
  }
  le(v: number): Predicate {
    return this.compare("le", v);
  }
  isIn(values: readonly unknown[]): Predicate {
    return this.compare("in", [...values]);
  }
  isNull(): Predicate {
    return this.compare("isNull", undefined);
  }
  notNull(): Predicate {
    return this.compare("notNull", undefined);
  }
  contains(s: string): Predicate {
    return this.compare("contains", s);
  }

  private compare(op: string, value: unknown): Predicate {
    if (this.ops.length || this.base === undefined) throw new TypeError(`filter compares a plain column: col("name").${op}(…)`);
    return { column: this.base, op, ...(value === undefined ? {} : { value }) };
  }
}

export interface ExprOp {
  op: string;
  args: Record<string, unknown>;
}

/** A `filter` condition on one column. */
export interface Predicate {
  column: string;
  op: string;
  value?: unknown;
}

/** A reference to a column. */
export function col(name: string): Expr {
  return new Expr(name, []);
}

/** Ops that read a `column` and write an `output`, callable as `fn.<op>(input, args)`. */
export const COLUMN_FUNCTIONS = [
  "fetch", "decode", "resize", "centerCrop", "normalize", "toTensor",
  "softmax", "argmax", "lpNormalize", "reshape", "classify",
  "tokenize", "embed", "search", "udf",
] as const;
export type ColumnFunction = (typeof COLUMN_FUNCTIONS)[number];

/** `fn.resize(col("image"), { size: [224, 224] })`: a catalog op applied to an expression. */
export const fn = Object.fromEntries(
  COLUMN_FUNCTIONS.map((op) => [op, (input: Expr | string, args: Record<string, unknown> = {}) => (typeof input === "string" ? col(input) : input).apply(op, args)]),
) as Record<ColumnFunction, (input: Expr | string, args?: Record<string, unknown>) => Expr>;

/**
 * The steps computing `output` from an expression: the first reads the base column and writes
 * `output`, the rest work on `output` in place.
 */
export function compileExpr(output: string, e: Expr): ExprStep[] {
  if (e.base === undefined) throw new TypeError("an expression must start from a column: col(\"name\")");
  if (e.ops.length === 0) throw new TypeError(`withColumn('${output}', col('${e.base}')) applies no operation; use rename() to rename a column`);
  return e.ops.map((o, i) => {
    const column = i === 0 ? e.base! : output;
    // In-place steps leave `output` out, as a spec file would write them.
    return { op: o.op, args: { column, ...o.args, ...(column === output ? {} : { output }) } };
  });
}
