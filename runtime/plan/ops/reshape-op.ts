/**
 * `reshape`: gives each row of a tensor column a new shape with the same number of elements —
 * `[1000,1,1]` class scores from a convolutional head become `[1000]`. Only the column's
 * extension metadata changes: the values are shared, not copied. One dimension may be -1, to
 * be inferred.
 */

import type { Field } from "apache-arrow";
import type { Batch } from "../../api/stream.js";
import { MapOperator } from "../../executor/operator.js";
import { columnsOf, fixedShapeTensorField, recordBatchFromColumns, type ExtensionColumn } from "../../types/index.js";
import { defineOp, type OpDefinition } from "../op-definition.js";
import { placeField, tensorColumn } from "./tensor-column.js";

interface ReshapeArgs {
  column: string;
  shape: number[];
  output?: string;
}

function resolveShape(shape: readonly number[], elements: number): number[] | string {
  const free = shape.filter((d) => d === -1).length;
  if (free > 1) return "at most one dimension may be -1";
  if (shape.some((d) => d !== -1 && (!Number.isInteger(d) || d < 1))) return "dimensions must be positive integers (or one -1)";
  const known = shape.reduce((p, d) => (d === -1 ? p : p * d), 1);
  if (free === 0) return known === elements ? [...shape] : `[${shape.join(",")}] has ${known} elements, the rows have ${elements}`;
  if (elements % known !== 0) return `[${shape.join(",")}] cannot hold ${elements} elements`;
  return shape.map((d) => (d === -1 ? elements / known : d));
}

const reshape = defineOp<ReshapeArgs>({
  name: "reshape",
  kind: "transform",
  category: "tensor",
  summary: "give each tensor row a new shape with the same element count (no copy)",
  example: "reshape: { column: scores, shape: [-1] }",
  args: {
    column: { type: "string", required: true, doc: "tensor column" },
    shape: { type: "number[]", required: true, doc: "new row shape; one dimension may be -1" },
    output: { type: "string", doc: "column to write (default: in place)" },
  },
  plan(a, input, ctx) {
    const src = tensorColumn(input, a.column, ctx);
    const elements = src.shape.reduce((p, d) => p * d, 1);
    const shape = resolveShape(a.shape, elements);
    if (typeof shape === "string") throw ctx.error(`cannot reshape '${a.column}' [${src.shape.join(",")}]: ${shape}`, { arg: "shape" });
    const out = a.output ?? a.column;
    const field: Field = fixedShapeTensorField(out, src.dtype, { shape }, src.field.nullable);
    const output = placeField(input, field);
    const run = (b: Batch): Batch => {
      const view = { field, vector: b.getChild(a.column)! } as ExtensionColumn;
      const cols = columnsOf(b);
      const at = cols.findIndex((c) => c.field.name === out);
      if (at >= 0) cols[at] = view;
      else cols.push(view);
      return recordBatchFromColumns(cols, b.schema.metadata);
    };
    return { kind: "transform", output, backend: "js", parallel: true, detail: `${a.column} [${src.shape.join("×")}] → ${out} [${shape.join("×")}] (view)`, create: () => new MapOperator(ctx.step.name, run) };
  },
});

export const RESHAPE_OPS: readonly OpDefinition[] = [reshape];
