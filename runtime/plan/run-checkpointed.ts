/**
 * Runs a plan with checkpoints. Every region is its own checkpoint domain: it has a state store
 * (`<dir>/regions/<n>-<name>`), a coordinator, and a supervisor that restarts it alone when it
 * fails. Regions are joined by persisted region logs (`<dir>/logs/<n>`) instead of in-memory
 * channels: the upstream writes a log as its sink, the downstream reads it as its source, and
 * each side's checkpoint records its end of it. So a failed inference region restores its own
 * checkpoint and replays the log, while the preprocessing before it keeps running and never
 * recomputes a record.
 *
 * Startup is recovery: each region's newest valid checkpoint is loaded and checked against the
 * plan, and every committable it holds (sink output, log segments, dead letters) is committed
 * again — idempotently — before any input resumes, because a crash may have come between a
 * checkpoint's write and its commit.
 */

import { mkdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { assertCompatible } from "../../checkpoint/assert-compatible.js";
import { chooseConsistent } from "./checkpoint-recovery.js";
import { CheckpointError } from "../../checkpoint/checkpoint-error.js";
import { LocalDirStore } from "../../checkpoint/local-dir-store.js";
import { PART, RegionCoordinator, regionRestore, type CheckpointTiming, type RegionRestore } from "../../checkpoint/region-coordinator.js";
import { RegionLog, type RegionLogPosition } from "../../checkpoint/region-log.js";
import { arrowFormat } from "../../connectors/sinks/arrow-format.js";
import { jsonlFormat } from "../../connectors/sinks/jsonl-format.js";
import type { PartFormat } from "../../connectors/sinks/part-writer.js";
import type { Sink } from "../api/sink.js";
import type { Json, Schema } from "../api/stream.js";
import { Job, JobCancelledError } from "../executor/job.js";
import { newMetrics, type OperatorMetrics } from "../executor/operator.js";
import { StagedDeadLetters } from "../executor/staged-dead-letters.js";
import type { TaskInput } from "../executor/task.js";
import { checkpointConfig, planFingerprint, type CheckpointConfig } from "./checkpoint-config.js";
import type { PhysicalPlan, PhysicalRegion } from "./physical-plan.js";
import { deadLetterTarget, operatorFor, type RunOptions, type RunProgress, type RunResult } from "./run-plan.js";

/** What happened to one region's checkpoints in a run. */
export interface RegionCheckpointReport {
  region: string;
  /** The checkpoint it resumed from at startup, if any. */
  resumedFrom?: number;
  /** Checkpoints completed in this run (the final one included), with timings. */
  checkpoints: CheckpointTiming[];
  /** Times the region failed and was restarted from its last checkpoint. */
  restarts: number;
  /** Input rows read again after restarts (work redone). */
  recomputedRows: number;
  /** The errors that caused the restarts, in order. */
  failures: string[];
}

interface RegionRun {
  index: number;
  region: PhysicalRegion;
  store: LocalDirStore;
  /** The log into the next region (the last region writes the plan's sink). */
  outputLog?: RegionLog;
  inputLog?: RegionLog;
  restore?: RegionRestore;
  report: RegionCheckpointReport;
  /** Metrics of finished attempts, summed, plus the live attempt's. */
  done: Map<string, OperatorMetrics>;
  live: Map<string, OperatorMetrics>;
  /** The live attempt's completed checkpoints. */
  liveCheckpoints: readonly CheckpointTiming[];
  rowsIn: number;
  /** Last region: rows committed to the sink in this run. */
  rowsOut: number;
}

const safe = (s: string): string => s.replace(/[^A-Za-z0-9._-]/g, "_");

async function prepareDir(dir: string): Promise<void> {
  const st = await stat(dir).catch((e: NodeJS.ErrnoException) => (e.code === "ENOENT" ? undefined : Promise.reject(e)));
  if (st && !st.isDirectory()) throw new CheckpointError(`checkpoint.dir '${dir}' exists and is not a directory`);
  try {
    await mkdir(dir, { recursive: true });
  } catch (e) {
    throw new CheckpointError(`checkpoint.dir '${dir}' cannot be created: ${(e as Error).message}`, { cause: e });
  }
}

/** The schema leaving region `i` (the source's when it has no steps). */
function regionOutput(p: PhysicalPlan, i: number): Schema {
  for (let k = i; k >= 0; k--) {
    const steps = p.regions[k]!.steps;
    if (steps.length > 0) return steps[steps.length - 1]!.output;
  }
  return p.source.planned.output;
}

export async function runCheckpointed(p: PhysicalPlan, opts: RunOptions): Promise<RunResult> {
  const cfg = checkpointConfig(p)!;
  if (!p.sink) throw new CheckpointError("checkpointing needs a sink: write the output somewhere (a sink step or `.write.*`), not `collect()`");
  await prepareDir(cfg.dir);
  const fingerprint = planFingerprint(p);
  const jobId = opts.jobId ?? p.logical.name;
  const warn = opts.warn ?? ((m: string) => console.warn(m));
  const dl = deadLetterTarget(p);
  const dlDir = dl ? dl.path.replace(/\.(jsonl|arrow)$/, "") : join(cfg.dir, "dead-letters");
  const dlFormat = dl?.format === "arrow" ? arrowFormat("file") : jsonlFormat();

  const runs: RegionRun[] = [];
  for (const [i, region] of p.regions.entries()) {
    const store = new LocalDirStore(join(cfg.dir, "regions", `${i}-${safe(region.name)}`), { keep: cfg.keep, warn });
    const latest = await store.latest();
    // The way out is the whole checkpoint directory: one region's store alone would strand the others'.
    if (latest) assertCompatible({ ...latest, store: cfg.dir }, fingerprint);
    const restore = latest ? regionRestore(latest) : undefined;
    runs.push({
      index: i,
      region,
      store,
      restore,
      report: { region: region.name, resumedFrom: restore?.id, checkpoints: [], restarts: 0, recomputedRows: 0, failures: [] },
      done: new Map(),
      live: new Map(),
      liveCheckpoints: [],
      rowsIn: 0,
      rowsOut: 0,
    });
  }
  for (let i = 0; i + 1 < runs.length; i++) {
    const log = await RegionLog.open({ dir: join(cfg.dir, "logs", `${i}-${safe(runs[i]!.region.name)}`), name: `${runs[i]!.region.name} → ${runs[i + 1]!.region.name}`, schema: regionOutput(p, i) });
    runs[i]!.outputLog = log;
    runs[i + 1]!.inputLog = log;
  }

  // Recovery: regions agree on checkpoints; output committed after them is taken back; what
  // they sealed is published (again) before any input resumes.
  const choices = await chooseConsistent(runs, fingerprint, cfg.dir, warn);
  const sinks = new Map<number, Sink>();
  for (const [i, r] of runs.entries()) {
    r.report.resumedFrom = r.restore?.id;
    if (choices[i]!.rollback) await rollbackOutputs(p, r, choices[i]!.newest, dlDir, dlFormat, jobId, warn);
    await recoverOutputs(p, r, sinks, dlDir, dlFormat, jobId);
  }
  const alreadyComplete = runs.every((r) => r.restore?.final === true);

  const abort = new AbortController();
  const onOuterAbort = (): void => abort.abort(new JobCancelledError("job cancelled"));
  opts.signal?.addEventListener("abort", onOuterAbort, { once: true });
  const started = performance.now();
  const progress = (): RunProgress => ({
    elapsedMs: performance.now() - started,
    sourceRows: runs[0]!.rowsIn,
    steps: runs.flatMap((r) => [...r.region.steps.map((s) => s.step.name), ...(r.index === runs.length - 1 ? [p.sink!.step.name] : [])].map((step) => ({ step, region: r.region.name, metrics: sumMetrics(r.done.get(step), r.live.get(step)) }))),
    channels: [],
    deadLettered: 0,
    checkpoints: runs.reduce((n, r) => n + r.report.checkpoints.length + r.liveCheckpoints.length, 0),
  });
  const timer = opts.onProgress ? setInterval(() => opts.onProgress!(progress()), opts.progressMs ?? 250) : undefined;
  try {
    if (!alreadyComplete) {
      await Promise.all(
        runs.map((r) =>
          superviseRegion(p, cfg, r, runs, { fingerprint, jobId, dlDir, dlFormat, signal: abort.signal, sinks, warn, injector: opts.wrapOperator }).catch((err: unknown) => {
            if (!abort.signal.aborted) abort.abort(err);
            throw err;
          }),
        ),
      ).catch(() => {
        throw abort.signal.reason;
      });
    }
  } finally {
    if (timer) clearInterval(timer);
    opts.signal?.removeEventListener("abort", onOuterAbort);
  }
  const final = progress();
  opts.onProgress?.(final);
  const last = runs[runs.length - 1]!;
  return {
    wallMs: performance.now() - started,
    sourceRows: runs[0]!.rowsIn,
    rowsOut: last.rowsOut,
    deadLettered: final.steps.reduce((n, s) => n + s.metrics.deadLettered, 0),
    steps: final.steps,
    channels: [],
    deadLetterPath: dlDir,
    checkpoints: runs.map((r) => r.report),
    alreadyComplete,
  };
}

/** Takes back what a region committed after the checkpoint it restores (see checkpoint-recovery.ts). */
async function rollbackOutputs(p: PhysicalPlan, r: RegionRun, newest: number, dlDir: string, dlFormat: PartFormat, jobId: string, warn: (m: string) => void): Promise<void> {
  const c = r.restore!;
  const removed: string[] = [];
  if (!r.outputLog) {
    const sink = p.sink!.planned.create();
    if (!sink.rollback) throw new CheckpointError(`region '${r.region.name}' must resume from checkpoint ${c.id}, older than checkpoint ${newest}, but sink '${sink.name}' cannot take back what it committed since`);
    removed.push(...(await sink.rollback(c.committable)));
  }
  // The region log's recover() (next) deletes segments past the restored committable.
  if (c.deadLetters === null) throw new CheckpointError(`region '${r.region.name}': checkpoint ${c.id} does not record its dead-letter parts, so the dead letters committed after it cannot be taken back`);
  removed.push(...(await new StagedDeadLetters(dlDir, jobId, r.index, dlFormat).rollback(c.deadLetters)));
  warn(`region '${r.region.name}': resuming from checkpoint ${c.id}, older than checkpoint ${newest}; took back ${removed.length} output part(s) committed since, which will be written again`);
}

/** Commits a region's restored committables (idempotent) before anything runs. */
async function recoverOutputs(p: PhysicalPlan, r: RegionRun, sinks: Map<number, Sink>, dlDir: string, dlFormat: PartFormat, jobId: string): Promise<void> {
  const c = r.restore;
  if (r.outputLog) await r.outputLog.recover(c?.committable ?? undefined);
  else if (c && c.committable !== null) {
    const sink = p.sink!.planned.create();
    await sink.commit(c.committable);
    sinks.set(r.index, sink);
  }
  if (c && c.deadLetters !== null) await new StagedDeadLetters(dlDir, jobId, r.index, dlFormat).commit(c.deadLetters);
}

interface SuperviseContext {
  fingerprint: string;
  jobId: string;
  dlDir: string;
  dlFormat: PartFormat;
  signal: AbortSignal;
  sinks: Map<number, Sink>;
  warn(message: string): void;
  injector?: RunOptions["wrapOperator"];
}

/** Runs one region until it finishes, restarting it from its last checkpoint when it fails. */
async function superviseRegion(p: PhysicalPlan, cfg: CheckpointConfig, r: RegionRun, runs: readonly RegionRun[], sc: SuperviseContext): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    if (attempt > 0) {
      const latest = await r.store.latest();
      r.restore = latest ? regionRestore(latest) : undefined;
      // The failed attempt's last checkpoint may be durable but not (fully) committed: its
      // commit raced the failure. Committing again is idempotent.
      await recoverOutputs(p, r, sc.sinks, sc.dlDir, sc.dlFormat, sc.jobId);
    }
    let rowsSinceCheckpoint = 0;
    try {
      await runAttempt(p, cfg, r, runs, sc, (rows) => (rowsSinceCheckpoint = rows));
      return;
    } catch (err) {
      if (sc.signal.aborted) throw sc.signal.reason ?? err;
      const msg = err instanceof Error ? err.message : String(err);
      r.report.failures.push(msg);
      if (r.report.restarts >= cfg.maxRestarts) {
        throw new CheckpointError(`region '${r.region.name}' failed ${r.report.restarts + 1} times; giving up (checkpoint.restarts is ${cfg.maxRestarts}). Last error: ${msg}`, { cause: err });
      }
      r.report.restarts++;
      r.report.recomputedRows += rowsSinceCheckpoint;
      const latest = await r.store.latest();
      sc.warn(`region '${r.region.name}' failed (${msg}); restarting it from ${latest ? `checkpoint ${latest.id}` : "the beginning"} (restart ${r.report.restarts} of ${cfg.maxRestarts})`);
      await new Promise((res) => setTimeout(res, Math.min(1000, 50 * 2 ** r.report.restarts)));
    }
  }
}

/** One attempt of a region: fresh operators restored from its checkpoint, run to the end or to a failure. */
async function runAttempt(p: PhysicalPlan, cfg: CheckpointConfig, r: RegionRun, runs: readonly RegionRun[], sc: SuperviseContext, onRowsSinceCheckpoint: (rows: number) => void): Promise<void> {
  const last = r.index === runs.length - 1;
  const restore = r.restore;
  const operators = r.region.steps.map((s) => (sc.injector ? sc.injector(operatorFor(s)) : operatorFor(s)));
  const sink: Sink = r.outputLog ? r.outputLog.sink() : (sc.sinks.get(r.index) ?? p.sink!.planned.create());
  sc.sinks.delete(r.index);
  const deadLetters = new StagedDeadLetters(sc.dlDir, sc.jobId, r.index, sc.dlFormat);
  const input: TaskInput = r.inputLog
    ? { kind: "source", source: r.inputLog.source(), from: restore?.position, batchRows: p.batchRows, step: `${r.region.name} (region log)` }
    : { kind: "source", source: p.source.planned.source, from: restore?.position, batchRows: p.batchRows, step: p.source.step.name };
  if (!r.inputLog) p.source.planned.bindDeadLetters?.((letters) => deadLetters.write(letters));
  let job: Job | undefined;
  let rowsRead = 0;
  let rowsAtCheckpoint = 0;
  const coordinator = new RegionCoordinator({
    store: r.store,
    pipeline: p.logical.name,
    region: r.region.name,
    planFingerprint: sc.fingerprint,
    intervalMs: cfg.intervalMs,
    unaligned: cfg.unaligned,
    timeoutMs: cfg.timeoutMs,
    firstId: await r.store.nextId(),
    fail: (err) => job?.cancel(err),
    commit: async (snap) => {
      await sink.commit(snap.committable ?? null);
      await deadLetters.commit(dlCommittables.get(snap.checkpointId) ?? null);
      dlCommittables.delete(snap.checkpointId);
      for (const op of operators) await op.checkpointCompleted(snap.checkpointId);
      rowsAtCheckpoint = snap.rowsRead;
      const sinkRows = sinkRowsAt.get(snap.checkpointId) ?? sinkRowsCommitted;
      sinkRowsAt.delete(snap.checkpointId);
      if (last) r.rowsOut += sinkRows - sinkRowsCommitted;
      sinkRowsCommitted = sinkRows;
      onRowsSinceCheckpoint(rowsRead - rowsAtCheckpoint);
      // The upstream's log is not needed before the oldest position a kept checkpoint may restore.
      if (r.inputLog) {
        positions.push(snap.position ?? null);
        if (positions.length > cfg.keep) positions.shift();
        if (positions[0] !== null) await r.inputLog.truncateBefore(positions[0] as unknown as RegionLogPosition);
      }
    },
  });
  const dlCommittables = new Map<number, Json>();
  const positions: Json[] = [];
  const sinkStep = last ? p.sink!.step.name : `${r.region.name} (region log)`;
  // Rows the sink had at each barrier: committed output is counted when its checkpoint commits.
  const sinkRowsAt = new Map<number, number>();
  let sinkRowsCommitted = 0;
  coordinator.extraParts = async (snap) => {
    sinkRowsAt.set(snap.checkpointId, job?.steps.get(sinkStep)?.rowsIn ?? 0);
    const c = await deadLetters.prepareCommit(snap.checkpointId);
    dlCommittables.set(snap.checkpointId, c);
    return { [PART.deadLetters]: c };
  };
  job = new Job(
    [
      {
        name: r.region.name,
        input,
        operators,
        output: { kind: "sink", sink, schema: last ? p.output : regionOutput(p, r.index), step: sinkStep, open: { jobId: sc.jobId, subtask: 0 } },
        barriers: coordinator,
        restore: restore?.operators,
      },
    ],
    {
      deadLetters,
      channels: [],
      signal: sc.signal,
      onSourceProgress: (_t, rows) => {
        rowsRead += rows;
        r.rowsIn += rows;
        onRowsSinceCheckpoint(rowsRead - rowsAtCheckpoint);
      },
    },
  );
  r.live = job.steps;
  r.liveCheckpoints = coordinator.completed;
  coordinator.start();
  try {
    await job.run();
  } finally {
    coordinator.stop();
    await coordinator.settle();
    r.report.checkpoints.push(...coordinator.completed);
    r.liveCheckpoints = [];
    const steps = job.steps;
    for (const [k, m] of steps) r.done.set(k, sumMetrics(r.done.get(k), m));
    r.live = new Map();
  }
}

function sumMetrics(a: OperatorMetrics | undefined, b: OperatorMetrics | undefined): OperatorMetrics {
  const out = newMetrics();
  for (const m of [a, b]) {
    if (!m) continue;
    out.rowsIn += m.rowsIn;
    out.rowsOut += m.rowsOut;
    out.batchesIn += m.batchesIn;
    out.batchesOut += m.batchesOut;
    out.deadLettered += m.deadLettered;
    out.busyMs += m.busyMs;
    out.latencies = out.latencies.concat(m.latencies).slice(-2048);
    out.backend ??= m.backend;
    if (m.firstAt !== undefined) out.firstAt = Math.min(out.firstAt ?? Infinity, m.firstAt);
  }
  return out;
}
