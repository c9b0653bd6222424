/**
 * `infer`: ONNX inference on the async invocation model. Micro-batches span input batches
 * (dynamic batching: small batches from upstream still make full model calls), up to
 * `concurrency` calls run at once, and a call that fails for good dead-letters its rows. Models
 * with a fixed batch (1 for most exported vision models) still work: each call runs them
 * `size` rows at a time.
 *
 * Everything that can be wrong with the model or its columns is found here, before any data
 * flows: a missing or non-ONNX file, an input without a column, a column of the wrong dtype or
 * shape, an output whose non-batch dims are not fixed.
 */

import { basename } from "node:path";
import type { Field, Schema } from "apache-arrow";
import type { DType } from "../../../kernels/tensor.js";
import { batchDim, checkFeeds, ModelLoadError, type FeedColumn, type ModelRuntime } from "../../../scheduler/models/index.js";
import { AsyncRowOperator } from "../../operators/async-row-operator.js";
import { modelAssemble, modelInvoke, type ModelFeed, type ModelFetch, type RangeOutputs } from "../../operators/model-rows.js";
import { OutputLayout } from "../../operators/output-layout.js";
import { fixedShapeTensorField, fixedShapeTensorInfo, isFixedShapeTensorField, isKernelDType } from "../../types/index.js";
import { defineOp, type PlanContext } from "../op-definition.js";
import { asyncArgs, asyncConfigFromArgs, checkKeyColumn, columnList, describeAsync, type AsyncArgs } from "./async-args.js";

export interface InferArgs extends AsyncArgs {
  model: string;
  runtime?: "node" | "web" | "auto";
  /** model input → tensor column. */
  inputs?: Record<string, string>;
  /** model output → column to write. */
  outputs?: Record<string, string>;
  keep?: string[];
  warmUp?: boolean;
  threads?: number;
}

export const INFER_DEFAULT_MAX_ROWS = 32;

export const inferOp = defineOp<InferArgs>({
  kind: "transform",
  name: "infer",
  category: "model",
  summary: "Runs an ONNX model on tensor columns with dynamic batching across input batches",
  example: "infer: { model: ./model.onnx, inputs: { input: pixels }, outputs: { scores: scores }, batch: { maxRows: 32 } }",
  args: {
    model: { type: "string", required: true, doc: "ONNX model file (relative to the spec file)" },
    runtime: { type: "string", doc: "onnxruntime-node (native), onnxruntime-web (WASM), or auto; default node in Node", oneOf: ["node", "web", "auto"] },
    inputs: { type: "object", doc: "model input → fixed-shape tensor column (default: columns named like the inputs)" },
    outputs: { type: "object", doc: "model output → column to write (default: every output, under its own name)" },
    keep: { type: "string[]", doc: "input columns to pass through (default: all; an output of the same name replaces one)" },
    warmUp: { type: "boolean", doc: "run a batch of maxRows once before data flows", default: false },
    threads: { type: "integer", min: 1, doc: "compute threads for the model (default: all cores)" },
    ...asyncArgs,
    batch: { type: "object", doc: "micro-batching: { maxRows, maxDelayMs } (rows per model call, wait for a full call)", default: { maxRows: INFER_DEFAULT_MAX_ROWS, maxDelayMs: 10 } },
    concurrency: { type: "integer", doc: "model calls in flight at once", default: 1, min: 1 },
    timeoutMs: { type: "number", doc: "limit per model call in ms; 0 = none (a running call cannot be stopped)", default: 0, min: 0 },
    capacity: { type: "integer", doc: "rows held before the step pushes back; default (concurrency + 1) × maxRows", min: 1 },
  },
  async plan(args, input, ctx) {
    if (args.batch?.maxBytes !== undefined) throw ctx.error("infer batches by rows; batch.maxBytes does not apply (use batch.maxRows)", { arg: "batch" });
    // No call timeout by default: onnxruntime runs a call to the end on the JS thread (node) or
    // in WASM, so a timer can neither fire during it nor stop it; it would only fail a call
    // that has already finished its work.
    const maxRows = args.batch?.maxRows ?? INFER_DEFAULT_MAX_ROWS;
    const concurrency = args.concurrency ?? 1;
    // Capacity: one full micro-batch waiting behind each call in flight, so the model never
    // idles while the operator emits and upstream refills.
    const capacity = Number.isSafeInteger(maxRows * (concurrency + 1)) ? maxRows * (concurrency + 1) : undefined;
    const config = asyncConfigFromArgs(args, ctx, { batch: { maxRows: INFER_DEFAULT_MAX_ROWS }, concurrency: 1, timeoutMs: 0, ...(capacity && capacity > 0 ? { capacity } : {}) });
    checkKeyColumn(args, input, ctx);
    const path = ctx.resolvePath(args.model);
    const model = await load(path, args, config.batch.maxRows, ctx);
    const bd = batchDim(model);
    if (bd.kind === "none") throw ctx.error(`model ${path} has no batch dimension to feed rows along (${bd.reason})`, { arg: "model" });

    const feeds = planFeeds(model, args.inputs, input, ctx);
    const fetches = planFetches(model, args.outputs, ctx);
    for (const k of args.keep ?? []) {
      if (!input.fields.some((f) => f.name === k)) throw ctx.error(`kept column '${k}' does not exist (columns: ${columnList(input)})`, { arg: "keep" });
    }
    const layout = new OutputLayout(input, fetches.map((f) => f.field as Field), args.keep);
    const rows = { model, feeds, fetches, maxRows: config.batch.maxRows, dynamic: bd.kind === "dynamic" };
    const invoke = modelInvoke(rows);
    const assemble = modelAssemble(rows, layout);
    const step = ctx.step.name;
    const batching = bd.kind === "fixed" ? `fixed batch ${bd.size} (a call per ${bd.size === 1 ? "row" : `${bd.size} rows`})` : "dynamic batch";
    return {
      kind: "transform",
      output: layout.schema,
      backend: model.backend,
      ownRegion: true,
      parallel: false,
      detail: `${basename(path)} on ${model.backend}, ${batching}, ${describeAsync(config)}`,
      create: () => new AsyncRowOperator<RangeOutputs>({ step, config, unit: "range", invoke, assemble, keyColumn: args.key, backend: model.backend }),
    };
  },
});

async function load(path: string, args: InferArgs, maxRows: number, ctx: PlanContext): Promise<ModelRuntime> {
  const inNode = typeof process !== "undefined" && typeof process.versions?.node === "string";
  const runtime = args.runtime ?? (inNode ? "node" : "web");
  try {
    return await ctx.loadModel(path, { runtime, ...(args.threads ? { threads: args.threads } : {}), ...(args.warmUp ? { warmUp: [maxRows] } : {}) });
  } catch (cause) {
    const reason = cause instanceof ModelLoadError ? cause.reason : cause instanceof Error ? cause.message : String(cause);
    throw ctx.error(`cannot load model ${path}: ${reason}`, { arg: "model", cause });
  }
}

function planFeeds(model: ModelRuntime, mapping: Record<string, string> | undefined, input: Schema, ctx: PlanContext): ModelFeed[] {
  const names = model.inputs.map((i) => `'${i.name}'`).join(", ");
  const map = mapping ?? Object.fromEntries(model.inputs.map((i) => [i.name, i.name]));
  for (const [name, column] of Object.entries(map)) {
    if (!model.inputs.some((i) => i.name === name)) throw ctx.error(`model has no input '${name}' (inputs: ${names})`, { arg: "inputs" });
    if (typeof column !== "string") throw ctx.error(`inputs.${name} must be a column name, got ${JSON.stringify(column)}`, { arg: "inputs" });
  }
  const columns: FeedColumn[] = [];
  const feeds: ModelFeed[] = [];
  for (const io of model.inputs) {
    const column = map[io.name];
    if (column === undefined) throw ctx.error(`model input '${io.name}' has no column; map it with inputs: { ${io.name}: <column> }`, { arg: "inputs" });
    const field = input.fields.find((f) => f.name === column);
    if (!field) throw ctx.error(`column '${column}' for model input '${io.name}' does not exist (columns: ${columnList(input)})`, { arg: "inputs" });
    if (!isFixedShapeTensorField(field)) {
      throw ctx.error(`column '${column}' for model input '${io.name}' must be a fixed-shape tensor column (arrow.fixed_shape_tensor), got ${field.type}`, { arg: "inputs" });
    }
    let info;
    try {
      info = fixedShapeTensorInfo(field);
    } catch (cause) {
      throw ctx.error(`column '${column}': ${(cause as Error).message}`, { arg: "inputs", cause });
    }
    if (info.permutation && info.permutation.some((p, i) => p !== i)) {
      throw ctx.error(`column '${column}' is a permuted tensor (permutation [${info.permutation.join(",")}]); models take row-major tensors`, { arg: "inputs" });
    }
    if (!isKernelDType(info.dtype)) {
      throw ctx.error(`column '${column}' for model input '${io.name}': dtype expected ${io.dtype} (model ${io.onnxType}), got ${info.dtype}`, { arg: "inputs" });
    }
    columns.push({ name: io.name, dtype: info.dtype, shape: info.shape });
    feeds.push({ name: io.name, column, dtype: info.dtype as DType, rowShape: info.shape });
  }
  const issues = checkFeeds(model, columns);
  if (issues.length > 0) {
    const lines = issues.map((m) => `column '${map[m.input]}' for ${m.message}`);
    throw ctx.error(`columns do not fit the model's inputs: ${lines.join("; ")}`, { arg: "inputs" });
  }
  return feeds;
}

function planFetches(model: ModelRuntime, mapping: Record<string, string> | undefined, ctx: PlanContext): ModelFetch[] {
  const names = model.outputs.map((o) => `'${o.name}'`).join(", ");
  const map = mapping ?? Object.fromEntries(model.outputs.map((o) => [o.name, o.name]));
  const seen = new Set<string>();
  const fetches: ModelFetch[] = [];
  for (const [name, column] of Object.entries(map)) {
    const io = model.outputs.find((o) => o.name === name);
    if (!io) throw ctx.error(`model has no output '${name}' (outputs: ${names})`, { arg: "outputs" });
    if (typeof column !== "string") throw ctx.error(`outputs.${name} must be a column name, got ${JSON.stringify(column)}`, { arg: "outputs" });
    if (seen.has(column)) throw ctx.error(`two outputs write column '${column}'`, { arg: "outputs" });
    seen.add(column);
    const dims = io.shape.slice(1);
    if (io.shape.length === 0 || !dims.every((d): d is number => typeof d === "number")) {
      const shape = `[${io.shape.map((d) => d ?? "?").join(",")}]`;
      throw ctx.error(`model output '${name}' has shape ${shape}; infer needs its dims after the batch dim fixed to make a fixed-shape tensor column`, { arg: "outputs" });
    }
    fetches.push({ name, field: fixedShapeTensorField(column, io.dtype, { shape: dims }), dtype: io.dtype, rowSize: dims.reduce((a, b) => a * b, 1) });
  }
  if (fetches.length === 0) throw ctx.error("needs at least one output", { arg: "outputs" });
  return fetches;
}
