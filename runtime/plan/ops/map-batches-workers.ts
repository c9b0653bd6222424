/**
 * `mapBatches` with `workers: N`: the user's module runs on a pool of N worker threads, N
 * batches in flight, output in input order. Batches cross threads by moving their Arrow
 * buffers (batch-transfer.ts); the returned batches are checked against the step's schema on
 * the main thread, as inline mapBatches does.
 *
 * Only a module can cross threads — each worker imports it by URL — so a function value from
 * the DataFrame API is a plan error here rather than a silent fallback to running inline.
 */

import { existsSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Schema } from "apache-arrow";
import type { Batch, Json } from "../../api/stream.js";
import type { OperatorContext } from "../../executor/operator.js";
import { WorkerOperator } from "../../executor/worker-operator.js";
import { WorkerPool, type ProcessorSpec } from "../../executor/worker-pool.js";
import type { PlanContext, PlannedTransform } from "../op-definition.js";
import type { UserFunctionArgs } from "./user-function.js";

/** The mapBatches arguments this file reads. */
export interface WorkerMapArgs extends UserFunctionArgs {
  /** Worker threads (and batches in flight). */
  workers: number;
  /** JSON handed to the module's `createProcessor(options)`. */
  options?: Json;
}

/** A WorkerOperator whose every output batch goes through `check` before it is emitted. */
class CheckedWorkerOperator extends WorkerOperator {
  constructor(step: string, pool: WorkerPool, processor: ProcessorSpec, inFlight: number, private readonly check: (b: Batch) => Batch) {
    super(step, pool, processor, inFlight);
  }

  private checking(ctx: OperatorContext): OperatorContext {
    return {
      step: ctx.step,
      metrics: ctx.metrics,
      signal: ctx.signal,
      emit: (b) => ctx.emit(this.check(b)),
      deadLetter: (letters) => ctx.deadLetter(letters),
    };
  }

  override processBatch(batch: Batch, ctx: OperatorContext): Promise<void> {
    return super.processBatch(batch, this.checking(ctx));
  }

  override endOfInput(ctx: OperatorContext): Promise<void> {
    return super.endOfInput(this.checking(ctx));
  }
}

/**
 * The compiled worker entry: beside the compiled executor when sluice runs from `dist/`; from
 * TypeScript sources (vitest, tsx) the `.ts` files cannot run in a worker, so it is the one
 * under `dist/`.
 */
function workerEntry(ctx: PlanContext): URL {
  const beside = new URL("../../executor/worker-entry.js", import.meta.url);
  if (existsSync(fileURLToPath(beside))) return beside;
  const built = new URL("../../../dist/runtime/executor/worker-entry.js", import.meta.url);
  if (existsSync(fileURLToPath(built))) return built;
  throw ctx.error("worker threads run compiled JavaScript and dist/runtime/executor/worker-entry.js is missing: run `npm run build`", { arg: "workers" });
}

/**
 * What each worker builds from the module, decided here so a wrong module is a PlanError before
 * any thread starts: the named `export` called on each batch; without `export`, the module's
 * `createProcessor(options)` if it has one, else its default export.
 */
async function processorSpec(args: WorkerMapArgs, ctx: PlanContext): Promise<{ spec: ProcessorSpec; shown: string }> {
  const path = ctx.resolvePath(args.module!);
  const url = pathToFileURL(path).href;
  let mod: Record<string, unknown>;
  try {
    mod = (await import(url)) as Record<string, unknown>;
  } catch (cause) {
    const reason = (cause as NodeJS.ErrnoException).code === "ERR_MODULE_NOT_FOUND" ? "module not found" : (cause as Error).message;
    throw ctx.error(`cannot import module ${path}: ${reason}`, { arg: "module", cause });
  }
  if (args.export === undefined && typeof mod.createProcessor === "function") {
    try {
      // Options travel to each worker by structured clone: find an uncloneable value now.
      structuredClone(args.options ?? null);
    } catch (cause) {
      throw ctx.error(`'options' must be JSON to reach the worker threads: ${(cause as Error).message}`, { arg: "options", cause });
    }
    return { spec: { module: url, options: args.options ?? null }, shown: `${args.module}#createProcessor` };
  }
  const name = args.export ?? "default";
  if (typeof mod[name] !== "function") {
    const exports = Object.keys(mod).filter((k) => typeof mod[k] === "function");
    throw ctx.error(`module ${path} has no function export '${name}' (function exports: ${exports.join(", ") || "none"})`, { arg: "export" });
  }
  if (args.options !== undefined) {
    throw ctx.error(`'options' is passed to createProcessor(options), and the export '${name}' is called on each batch: drop 'options' or export createProcessor`, { arg: "options" });
  }
  return { spec: { module: url, options: null, export: name }, shown: `${args.module}#${name}` };
}

/** Plans mapBatches on worker threads; `check` validates each returned batch (main thread). */
export async function planOnWorkers(args: WorkerMapArgs, output: Schema, check: (b: Batch) => Batch, ctx: PlanContext): Promise<PlannedTransform> {
  if (args.fn !== undefined) {
    throw ctx.error("a function value cannot cross to worker threads: put the function in a module and give 'module' (+ 'export') instead of 'fn' to run it with 'workers'", { arg: "workers" });
  }
  if (args.module === undefined) throw ctx.error("'workers' needs 'module' (+ 'export'): the module each worker thread imports", { arg: "workers" });
  const { spec, shown } = await processorSpec(args, ctx);
  const entry = workerEntry(ctx);
  const size = args.workers;
  const step = ctx.step.name;
  // One pool per run, started by the first operator (explain starts no threads) and shared by
  // any later one (a restore); the run's end releases it.
  let pool: WorkerPool | undefined;
  ctx.onClose(() => pool?.close());
  return {
    kind: "transform",
    output,
    backend: "worker-threads",
    detail: `mapBatches ${shown} on ${size} worker thread${size === 1 ? "" : "s"}`,
    create: () => new CheckedWorkerOperator(step, (pool ??= new WorkerPool({ size, entry })), spec, size, check),
  };
}
