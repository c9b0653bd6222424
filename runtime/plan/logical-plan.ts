/**
 * The logical plan: what the user asked for, before schemas, fusion or regions. DataFrames and
 * spec files both build one, so everything after this point (checks, planning, execution) is
 * shared and a pipeline means the same thing whichever way it was written.
 *
 * A plan is linear — one source, transform steps in order, one sink — which is the shape of
 * every pipeline sluice runs today (`source → fetch → preprocess → inference → sink`).
 */

import type { FailureSpec } from "../executor/failure-injection.js";

/** Where a step or argument was written in a spec file (1-based line and column). */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

/** `file:line` for messages, or undefined for steps built in code. */
export function formatLocation(at: SourceLocation | undefined): string | undefined {
  return at ? `${at.file}:${at.line}` : undefined;
}

/** Knobs every step accepts besides its op arguments (spec keys of the same name). */
export interface StepPlacement {
  /** Start a new pipeline region at this step (the region's name). */
  region?: string;
  /** Batches processed at once by this step (ordered); > 1 for CPU-bound steps. */
  parallelism?: number;
  /** Kernel backend for this step's kernels: `js`, `wasm`, `webgpu` or `auto`. */
  backend?: "auto" | "js" | "wasm" | "webgpu";
}

/** One step: an op from the catalog with its arguments. */
export interface StepNode extends StepPlacement {
  /** Catalog op name, e.g. `resize`, `infer`, `parquet`. */
  op: string;
  /** Unique step name (defaults to the op name, suffixed `-2`, `-3` … on repeats). */
  name: string;
  /**
   * Op arguments. From spec files these are JSON values; from the DataFrame API they may also
   * hold functions (UDFs) and other in-memory values, which the op's argument spec allows.
   */
  args: Readonly<Record<string, unknown>>;
  /** Where the step was written, for spec files. */
  at?: SourceLocation;
  /** Where each argument was written (key: argument name), for spec files. */
  argsAt?: Readonly<Record<string, SourceLocation>>;
}

/** Dead-letter output: a JSONL or Arrow IPC file. */
export interface DeadLetterSpec {
  path: string;
  format: "jsonl" | "arrow";
}

/** Plan-wide options (top-level keys of a spec file). */
export interface PlanOptions {
  /** Rows per source batch. Default 64. */
  batchRows?: number;
  /** Bounded channels between regions. */
  channel?: { maxBatches?: number; maxBytes?: number };
  /** Where rejected records go. Default: `<sink path>.dead-letters.jsonl` or `dead-letters.jsonl`. */
  deadLetters?: DeadLetterSpec;
  /** Default kernel backend for every step (a step's own `backend` wins). */
  backend?: "auto" | "js" | "wasm" | "webgpu";
  /** Checkpointing (see checkpoint-config.ts for defaults). */
  checkpoint?: {
    interval?: string | number;
    dir?: string;
    mode?: "aligned" | "unaligned";
    /** A barrier that does not get through in this long fails its region. */
    timeout?: string | number;
    /** Checkpoints kept per region. */
    keep?: number;
    /** Restarts of one region before the run fails. */
    restarts?: number;
  };
  /** Failure injection for chaos tests (executor/failure-injection.ts); run-plan wraps the named steps. */
  failures?: FailureSpec[];
}

export interface LogicalPlan {
  /** Pipeline name, for job ids and messages. */
  name: string;
  /** Paths in arguments resolve against this directory (the spec file's, or the cwd). */
  baseDir: string;
  /** The spec file, when the plan came from one. */
  file?: string;
  source: StepNode;
  steps: StepNode[];
  /** Absent: the DataFrame API collects output in memory (`collect()`). */
  sink?: StepNode;
  options: PlanOptions;
}

/** Gives each step a unique name: the op name, then `op-2`, `op-3` … for repeats. */
export function uniqueStepName(op: string, taken: ReadonlySet<string>): string {
  if (!taken.has(op)) return op;
  for (let i = 2; ; i++) if (!taken.has(`${op}-${i}`)) return `${op}-${i}`;
}

/** Every step in order: source, transforms, sink. */
export function allSteps(plan: LogicalPlan): StepNode[] {
  return [plan.source, ...plan.steps, ...(plan.sink ? [plan.sink] : [])];
}
