/**
 * `sluice bench checkpoint`: the three targets of the checkpoint work.
 *
 * (a) throughput with a checkpoint every second ≥ 95% of throughput without — a two-region AI
 *     pipeline (features → preprocess ═ region log ═ MLP inference → Parquet), the two variants
 *     run alternately (A B B A …) on fresh folders, medians compared;
 * (b) a slow async udf (~500 ms calls, capacity 100 rows, saturated) under full backpressure:
 *     unaligned checkpoints complete within 2 × the interval (max request → committed ≤ 2 s),
 *     aligned ones reported next to them;
 * (c) recovery: process start → first new output < 2 s with tens of MB of state (spec file,
 *     CLI child process, SIGKILL, restart); see `checkpoint-recovery.ts`.
 *
 * See `checkpoint-workloads.ts` for the pipelines.
 */

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { atLeast, atMost, type BenchTarget } from "./bench-target.js";
import { summarize } from "./harness.js";
import { runRecovery, type RecoveryConfig, type RecoveryResult } from "./checkpoint-recovery.js";
import {
  buildFeatureModel,
  FEATURES,
  HIDDEN,
  CLASSES,
  linkInputs,
  ROWS_PER_FILE,
  runBackpressureOnce,
  runThroughputOnce,
  spread,
  writeBackpressureInput,
  writeFeatureFile,
  type BackpressureConfig,
  type BackpressureRun,
  type RegionCheckpointStats,
  type Spread,
  type ThroughputRun,
} from "./checkpoint-workloads.js";

export type CheckpointBenchPart = "throughput" | "backpressure" | "recovery";
export const CHECKPOINT_BENCH_PARTS: readonly CheckpointBenchPart[] = ["throughput", "backpressure", "recovery"];

export interface CheckpointBenchOptions {
  quick?: boolean;
  /** Which parts to run. Default all three. */
  parts?: readonly CheckpointBenchPart[];
  /** Throughput: timed runs of each variant. Default 5 (2 with quick). */
  reps?: number;
  /** Throughput: seconds of work per run (no-checkpoint variant). Default 8 (0.6 with quick). */
  seconds?: number;
  /** Backpressure: seconds per mode. Default 10 (3 with quick). */
  backpressureSeconds?: number;
  /** Recovery: kill-and-restart trials. Default 3 (1 with quick). */
  trials?: number;
  progress?: (message: string) => void;
}

export interface ThroughputResult {
  pipeline: string;
  model: string;
  regions: string[];
  rowsPerRun: number;
  inputFiles: number;
  /** Steady rows/s of the untimed warm-up run that sized the input. */
  calibrationRowsPerSec: number;
  reps: number;
  order: string[];
  runs: ThroughputRun[];
  none: ThroughputSummary;
  checkpointed: ThroughputSummary;
  /** checkpointed / none, medians. */
  ratio: number;
  steadyRatio: number;
  cpuRatio: number;
  /** Checkpoint timings of the median checkpointed run, per region. */
  checkpoints: RegionCheckpointStats[];
}

export interface ThroughputSummary {
  medianRowsPerSec: number;
  p10RowsPerSec: number;
  p90RowsPerSec: number;
  medianWallMs: number;
  medianSteadyRowsPerSec: number;
  /** Process CPU ms per 1,000 rows (median): barely moved by other processes on the cores. */
  medianCpuMsPer1kRows: number;
}

export interface BackpressureResult {
  config: BackpressureConfig;
  runs: BackpressureRun[];
}

export interface RecoverySummary {
  result: RecoveryResult;
  completed: number;
  /** Medians over the trials that completed. */
  medianSpawnToFirstOutputMs: number;
  medianReportFirstOutputMs: number;
  medianSpawnToFirstCommitMs: number;
  medianColdFirstOutputMs: number;
  medianStateBytes: number;
  maxStateBytes: number;
  allExactlyOnce: boolean;
}

export interface CheckpointBenchReport {
  benchmark: "checkpoint";
  date: string;
  quick: boolean;
  machine: { cpus: number; cpuModel: string; node: string; /** 1-minute load average before and after. */ loadAvg: [number, number] };
  throughput: ThroughputResult | null;
  backpressure: BackpressureResult | null;
  recovery: RecoverySummary | null;
  targets: BenchTarget[];
}

const median = (xs: readonly number[]): number => spread(xs).p50;

function summarizeThroughput(runs: readonly ThroughputRun[]): ThroughputSummary {
  const rate = summarize(runs.map((r) => r.rowsPerSec));
  return {
    medianRowsPerSec: rate.medianMs,
    p10RowsPerSec: rate.p10Ms,
    p90RowsPerSec: rate.p90Ms,
    medianWallMs: median(runs.map((r) => r.wallMs)),
    medianSteadyRowsPerSec: median(runs.map((r) => r.steadyRowsPerSec)),
    medianCpuMsPer1kRows: median(runs.map((r) => (r.cpuMs / r.rows) * 1e3)),
  };
}

async function throughputPart(root: string, o: CheckpointBenchOptions, say: (m: string) => void): Promise<ThroughputResult> {
  const quick = o.quick ?? false;
  const reps = o.reps ?? (quick ? 2 : 5);
  const seconds = o.seconds ?? (quick ? 0.6 : 8);
  const p = { input: join(root, "features"), model: join(root, "feature-mlp.onnx"), out: join(root, "throughput-out"), ckpt: join(root, "throughput-ckpt") };
  writeFileSync(p.model, buildFeatureModel());
  const file = await writeFeatureFile(root);
  // Warm-up and calibration: one untimed run without checkpoints on a few files sizes the input
  // so a run takes `seconds` (from its steady rate: a short run's start-up would make the long
  // ones too long); capped at 96 MiB of features, well under the region log's 256 MiB of
  // in-memory batches, so the downstream region reads what the upstream wrote from memory.
  const calibrationFiles = quick ? 1 : 4;
  linkInputs(p.input, file, calibrationFiles);
  say(`throughput: warm-up runs (${calibrationFiles * ROWS_PER_FILE} rows, each variant), the first one sizing the input`);
  const cal = await runThroughputOnce(p, false, calibrationFiles * ROWS_PER_FILE);
  await runThroughputOnce(p, true, calibrationFiles * ROWS_PER_FILE);
  const maxFiles = Math.floor((96 * 2 ** 20) / (ROWS_PER_FILE * (FEATURES * 4 + 4)));
  const calRate = Number.isFinite(cal.steadyRowsPerSec) ? cal.steadyRowsPerSec : cal.rowsPerSec;
  const files = Math.max(1, Math.min(maxFiles, Math.round((calRate * seconds) / ROWS_PER_FILE)));
  linkInputs(p.input, file, files);
  const rows = files * ROWS_PER_FILE;
  say(`throughput: ${rows} rows per run (${files} files; the warm-up ran at ${calRate.toFixed(0)} rows/s steady)`);
  const runs: ThroughputRun[] = [];
  const order: string[] = [];
  for (let i = 0; i < reps; i++) {
    // A B B A …: drift in machine load hits both variants alike.
    const pair = i % 2 === 0 ? [false, true] : [true, false];
    for (const ck of pair) {
      const r = await runThroughputOnce(p, ck, rows);
      runs.push(r);
      order.push(r.variant);
      say(`throughput rep ${i + 1}/${reps}: ${r.variant}: ${r.rowsPerSec.toFixed(0)} rows/s (${(r.wallMs / 1e3).toFixed(2)} s)`);
    }
  }
  const none = runs.filter((r) => r.variant === "no checkpoints");
  const ck = runs.filter((r) => r.variant !== "no checkpoints");
  const a = summarizeThroughput(none), b = summarizeThroughput(ck);
  const medianRun = [...ck].sort((x, y) => x.rowsPerSec - y.rowsPerSec)[Math.floor((ck.length - 1) / 2)]!;
  rmSync(p.out, { recursive: true, force: true });
  rmSync(p.ckpt, { recursive: true, force: true });
  return {
    pipeline: "parquet(id, x f32[32]) → x = tanh((x − 0.5) / 0.29) ═ region log ═ infer (MLP, batch 256, keep id) → argmax → select(id, class) → parquet; batchRows 1024",
    model: `generated MLP ${[FEATURES, ...HIDDEN, CLASSES].join("→")} (ReLU, softmax), dynamic batch, onnxruntime-node`,
    regions: medianRun.regions,
    rowsPerRun: rows,
    inputFiles: files,
    calibrationRowsPerSec: calRate,
    reps,
    order,
    runs,
    none: a,
    checkpointed: b,
    ratio: b.medianRowsPerSec / a.medianRowsPerSec,
    steadyRatio: b.medianSteadyRowsPerSec / a.medianSteadyRowsPerSec,
    cpuRatio: b.medianCpuMsPer1kRows / a.medianCpuMsPer1kRows,
    checkpoints: medianRun.checkpoints,
  };
}

async function backpressurePart(root: string, o: CheckpointBenchOptions, say: (m: string) => void): Promise<BackpressureResult> {
  const seconds = o.backpressureSeconds ?? (o.quick ? 3 : 10);
  const base = { callMs: 500, jitterMs: 50, concurrency: 10, maxRows: 10, capacity: 100, intervalMs: 1000 };
  const saturated = ((base.concurrency * base.maxRows) / base.callMs) * 1e3;
  const config: BackpressureConfig = { ...base, rows: Math.round(saturated * seconds) };
  const input = join(root, "requests.jsonl");
  writeBackpressureInput(input, config.rows);
  const runs: BackpressureRun[] = [];
  for (const mode of ["unaligned", "aligned"] as const) {
    say(`backpressure: ${mode}, ${config.rows} rows through a ${config.callMs} ms udf (~${seconds} s)`);
    const r = await runBackpressureOnce(root, input, mode, config);
    say(`backpressure ${mode}: ${r.checkpoints.count} checkpoints, max ${r.checkpoints.totalMs.max.toFixed(0)} ms, ${r.rowsPerSec.toFixed(0)} rows/s`);
    runs.push(r);
  }
  return { config, runs };
}

async function recoveryPart(root: string, o: CheckpointBenchOptions, say: (m: string) => void): Promise<RecoverySummary> {
  const quick = o.quick ?? false;
  const payloadBytes = quick ? 48 * 1024 : 384 * 1024;
  const capacity = 100;
  const c: RecoveryConfig = {
    trials: o.trials ?? (quick ? 1 : 3),
    rows: quick ? 240 : 600,
    payloadBytes,
    callMs: 200,
    concurrency: 8,
    maxRows: 4,
    capacity,
    batchRows: 16,
    // Half of what a full queue holds (capacity rows, base64 in JSON): the first checkpoint
    // under backpressure is well above it.
    killAtStateBytes: Math.round(0.5 * capacity * payloadBytes * (4 / 3)),
    killTimeoutMs: quick ? 20_000 : 40_000,
    runTimeoutMs: quick ? 60_000 : 180_000,
  };
  const result = await runRecovery(root, c, say);
  const ok = result.trials.filter((t) => t.error === null);
  const med = (f: (t: (typeof ok)[number]) => number | null): number => median(ok.map(f).filter((v): v is number => v !== null));
  return {
    result,
    completed: ok.length,
    medianSpawnToFirstOutputMs: med((t) => t.spawnToFirstOutputMs),
    medianReportFirstOutputMs: med((t) => t.reportFirstOutputMs),
    medianSpawnToFirstCommitMs: med((t) => t.spawnToFirstCommitMs),
    medianColdFirstOutputMs: med((t) => t.coldFirstOutputMs),
    medianStateBytes: med((t) => t.stateBytes),
    maxStateBytes: Math.max(0, ...result.trials.map((t) => t.stateBytes)),
    allExactlyOnce: ok.length === result.trials.length && ok.every((t) => t.exactlyOnce),
  };
}

function targets(r: CheckpointBenchReport): BenchTarget[] {
  const out: BenchTarget[] = [];
  const na = (name: string, goal: string, detail: string): BenchTarget => ({ name, measured: null, threshold: NaN, unit: "", pass: null, detail, goal });
  const t = r.throughput;
  if (t) {
    out.push(
      atLeast(
        "(a) throughput, checkpoint every 1 s vs none (median rows/s, end to end)", t.ratio * 100, 95, "%",
        `${t.checkpointed.medianRowsPerSec.toFixed(0)} vs ${t.none.medianRowsPerSec.toFixed(0)} rows/s, ${t.reps} runs each; CPU per row ${(t.cpuRatio * 100).toFixed(1)}%`,
      ),
    );
  } else out.push(na("(a) throughput, checkpoint every 1 s vs none", "≥ 95%", "not run"));
  const b = r.backpressure;
  const un = b?.runs.find((x) => x.mode === "unaligned"), al = b?.runs.find((x) => x.mode === "aligned");
  if (un && un.checkpoints.count > 0) {
    out.push(
      atMost(
        "(b) unaligned checkpoint, slow udf under backpressure: max request → committed", un.checkpoints.totalMs.max, 2 * b!.config.intervalMs, " ms",
        `${un.checkpoints.count} checkpoints, p50 ${un.checkpoints.totalMs.p50.toFixed(0)} ms; aligned: max ${al ? al.checkpoints.totalMs.max.toFixed(0) : "—"} ms, p50 ${al ? al.checkpoints.totalMs.p50.toFixed(0) : "—"} ms`,
      ),
    );
  } else out.push(na("(b) unaligned checkpoint under backpressure: max request → committed", "≤ 2000 ms", b ? "no checkpoint completed" : "not run"));
  const c = r.recovery;
  if (c && c.completed > 0) {
    const stateMB = c.maxStateBytes / 1e6;
    const t = atMost(
      "(c) recovery: process start → first new output (median, spawn → first sink part)", c.medianSpawnToFirstOutputMs, 2000, " ms",
      `report firstOutputMs ${c.medianReportFirstOutputMs.toFixed(0)} ms; state ${stateMB.toFixed(1)} MB; cold start ${c.medianColdFirstOutputMs.toFixed(0)} ms; ${c.completed}/${c.result.trials.length} trials; exactly once: ${c.allExactlyOnce ? "yes" : "NO"}`,
    );
    // The target is for state under 100 MB, and the output must be right for the time to count.
    if (stateMB >= 100 || !c.allExactlyOnce) t.pass = false;
    out.push(t);
  } else out.push(na("(c) recovery: process start → first new output", "≤ 2000 ms", c ? `no trial completed: ${c.result.trials[0]?.error?.split("\n")[0] ?? ""}` : "not run"));
  return out;
}

export async function runCheckpointBench(o: CheckpointBenchOptions = {}): Promise<CheckpointBenchReport> {
  const say = o.progress ?? (() => {});
  const parts = new Set(o.parts ?? CHECKPOINT_BENCH_PARTS);
  const load0 = loadavg()[0]!;
  const root = mkdtempSync(join(tmpdir(), "sluice-ckpt-bench-"));
  try {
    const report: CheckpointBenchReport = {
      benchmark: "checkpoint",
      date: new Date().toISOString(),
      quick: o.quick ?? false,
      machine: { cpus: availableParallelism(), cpuModel: cpus()[0]?.model ?? "?", node: process.version, loadAvg: [load0, NaN] },
      throughput: parts.has("throughput") ? await throughputPart(root, o, say) : null,
      backpressure: parts.has("backpressure") ? await backpressurePart(root, o, say) : null,
      recovery: parts.has("recovery") ? await recoveryPart(root, o, say) : null,
      targets: [],
    };
    report.machine.loadAvg[1] = loadavg()[0]!;
    report.targets = targets(report);
    return report;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

export type { Spread };
