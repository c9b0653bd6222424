/**
 * `mapBatches`: a user function from a whole batch to a batch (sync or async). The output schema
 * is the input's (`same`) or declared, so later steps are planned against it; a batch that does
 * not match it fails the job naming the step, since that is a bug in the function, not bad data.
 * With `workers`, a module's function runs on worker threads instead (map-batches-workers.ts).
 */

import { makeData, RecordBatch, Schema, Struct } from "apache-arrow";
import { SluiceError } from "../../../kernels/errors.js";
import type { Batch, Json } from "../../api/stream.js";
import { MapOperator } from "../../executor/operator.js";
import { defineOp, type PlanContext } from "../op-definition.js";
import { planOnWorkers } from "./map-batches-workers.js";
import { loadUserFunction, userFunctionArgs, type UserFunctionArgs } from "./user-function.js";
import { VALUE_TYPES, isValueType, valueField } from "./value-types.js";

/** A batch function: the batch in, the batch out (any number of rows). */
export type MapBatchesFunction = (batch: Batch) => Batch | Promise<Batch>;

export interface MapBatchesArgs extends UserFunctionArgs {
  /** `same`, `{ column: type }` (spec files), or an Arrow `Schema` (DataFrame API). */
  schema?: "same" | Record<string, string> | Schema;
  /** Worker threads to run a module's function on (batches in flight); absent: inline. */
  workers?: number;
  /** JSON for the module's `createProcessor(options)` (with `workers`). */
  options?: Json;
}

export const mapBatchesOp = defineOp<MapBatchesArgs>({
  kind: "transform",
  name: "mapBatches",
  category: "udf",
  summary: "Calls a user function on each whole batch; the output schema is unchanged or declared",
  example: "mapBatches: { module: ./dedupe.js, export: dedupe, schema: same }",
  args: {
    ...userFunctionArgs,
    schema: { type: ["string", "object", "value"], doc: `output schema: same, or { column: ${VALUE_TYPES.join("|")} }, or an Arrow Schema (DataFrame API)`, default: "same", oneOf: ["same"] },
    workers: { type: "integer", min: 1, doc: "run the module's function on this many worker threads, one batch in flight each, order kept (modules only, not fn)" },
    options: { type: "object", doc: "JSON passed to the module's createProcessor(options) on each worker (with workers)" },
  },
  async plan(args, input, ctx) {
    const output = declaredSchema(args.schema, input, ctx);
    const step = ctx.step.name;
    if (args.workers !== undefined) return planOnWorkers({ ...args, workers: args.workers }, output, (b) => checkBatch(b, output, step), ctx);
    if (args.options !== undefined) throw ctx.error("'options' goes to a module's createProcessor on worker threads: give 'workers' too", { arg: "options" });
    const fn = (await loadUserFunction(args, ctx, "batch → batch")) as unknown as MapBatchesFunction;
    const source = args.module ? `${args.module}#${args.export ?? "default"}` : "function";
    return {
      kind: "transform",
      output,
      backend: "js",
      detail: `${source} → ${output === input ? "same schema" : `(${output.fields.map((f) => `${f.name}: ${f.type}`).join(", ")})`}`,
      create: () =>
        new MapOperator(
          step,
          async (batch) => checkBatch(await fn(batch), output, step),
          () => output,
        ),
    };
  },
});

function declaredSchema(schema: MapBatchesArgs["schema"], input: Schema, ctx: PlanContext): Schema {
  if (schema === undefined || schema === "same") return input;
  if (schema instanceof Schema) return schema;
  if (typeof schema !== "object" || schema === null) throw ctx.error("schema must be 'same', an object of column types, or an Arrow Schema", { arg: "schema" });
  const entries = Object.entries(schema);
  if (entries.length === 0) throw ctx.error("a declared schema needs at least one column", { arg: "schema" });
  return new Schema(
    entries.map(([name, type]) => {
      if (!isValueType(type)) throw ctx.error(`column '${name}': unknown type ${JSON.stringify(type)} (types: ${VALUE_TYPES.join(", ")})`, { arg: "schema" });
      return valueField(name, type);
    }),
  );
}

function checkBatch(out: unknown, schema: Schema, step: string): Batch {
  if (!(out instanceof RecordBatch)) {
    throw new SluiceError(`step '${step}': the function returned ${out === null ? "null" : typeof out}, not an Arrow RecordBatch`, { step });
  }
  const got = out.schema.fields;
  const want = schema.fields;
  const same = got.length === want.length && got.every((f, i) => f.name === want[i]!.name && String(f.type) === String(want[i]!.type));
  if (!same) {
    const show = (s: readonly { name: string; type: unknown }[]): string => s.map((f) => `${f.name}: ${String(f.type)}`).join(", ");
    throw new SluiceError(`step '${step}': the function returned columns (${show(got)}), the declared schema is (${show(want)})`, { step });
  }
  if (out.schema === schema) return out;
  // Same columns and types, but nullability and field metadata may differ (tableFromArrays makes
  // non-nullable fields): later steps and the collected Table expect the planned schema exactly.
  // Re-labelling the same children copies nothing.
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: out.numRows, nullCount: 0, children: out.data.children }));
}
