/**
 * `mapBatches`: a user function from a whole batch to a batch (sync or async). The output schema
 * is the input's (`same`) or declared, so later steps are planned against it; a batch that does
 * not match it fails the job naming the step, since that is a bug in the function, not bad data.
 */

import { RecordBatch, Schema } from "apache-arrow";
import { SluiceError } from "../../../kernels/errors.js";
import type { Batch } from "../../api/stream.js";
import { MapOperator } from "../../executor/operator.js";
import { defineOp, type PlanContext } from "../op-definition.js";
import { loadUserFunction, userFunctionArgs, type UserFunctionArgs } from "./user-function.js";
import { VALUE_TYPES, isValueType, valueField } from "./value-types.js";

/** A batch function: the batch in, the batch out (any number of rows). */
export type MapBatchesFunction = (batch: Batch) => Batch | Promise<Batch>;

export interface MapBatchesArgs extends UserFunctionArgs {
  /** `same`, `{ column: type }` (spec files), or an Arrow `Schema` (DataFrame API). */
  schema?: "same" | Record<string, string> | Schema;
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
  },
  async plan(args, input, ctx) {
    const output = declaredSchema(args.schema, input, ctx);
    const fn = (await loadUserFunction(args, ctx, "batch → batch")) as unknown as MapBatchesFunction;
    const step = ctx.step.name;
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
  return out;
}
