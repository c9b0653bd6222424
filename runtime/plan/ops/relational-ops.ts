/**
 * Column and row selection: select, drop, rename, filter, limit. They never copy a column they
 * keep unchanged; `filter` gathers the surviving rows into one batch (`takeRows`) so downstream
 * operators keep receiving full batches rather than many slivers.
 */

import { Schema, type Field } from "apache-arrow";
import type { Batch, Json } from "../../api/stream.js";
import { Operator, type OperatorContext, type OperatorState } from "../../executor/operator.js";
import { MapOperator } from "../../executor/operator.js";
import { columnsOf, recordBatchFromColumns, type ExtensionColumn } from "../../types/index.js";
import { takeRows } from "../../types/take-rows.js";
import { defineOp, type OpDefinition, type PlanContext } from "../op-definition.js";

function fieldOf(input: Schema, name: string, ctx: PlanContext, arg: string): Field {
  const f = input.fields.find((x) => x.name === name);
  if (!f) throw ctx.error(`no column '${name}' (columns: ${input.fields.map((x) => x.name).join(", ")})`, { arg });
  return f;
}

function project(batch: Batch, names: readonly string[], renames: ReadonlyMap<string, string> = new Map()): Batch {
  const byName = new Map(columnsOf(batch).map((c) => [c.field.name, c]));
  const cols = names.map((n) => {
    const c = byName.get(n)!;
    const to = renames.get(n);
    return (to ? { field: c.field.clone({ name: to }), vector: c.vector } : c) as ExtensionColumn;
  });
  return recordBatchFromColumns(cols, batch.schema.metadata);
}

const select = defineOp<{ columns: string[] }>({
  name: "select",
  kind: "transform",
  category: "relational",
  summary: "keep only these columns, in this order",
  example: "select: { columns: [path, label, score] }",
  args: { columns: { type: "string[]", required: true, doc: "columns to keep" } },
  plan: (a, input, ctx) => {
    const fields = a.columns.map((c) => fieldOf(input, c, ctx, "columns"));
    return { kind: "transform", output: new Schema(fields, input.metadata), backend: "js", detail: `select ${a.columns.join(", ")}`, parallel: true, create: () => new MapOperator(ctx.step.name, (b) => project(b, a.columns)) };
  },
});

const drop = defineOp<{ columns: string[] }>({
  name: "drop",
  kind: "transform",
  category: "relational",
  summary: "remove these columns",
  example: "drop: { columns: [image] }",
  args: { columns: { type: "string[]", required: true, doc: "columns to remove" } },
  plan: (a, input, ctx) => {
    for (const c of a.columns) fieldOf(input, c, ctx, "columns");
    const keep = input.fields.filter((f) => !a.columns.includes(f.name));
    const names = keep.map((f) => f.name);
    return { kind: "transform", output: new Schema(keep, input.metadata), backend: "js", detail: `drop ${a.columns.join(", ")}`, parallel: true, create: () => new MapOperator(ctx.step.name, (b) => project(b, names)) };
  },
});

const rename = defineOp<{ columns: Record<string, string> }>({
  name: "rename",
  kind: "transform",
  category: "relational",
  summary: "rename columns: { old: new }",
  example: "rename: { columns: { scores: probabilities } }",
  args: { columns: { type: "object", required: true, doc: "old name → new name" } },
  plan: (a, input, ctx) => {
    const renames = new Map(Object.entries(a.columns));
    for (const [from, to] of renames) {
      fieldOf(input, from, ctx, "columns");
      if (typeof to !== "string" || !to) throw ctx.error(`rename of '${from}' needs a new name (a non-empty string)`, { arg: "columns" });
    }
    const fields = input.fields.map((f) => (renames.has(f.name) ? f.clone({ name: renames.get(f.name)! }) : f));
    const seen = new Set<string>();
    for (const f of fields) {
      if (seen.has(f.name)) throw ctx.error(`renaming would create two columns named '${f.name}'`, { arg: "columns" });
      seen.add(f.name);
    }
    const names = input.fields.map((f) => f.name);
    const detail = [...renames].map(([f, t]) => `${f} → ${t}`).join(", ");
    return { kind: "transform", output: new Schema(fields, input.metadata), backend: "js", detail: `rename ${detail}`, parallel: true, create: () => new MapOperator(ctx.step.name, (b) => project(b, names, renames)) };
  },
});

const COMPARISONS = ["eq", "ne", "gt", "ge", "lt", "le", "in", "notIn", "isNull", "notNull", "contains", "startsWith", "endsWith"] as const;
type Comparison = (typeof COMPARISONS)[number];

/** A row predicate over one column's values. */
export function comparison(op: Comparison, value: unknown): (v: unknown) => boolean {
  const num = (v: unknown): unknown => (typeof v === "bigint" ? Number(v) : v);
  switch (op) {
    case "eq":
      return (v) => num(v) === value;
    case "ne":
      return (v) => num(v) !== value;
    case "gt":
      return (v) => v !== null && (num(v) as number) > (value as number);
    case "ge":
      return (v) => v !== null && (num(v) as number) >= (value as number);
    case "lt":
      return (v) => v !== null && (num(v) as number) < (value as number);
    case "le":
      return (v) => v !== null && (num(v) as number) <= (value as number);
    case "in":
      return (v) => (value as unknown[]).includes(num(v));
    case "notIn":
      return (v) => !(value as unknown[]).includes(num(v));
    case "isNull":
      return (v) => v === null || v === undefined;
    case "notNull":
      return (v) => v !== null && v !== undefined;
    case "contains":
      return (v) => typeof v === "string" && v.includes(value as string);
    case "startsWith":
      return (v) => typeof v === "string" && v.startsWith(value as string);
    case "endsWith":
      return (v) => typeof v === "string" && v.endsWith(value as string);
  }
}

/** A row of a batch as a plain object (for predicate functions from the DataFrame API). */
export type RowObject = Record<string, unknown>;

class FilterOperator extends Operator {
  constructor(readonly step: string, private readonly keep: (batch: Batch, row: number) => boolean) {
    super();
  }

  async processBatch(batch: Batch, ctx: OperatorContext): Promise<void> {
    const rows: number[] = [];
    for (let r = 0; r < batch.numRows; r++) if (this.keep(batch, r)) rows.push(r);
    if (rows.length) await ctx.emit(takeRows(batch, rows));
  }
}

interface FilterArgs {
  column?: string;
  op?: Comparison;
  value?: unknown;
  fn?: (row: RowObject) => boolean;
}

const filter = defineOp<FilterArgs>({
  name: "filter",
  kind: "transform",
  category: "relational",
  summary: "keep rows where `column op value` holds (or where a DataFrame predicate returns true)",
  example: "filter: { column: score, op: gt, value: 0.5 }",
  args: {
    column: { type: "string", doc: "column compared" },
    op: { type: "string", oneOf: COMPARISONS, doc: "comparison", default: "eq" },
    value: { type: "value", doc: "right-hand side (a list for in/notIn; none for isNull/notNull)" },
    fn: { type: "function", doc: "DataFrame only: (row) => boolean" },
  },
  plan: (a, input, ctx) => {
    if (a.fn) {
      if (a.column !== undefined) throw ctx.error("give either a predicate function or column/op/value, not both");
      const fn = a.fn;
      return {
        kind: "transform",
        output: input,
        backend: "js",
        detail: "filter (function)",
        parallel: true,
        create: () => new FilterOperator(ctx.step.name, (b, r) => Boolean(fn(b.get(r)?.toJSON() ?? {}))),
      };
    }
    if (!a.column) throw ctx.error("filter needs a column (or a predicate function)");
    fieldOf(input, a.column, ctx, "column");
    const op = a.op ?? "eq";
    const needsValue = op !== "isNull" && op !== "notNull";
    if (needsValue && a.value === undefined) throw ctx.error(`filter op '${op}' needs a value`, { arg: "value" });
    if ((op === "in" || op === "notIn") && !Array.isArray(a.value)) throw ctx.error(`filter op '${op}' needs a list value`, { arg: "value" });
    const pred = comparison(op, a.value);
    const column = a.column;
    return {
      kind: "transform",
      output: input,
      backend: "js",
      detail: `filter ${column} ${op}${needsValue ? ` ${JSON.stringify(a.value)}` : ""}`,
      parallel: true,
      create: () => new FilterOperator(ctx.step.name, (b, r) => pred(b.getChild(column)!.get(r))),
    };
  },
});

/** Passes the first `rows` rows and drops the rest; the count is checkpointed. */
class LimitOperator extends Operator {
  private seen = 0;

  constructor(readonly step: string, private readonly rows: number) {
    super();
  }

  async processBatch(batch: Batch, ctx: OperatorContext): Promise<void> {
    const left = this.rows - this.seen;
    if (left <= 0) return;
    const out = batch.numRows <= left ? batch : batch.slice(0, left);
    this.seen += out.numRows;
    await ctx.emit(out);
  }

  override snapshot(): OperatorState {
    return { seen: this.seen } satisfies Json;
  }

  override restore(state: OperatorState): void {
    const seen = (state as { seen?: unknown } | undefined)?.seen;
    this.seen = typeof seen === "number" ? seen : 0;
  }
}

const limit = defineOp<{ rows: number }>({
  name: "limit",
  kind: "transform",
  category: "relational",
  summary: "pass the first N rows, drop the rest",
  example: "limit: { rows: 1000 }",
  args: { rows: { type: "integer", min: 0, required: true, doc: "rows to pass" } },
  plan: (a, input, ctx) => ({ kind: "transform", output: input, backend: "js", detail: `limit ${a.rows}`, create: () => new LimitOperator(ctx.step.name, a.rows) }),
});

export const RELATIONAL_OPS: readonly OpDefinition[] = [select, drop, rename, filter, limit];
