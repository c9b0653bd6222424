/**
 * Runs a physical plan: one task per region, bounded channels between them, the sink (or an
 * in-memory collector) at the end, dead letters to their file. Reports live progress while it
 * runs and returns a summary per operator; releases the plan's models and devices either way.
 */

import { basename, dirname, join, resolve } from "node:path";
import { Table } from "apache-arrow";
import type { DeadLetter, DeadLetterWriter } from "../api/dead-letter.js";
import { ArrowDeadLetters } from "../executor/arrow-dead-letters.js";
import { Channel, type ChannelStats } from "../executor/channel.js";
import { MemoryDeadLetters, MemorySink } from "../executor/in-memory-outputs.js";
import { Job } from "../executor/job.js";
import { JsonlDeadLetters } from "../executor/jsonl-dead-letters.js";
import type { Operator, OperatorMetrics } from "../executor/operator.js";
import { ParallelOperator } from "../executor/parallel-operator.js";
import type { TaskSpec } from "../executor/task.js";
import { checkFailureSteps, FailureInjector, failuresFromEnv } from "../executor/failure-injection.js";
import { checkpointConfig } from "./checkpoint-config.js";
import type { PhysicalPlan, PhysicalStep } from "./physical-plan.js";
import { runCheckpointed, type RegionCheckpointReport } from "./run-checkpointed.js";

export interface StepProgress {
  /** Operator name (the first of its fused steps). */
  step: string;
  region: string;
  metrics: OperatorMetrics;
}

export interface RunProgress {
  elapsedMs: number;
  sourceRows: number;
  steps: StepProgress[];
  channels: { name: string; stats: ChannelStats }[];
  deadLettered: number;
  /** Checkpointed runs: checkpoints completed so far, all regions together. */
  checkpoints?: number;
}

export interface RunOptions {
  signal?: AbortSignal;
  /** Called every `progressMs` (default 250) while running, and once at the end. */
  onProgress?(p: RunProgress): void;
  progressMs?: number;
  /** Identifies the run's staging files. Default: the pipeline name. */
  jobId?: string;
  /** Checkpointed runs: where recovery notices go (skipped checkpoints, region restarts). Default console.warn. */
  warn?(message: string): void;
  /** Wraps each operator as it is created (failure injection for tests and chaos runs). */
  wrapOperator?(op: Operator): Operator;
}

export interface RunResult {
  wallMs: number;
  sourceRows: number;
  /** Rows that reached the sink (or the collector). */
  rowsOut: number;
  deadLettered: number;
  steps: StepProgress[];
  channels: { name: string; stats: ChannelStats }[];
  /** The dead-letter file, when there is one. */
  deadLetterPath?: string;
  /** In-memory outputs when the plan has no sink (DataFrame `collect`). */
  collected?: { table: Table; deadLetters: DeadLetter[] };
  /** Checkpointed runs: per region, what was resumed, checkpoint timings, restarts. */
  checkpoints?: RegionCheckpointReport[];
  /** Checkpointed runs: the last checkpoint of every region was final, so nothing was left to do. */
  alreadyComplete?: boolean;
}

/** Where dead letters go: the plan's setting, else beside the sink's output. */
export function deadLetterTarget(p: PhysicalPlan): { path: string; format: "jsonl" | "arrow" } | undefined {
  const o = p.logical.options.deadLetters;
  if (o) return { path: resolve(p.logical.baseDir, o.path), format: o.format };
  const sinkPath = p.sink?.step.args.path;
  if (typeof sinkPath !== "string") return undefined;
  const abs = resolve(p.logical.baseDir, sinkPath).replace(/\/+$/, "");
  return { path: join(dirname(abs), `${basename(abs).replace(/\.[a-z]+$/, "")}.dead-letters.jsonl`), format: "jsonl" };
}

/** The operator of one physical step (N copies under a ParallelOperator for parallelism N). */
export function operatorFor(s: PhysicalStep): Operator {
  if (s.parallelism <= 1) return s.planned.create();
  return new ParallelOperator(Array.from({ length: s.parallelism }, () => s.planned.create()));
}

/**
 * Adds the plan's `failures:` and `SLUICE_FAIL` to the run: one injector for the whole run, so
 * batch counts carry on across region restarts and a failure fires `times` times, not per attempt.
 */
function withFailureInjection(p: PhysicalPlan, opts: RunOptions): RunOptions {
  const specs = [...(p.logical.options.failures ?? []), ...failuresFromEnv()];
  if (specs.length === 0) return opts;
  const names = p.regions.flatMap((r) => r.steps.map((s) => s.step.name));
  const fusedInto = Object.fromEntries(p.regions.flatMap((r) => r.steps.flatMap((s) => s.fused.slice(1).map((f) => [f, s.step.name] as const))));
  checkFailureSteps(specs, names, fusedInto);
  const injector = new FailureInjector(specs);
  const outer = opts.wrapOperator;
  return { ...opts, wrapOperator: (op) => injector.wrap(outer ? outer(op) : op) };
}

/** Runs the plan to completion and closes its session (models, GPU) afterwards. */
export async function runPlan(p: PhysicalPlan, opts: RunOptions = {}): Promise<RunResult> {
  try {
    const o = withFailureInjection(p, opts);
    return checkpointConfig(p) ? await runCheckpointed(p, o) : await runOnce(p, o);
  } finally {
    await p.session.close();
  }
}

async function runOnce(p: PhysicalPlan, opts: RunOptions): Promise<RunResult> {
  const target = deadLetterTarget(p);
  const deadLetters: DeadLetterWriter = !target ? new MemoryDeadLetters() : target.format === "arrow" ? new ArrowDeadLetters(target.path) : new JsonlDeadLetters(target.path);
  p.source.planned.bindDeadLetters?.((letters) => deadLetters.write(letters));
  const channels = p.regions.slice(1).map((r, i) => new Channel({ ...p.channel, name: `${p.regions[i]!.name} → ${r.name}` }));
  const memory = p.sink ? undefined : new MemorySink();
  const sink = p.sink ? p.sink.planned.create() : memory!;
  const sinkStep = p.sink?.step.name ?? "collect";
  const specs: TaskSpec[] = p.regions.map((r, i) => ({
    name: r.name,
    input: i === 0 ? { kind: "source", source: p.source.planned.source, batchRows: p.batchRows, step: p.source.step.name } : { kind: "channel", channel: channels[i - 1]! },
    operators: r.steps.map((s) => (opts.wrapOperator ? opts.wrapOperator(operatorFor(s)) : operatorFor(s))),
    output:
      i < p.regions.length - 1
        ? { kind: "channel", channel: channels[i]! }
        : { kind: "sink", sink, schema: p.output, step: sinkStep, open: { jobId: opts.jobId ?? p.logical.name, subtask: 0 } },
  }));
  let sourceRows = 0;
  const job = new Job(specs, { deadLetters, channels, signal: opts.signal, onSourceProgress: (_t, rows) => (sourceRows += rows) });
  const regionOf = new Map<string, string>();
  for (const r of p.regions) for (const s of r.steps) regionOf.set(s.step.name, r.name);
  regionOf.set(sinkStep, p.regions[p.regions.length - 1]!.name);
  const order = [...p.regions.flatMap((r) => r.steps.map((s) => s.step.name)), sinkStep];
  const started = performance.now();
  const progress = (): RunProgress => ({
    elapsedMs: performance.now() - started,
    sourceRows,
    steps: order.flatMap((step) => {
      const metrics = job.steps.get(step);
      return metrics ? [{ step, region: regionOf.get(step) ?? "", metrics }] : [];
    }),
    channels: channels.map((c, i) => ({ name: `${p.regions[i]!.name} → ${p.regions[i + 1]!.name}`, stats: c.stats })),
    deadLettered: deadLetters.count,
  });
  const timer = opts.onProgress ? setInterval(() => opts.onProgress!(progress()), opts.progressMs ?? 250) : undefined;
  let result;
  try {
    result = await job.run();
  } finally {
    if (timer) clearInterval(timer);
  }
  const final = progress();
  opts.onProgress?.(final);
  const sinkMetrics = result.steps.get(sinkStep);
  return {
    wallMs: result.wallMs,
    sourceRows,
    rowsOut: sinkMetrics?.rowsIn ?? 0,
    deadLettered: result.deadLettered,
    steps: final.steps,
    channels: final.channels,
    deadLetterPath: target && result.deadLettered > 0 ? target.path : undefined,
    collected: memory ? { table: new Table(p.output, memory.batches), deadLetters: (deadLetters as MemoryDeadLetters).letters } : undefined,
  };
}
