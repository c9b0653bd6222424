/**
 * `udf`: a user function over rows, on the async invocation model. It receives a micro-batch of
 * row objects (the `columns` it asked for) and returns one value per row — or `failItem(err)`
 * for a row that failed (retried when `err.retriable`), the rest of the micro-batch going on.
 * Values are checked against `returns`; a wrong one dead-letters its row, not the job.
 */

import { ItemFailure, failItem, type InvokeContext, type InvokeFn } from "../../async/async-types.js";
import { RecordError } from "../../api/runtime-errors.js";
import type { Json } from "../../api/stream.js";
import { AsyncRowOperator } from "../../operators/async-row-operator.js";
import { OutputLayout } from "../../operators/output-layout.js";
import type { RowRange } from "../../operators/row-ranges.js";
import { defineOp } from "../op-definition.js";
import { asyncArgs, asyncConfigFromArgs, checkKeyColumn, columnList, describeAsync, type AsyncArgs } from "./async-args.js";
import { loadUserFunction, userFunctionArgs, type UserFunctionArgs } from "./user-function.js";
import { VALUE_TYPES, isValueType, jsonExcerpt, plainValue, valueField, valueProblem, valuesData, type ValueType } from "./value-types.js";

/** One input row as the function sees it: the requested columns as plain values. */
export type UdfRow = Record<string, unknown>;

/**
 * A row function: one call per micro-batch, one result per row, in order. Return
 * `failItem(err)` for a row that failed; throwing fails (and may retry) the whole micro-batch.
 */
export type UdfFunction = (rows: readonly UdfRow[], ctx: InvokeContext) => readonly unknown[] | Promise<readonly unknown[]>;

export interface UdfArgs extends AsyncArgs, UserFunctionArgs {
  columns: string | string[];
  output: string;
  returns?: ValueType;
}

export const udfOp = defineOp<UdfArgs>({
  kind: "transform",
  name: "udf",
  category: "udf",
  summary: "Calls a user function on micro-batches of rows (async: batching, concurrency, timeouts, retries, dead letters)",
  example: "udf: { columns: [text], output: lang, returns: utf8, module: ./detect.js, export: detect, concurrency: 2 }",
  args: {
    columns: { type: ["string", "string[]"], required: true, doc: "input columns, passed to the function as row objects" },
    output: { type: "string", required: true, doc: "column to write" },
    returns: { type: "string", doc: "type of the values returned", default: "json", oneOf: VALUE_TYPES },
    ...userFunctionArgs,
    ...asyncArgs,
  },
  async plan(args, input, ctx) {
    const config = asyncConfigFromArgs(args, ctx);
    checkKeyColumn(args, input, ctx);
    const columns = typeof args.columns === "string" ? [args.columns] : args.columns;
    if (columns.length === 0) throw ctx.error("needs at least one input column", { arg: "columns" });
    for (const c of columns) {
      if (!input.fields.some((f) => f.name === c)) throw ctx.error(`column '${c}' does not exist (columns: ${columnList(input)})`, { arg: "columns" });
    }
    const returns = args.returns ?? "json";
    if (!isValueType(returns)) throw ctx.error(`returns must be one of ${VALUE_TYPES.join(", ")}`, { arg: "returns" });
    const fn = (await loadUserFunction(args, ctx, "rows → values")) as unknown as UdfFunction;
    const layout = new OutputLayout(input, [valueField(args.output, returns)]);
    const step = ctx.step.name;

    const invoke: InvokeFn<RowRange, unknown> = async (ranges, ictx) => {
      const rows = ranges.map((r) => rowObject(r, columns));
      const out = await fn(rows, ictx);
      // A wrong count is the invoker's to report (a contract error fails the call).
      if (!Array.isArray(out) || out.length !== rows.length) return out;
      return out.map((v: unknown) => {
        if (v instanceof ItemFailure) return v;
        const problem = valueProblem(returns, v);
        return problem === undefined ? v : failItem(new RecordError(`udf returned ${problem}`, { step }));
      });
    };

    return {
      kind: "transform",
      output: layout.schema,
      backend: "js",
      detail: `(${columns.join(", ")}) → ${args.output}: ${returns} via ${args.module ? `${args.module}#${args.export ?? "default"}` : "function"}, ${describeAsync(config)}`,
      create: () =>
        new AsyncRowOperator<unknown>({
          step,
          config,
          unit: "row",
          invoke,
          assemble: (run) => layout.build(run.batch, run.start, run.count, [valuesData(returns, run.outputs)]),
          keyColumn: args.key,
          deadLetterInput: (r) => {
            const o: { [k: string]: Json } = {};
            for (const c of columns) o[c] = jsonExcerpt(r.batch.getChild(c)?.get(r.start));
            return o;
          },
          backend: "js",
        }),
    };
  },
});

function rowObject(r: RowRange, columns: readonly string[]): UdfRow {
  const row: UdfRow = {};
  for (const c of columns) row[c] = plainValue(r.batch.getChild(c)?.get(r.start));
  return row;
}

