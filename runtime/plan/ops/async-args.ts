/**
 * The arguments every async op shares (fetch, udf, infer): the async invocation model's config
 * as spec files write it, plus the dead-letter key column. One fragment, spread into each op's
 * `args`, so the names, docs and checks are the same everywhere.
 */

import type { Schema } from "apache-arrow";
import { PlanError } from "../../api/runtime-errors.js";
import { resolveAsyncConfig, type AsyncConfig, type AsyncConfigInput, type OnError } from "../../async/async-config.js";
import type { ArgsSpec, PlanContext } from "../op-definition.js";

/** The async arguments as the op's `plan` receives them (checked for type, not yet for content). */
export interface AsyncArgs {
  batch?: { maxRows?: number; maxBytes?: number; maxDelayMs?: number };
  concurrency?: number;
  capacity?: number;
  timeoutMs?: number;
  retry?: { attempts?: number; backoff?: { initialMs?: number; maxMs?: number; multiplier?: number }; jitter?: number };
  ordered?: boolean;
  onError?: OnError;
  /** Column whose value keys dead letters. */
  key?: string;
}

export const asyncArgs: ArgsSpec = {
  batch: { type: "object", doc: "micro-batching: { maxRows, maxBytes, maxDelayMs } (rows, bytes and wait per call)", default: { maxRows: 64, maxBytes: 16 * 1024 * 1024, maxDelayMs: 10 } },
  concurrency: { type: "integer", doc: "calls in flight at once", default: 4, min: 1 },
  capacity: { type: "integer", doc: "rows held (queued, in flight, done but not emitted) before the step pushes back; default concurrency × maxRows", min: 1 },
  timeoutMs: { type: "number", doc: "limit per call in ms (per object for fetch); 0 = none", default: 30_000, min: 0 },
  retry: { type: "object", doc: "{ attempts, backoff: { initialMs, maxMs, multiplier }, jitter }: retries of retriable failures (timeouts, 5xx)", default: { attempts: 3 } },
  ordered: { type: "boolean", doc: "emit rows in input order (true) or as calls complete", default: true },
  onError: { type: "string", doc: "a row that failed for good: fail the job, skip it, or send it to the dead-letter output", default: "dead-letter", oneOf: ["fail", "skip", "dead-letter"] },
  key: { type: "string", doc: "column whose value keys dead letters (default: the row's position)" },
};

/**
 * The op's async config: the user's arguments over the op's own defaults (`defaults`), validated
 * with `resolveAsyncConfig`. Every problem is reported at once, as a PlanError naming the step.
 */
export function asyncConfigFromArgs(args: AsyncArgs, ctx: PlanContext, defaults: AsyncConfigInput = {}): AsyncConfig {
  const input: Record<string, unknown> = { ...defaults };
  for (const k of ["concurrency", "capacity", "timeoutMs", "ordered", "onError"] as const) if (args[k] !== undefined) input[k] = args[k];
  if (args.batch !== undefined) input.batch = { ...defaults.batch, ...args.batch };
  if (args.retry !== undefined) input.retry = { ...defaults.retry, ...args.retry };
  try {
    return resolveAsyncConfig(input, ctx.step.name);
  } catch (e) {
    if (!(e instanceof PlanError)) throw e;
    // Re-raised through the context so spec files also get the file:line of the step.
    const message = e.message.replace(`step '${ctx.step.name}': `, "");
    throw ctx.error(message, { cause: e });
  }
}

/** Checks the `key` argument names a column. */
export function checkKeyColumn(args: AsyncArgs, input: Schema, ctx: PlanContext): void {
  if (args.key !== undefined && !input.fields.some((f) => f.name === args.key)) {
    throw ctx.error(`key column '${args.key}' does not exist (columns: ${columnList(input)})`, { arg: "key" });
  }
}

/** One line for explain: `maxRows 64, concurrency 4, timeout 30000 ms, 3 attempts, ordered, dead-letter`. */
export function describeAsync(c: AsyncConfig): string {
  const timeout = c.timeoutMs > 0 ? `timeout ${c.timeoutMs} ms` : "no timeout";
  return `maxRows ${c.batch.maxRows}, maxDelay ${c.batch.maxDelayMs} ms, concurrency ${c.concurrency}, ${timeout}, ${c.retry.attempts} attempt(s), ${c.ordered ? "ordered" : "unordered"}, onError ${c.onError}`;
}

/** The input's column names for messages. */
export function columnList(input: Schema): string {
  return input.fields.map((f) => f.name).join(", ") || "none";
}
