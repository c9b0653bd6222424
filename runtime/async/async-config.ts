/**
 * The one configuration shared by every async operator (UDFs, fetch, inference, service calls).
 * It is plain JSON so spec files carry it verbatim; `resolveAsyncConfig` fills defaults and
 * reports every problem at once, at plan time, naming the step.
 */

import { PlanError } from "../api/runtime-errors.js";
import { editDistance } from "../api/edit-distance.js";

/** What happens to a record that failed for good (non-retriable, or out of attempts). */
export type OnError = "fail" | "skip" | "dead-letter";

export interface BatchConfig {
  /** Most items per call. */
  maxRows: number;
  /** Most item bytes per call; a single larger item still goes, alone. */
  maxBytes: number;
  /** Longest an item waits for its micro-batch to fill before a partial one is sent. */
  maxDelayMs: number;
}

export interface BackoffConfig {
  initialMs: number;
  maxMs: number;
  multiplier: number;
}

export interface RetryConfig {
  /** Attempts in all, the first included: `1` means no retry. */
  attempts: number;
  backoff: BackoffConfig;
  /** Fraction of each delay that is randomized away, in [0, 1]. */
  jitter: number;
}

export interface AsyncConfig {
  batch: BatchConfig;
  /** Micro-batches (calls) in flight at once. */
  concurrency: number;
  /** Items held (queued, in flight, retrying, or done but not yet taken) before `submit` pushes back. */
  capacity: number;
  /**
   * Per call; `0` disables the timeout. A timeout aborts the call's signal, is retriable, and
   * frees the call's slot at once (a function that ignores its signal may run on past it).
   */
  timeoutMs: number;
  retry: RetryConfig;
  /** Emit results in input order (`true`) or as they complete. */
  ordered: boolean;
  onError: OnError;
}

/** What a user writes: every field optional. `capacity` defaults to `concurrency × maxRows`. */
export interface AsyncConfigInput {
  batch?: Partial<BatchConfig>;
  concurrency?: number;
  capacity?: number;
  timeoutMs?: number;
  retry?: { attempts?: number; backoff?: Partial<BackoffConfig>; jitter?: number };
  ordered?: boolean;
  onError?: OnError;
}

/** Defaults: small batches that still amortize a call, bad records to the dead-letter output. */
export const DEFAULT_ASYNC_CONFIG: Readonly<Omit<AsyncConfig, "capacity">> = Object.freeze({
  batch: Object.freeze({ maxRows: 64, maxBytes: 16 * 1024 * 1024, maxDelayMs: 10 }),
  concurrency: 4,
  timeoutMs: 30_000,
  retry: Object.freeze({
    attempts: 3,
    backoff: Object.freeze({ initialMs: 100, maxMs: 10_000, multiplier: 2 }),
    jitter: 0.2,
  }),
  ordered: true,
  onError: "dead-letter",
});

const ON_ERROR: readonly OnError[] = ["fail", "skip", "dead-letter"];

type Rule = "int>=1" | "int>=0" | "num>=0" | "num>=1" | "unit";

const RULE_TEXT: Record<Rule, string> = {
  "int>=1": "an integer ≥ 1",
  "int>=0": "an integer ≥ 0",
  "num>=0": "a number ≥ 0",
  "num>=1": "a number ≥ 1",
  unit: "a number in [0, 1]",
};

function satisfies(v: number, rule: Rule): boolean {
  switch (rule) {
    case "int>=1":
      return Number.isSafeInteger(v) && v >= 1;
    case "int>=0":
      return Number.isSafeInteger(v) && v >= 0;
    case "num>=0":
      return Number.isFinite(v) && v >= 0;
    case "num>=1":
      return Number.isFinite(v) && v >= 1;
    case "unit":
      return Number.isFinite(v) && v >= 0 && v <= 1;
  }
}

/** Collects problems so the user sees all of them in one error, not one per run. */
class Problems {
  readonly list: string[] = [];

  object(value: unknown, path: string, keys: readonly string[]): Record<string, unknown> | undefined {
    if (value === undefined) return undefined;
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      this.list.push(`${path || "config"} must be an object (got ${show(value)})`);
      return undefined;
    }
    const obj = value as Record<string, unknown>;
    for (const k of Object.keys(obj)) {
      if (!keys.includes(k)) {
        const near = keys.find((known) => editDistance(known, k) <= 2);
        this.list.push(`unknown key '${join(path, k)}'${near ? ` (did you mean '${join(path, near)}'?)` : ""}`);
      }
    }
    return obj;
  }

  number(obj: Record<string, unknown> | undefined, path: string, key: string, rule: Rule, fallback: number): number {
    const v = obj?.[key];
    if (v === undefined) return fallback;
    if (typeof v !== "number" || !satisfies(v, rule)) {
      this.list.push(`${join(path, key)} must be ${RULE_TEXT[rule]} (got ${show(v)})`);
      return fallback;
    }
    return v;
  }
}

/**
 * Validates a user's async config (from the TS API or a spec file) and fills defaults.
 * @throws PlanError naming `step` and listing every problem found.
 */
export function resolveAsyncConfig(input: unknown, step: string): AsyncConfig {
  const p = new Problems();
  const d = DEFAULT_ASYNC_CONFIG;
  const top = p.object(input ?? {}, "", ["batch", "concurrency", "capacity", "timeoutMs", "retry", "ordered", "onError"]);
  const b = p.object(top?.batch, "batch", ["maxRows", "maxBytes", "maxDelayMs"]);
  const r = p.object(top?.retry, "retry", ["attempts", "backoff", "jitter"]);
  const bo = p.object(r?.backoff, "retry.backoff", ["initialMs", "maxMs", "multiplier"]);

  const batch: BatchConfig = {
    maxRows: p.number(b, "batch", "maxRows", "int>=1", d.batch.maxRows),
    maxBytes: p.number(b, "batch", "maxBytes", "int>=1", d.batch.maxBytes),
    maxDelayMs: p.number(b, "batch", "maxDelayMs", "num>=0", d.batch.maxDelayMs),
  };
  const concurrency = p.number(top, "", "concurrency", "int>=1", d.concurrency);
  const capacity = p.number(top, "", "capacity", "int>=1", concurrency * batch.maxRows);
  const timeoutMs = p.number(top, "", "timeoutMs", "num>=0", d.timeoutMs);
  const backoff: BackoffConfig = {
    initialMs: p.number(bo, "retry.backoff", "initialMs", "num>=0", d.retry.backoff.initialMs),
    maxMs: p.number(bo, "retry.backoff", "maxMs", "num>=0", d.retry.backoff.maxMs),
    multiplier: p.number(bo, "retry.backoff", "multiplier", "num>=1", d.retry.backoff.multiplier),
  };
  if (backoff.maxMs < backoff.initialMs) {
    p.list.push(`retry.backoff.maxMs (${backoff.maxMs}) must be ≥ retry.backoff.initialMs (${backoff.initialMs})`);
  }
  const retry: RetryConfig = {
    attempts: p.number(r, "retry", "attempts", "int>=1", d.retry.attempts),
    backoff,
    jitter: p.number(r, "retry", "jitter", "unit", d.retry.jitter),
  };

  let ordered = d.ordered;
  if (top?.ordered !== undefined) {
    if (typeof top.ordered === "boolean") ordered = top.ordered;
    else p.list.push(`ordered must be true or false (got ${show(top.ordered)})`);
  }
  let onError: OnError = d.onError;
  if (top?.onError !== undefined) {
    if (ON_ERROR.includes(top.onError as OnError)) onError = top.onError as OnError;
    else p.list.push(`onError must be one of ${ON_ERROR.map((o) => `'${o}'`).join(", ")} (got ${show(top.onError)})`);
  }

  if (p.list.length > 0) {
    throw new PlanError(`invalid async config: ${p.list.join("; ")}`, { step });
  }
  return { batch, concurrency, capacity, timeoutMs, retry, ordered, onError };
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

function show(v: unknown): string {
  if (v === undefined) return "undefined";
  if (typeof v === "number" && !Number.isFinite(v)) return String(v);
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}
