/**
 * The in-process workloads of `sluice bench checkpoint`:
 *
 * - throughput (target a): Parquet feature rows → standardize + tanh (elementwise, region r1) ═
 *   region log ═ `infer` on a generated 4-layer MLP (region r2, the planner's own region for
 *   inference) → argmax → Parquet, run with and without `checkpoint: { interval: 1s }`. Parquet
 *   decoding makes the first region take about as long as the run, so both regions checkpoint
 *   under load (from an Arrow file it is done in well under a second);
 * - backpressure (target b): a fast JSONL source → a `udf` whose calls take ~500 ms, async
 *   capacity 100 rows and enough concurrency to keep all 100 in flight → JSONL, checkpointing
 *   every second, aligned or unaligned.
 *
 * Both go through the DataFrame API and `planPipeline` + `runPlan`, like any application.
 */

import { linkSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Field, Int32, makeVector, Table, tableToIPC } from "apache-arrow";
import type { CheckpointTiming } from "../checkpoint/region-coordinator.js";
import { col, read } from "../runtime/dataframe/index.js";
import type { Pipeline } from "../runtime/dataframe/dataframe.js";
import { planPipeline } from "../runtime/plan/planner.js";
import { runPlan, type RunProgress } from "../runtime/plan/run-plan.js";
import { fixedShapeTensorColumn, recordBatchFromColumns, type ExtensionColumn } from "../runtime/types/index.js";
import { encodeModel, floats, type GraphNode, type GraphInitializer } from "../scheduler/models/onnx-graph.js";
import { normalArray, uniform } from "../scheduler/models/seeded-random.js";
import { summarize } from "./harness.js";

// ─── shared ──────────────────────────────────────────────────────────────────────────────────

/** Median, p90 and max of a sample (NaN when empty). */
export interface Spread {
  n: number;
  p50: number;
  p90: number;
  max: number;
}

export function spread(values: readonly number[]): Spread {
  const s = summarize(values);
  return { n: values.length, p50: s.medianMs, p90: s.p90Ms, max: values.length ? Math.max(...values) : NaN };
}

/** Timings of a run's non-final checkpoints, per region (the final one, at end of input, is not under load). */
export interface RegionCheckpointStats {
  region: string;
  /** Checkpoints completed before end of input. */
  count: number;
  totalMs: Spread;
  alignMs: Spread;
  snapshotMs: Spread;
  /** Checkpoint size on disk (all parts), bytes. */
  bytes: Spread;
  /** Request → committed of the final checkpoint, if there was one. */
  finalTotalMs: number | null;
}

export function checkpointStats(region: string, timings: readonly CheckpointTiming[]): RegionCheckpointStats {
  const regular = timings.filter((t) => !t.final);
  const final = timings.find((t) => t.final);
  return {
    region,
    count: regular.length,
    totalMs: spread(regular.map((t) => t.totalMs)),
    alignMs: spread(regular.map((t) => t.alignMs)),
    snapshotMs: spread(regular.map((t) => t.snapshotMs)),
    bytes: spread(regular.map((t) => t.bytes)),
    finalTotalMs: final ? final.totalMs : null,
  };
}

/** Process CPU time (user + system) since `from`, ms. */
function cpuMsSince(from: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(from);
  return (d.user + d.system) / 1e3;
}

/** Rows reached the sink per second between 10% and 90% of the output: the run's steady state, without start-up or the tail. */
function steadyRate(samples: readonly { t: number; rows: number }[], total: number): number {
  const at = (rows: number): number => {
    for (let i = 1; i < samples.length; i++) {
      const a = samples[i - 1]!, b = samples[i]!;
      if (b.rows >= rows) return b.rows === a.rows ? b.t : a.t + ((rows - a.rows) / (b.rows - a.rows)) * (b.t - a.t);
    }
    return NaN;
  };
  const lo = at(0.1 * total), hi = at(0.9 * total);
  return hi > lo ? ((0.8 * total) / (hi - lo)) * 1e3 : NaN;
}

// ─── (a) throughput: features → preprocess ═ infer → Parquet ────────────────────────────────

export const FEATURES = 32;
export const HIDDEN = [512, 512, 512] as const;
export const CLASSES = 10;
/** Rows per generated input file; the input folder holds hard links to one such file. */
export const ROWS_PER_FILE = 16_384;

/**
 * A seeded MLP `x [N, FEATURES] → (MatMul+Add → Relu) × 3 → MatMul+Add → Softmax → probs [N, 10]`
 * with a dynamic batch dim: ~0.56 M multiply-adds per row, so inference dominates the pipeline
 * like it does in a real one.
 */
export function buildFeatureModel(seed = 7): Uint8Array {
  const dims = [FEATURES, ...HIDDEN, CLASSES];
  const initializers: Record<string, GraphInitializer> = {};
  const nodes: GraphNode[] = [];
  let prev = "x";
  for (let i = 0; i + 1 < dims.length; i++) {
    const [a, b] = [dims[i]!, dims[i + 1]!];
    initializers[`w${i}`] = floats([a, b], normalArray(a * b, Math.sqrt(2 / a), seed + 2 * i));
    initializers[`b${i}`] = floats([b], normalArray(b, 0.1, seed + 2 * i + 1));
    nodes.push({ op: "MatMul", inputs: [prev, `w${i}`], outputs: [`mm${i}`] }, { op: "Add", inputs: [`mm${i}`, `b${i}`], outputs: [`z${i}`] });
    prev = `z${i}`;
    if (i + 2 < dims.length) {
      nodes.push({ op: "Relu", inputs: [prev], outputs: [`h${i}`] });
      prev = `h${i}`;
    }
  }
  nodes.push({ op: "Softmax", inputs: [prev], outputs: ["probs"], attrs: { axis: -1 } });
  return encodeModel({
    name: "sluice_bench_feature_mlp",
    doc: `MLP ${dims.join("→")}, seed ${seed}`,
    inputs: [{ name: "x", type: "float32", shape: ["N", FEATURES] }],
    outputs: [{ name: "probs", type: "float32", shape: ["N", CLASSES] }],
    initializers,
    nodes,
  });
}

/**
 * Writes one Parquet file of `ROWS_PER_FILE` rows (`id` i32, `x` f32[FEATURES] in [0, 1), a
 * fixed-shape tensor) with sluice's own Parquet sink, and returns its path.
 */
export async function writeFeatureFile(dir: string, seed = 42): Promise<string> {
  const arrow = writeFeatureArrow(join(dir, "features.arrow"), seed);
  const parquet = join(dir, "features.parquet");
  await read.arrow(arrow).write.parquet(parquet, { singleFile: true }).run();
  rmSync(arrow);
  return parquet;
}

/** The same rows as one Arrow IPC file. */
export function writeFeatureArrow(path: string, seed = 42): string {
  const rnd = uniform(seed);
  const batches = [];
  for (let r = 0; r < ROWS_PER_FILE; r += 4096) {
    const n = Math.min(4096, ROWS_PER_FILE - r);
    const data = new Float32Array(n * FEATURES);
    for (let i = 0; i < data.length; i++) data[i] = rnd();
    const id: ExtensionColumn = { field: new Field("id", new Int32(), true), vector: makeVector(Int32Array.from({ length: n }, (_, i) => r + i)) };
    batches.push(recordBatchFromColumns([id, fixedShapeTensorColumn("x", { dtype: "f32", shape: [n, FEATURES], data })]));
  }
  writeFileSync(path, tableToIPC(new Table(batches), "file"));
  return path;
}

/** Makes `dir` hold exactly `count` hard links to `file` (`part-00000.parquet` …): input of any size, one file's bytes. */
export function linkInputs(dir: string, file: string, count: number, ext = ".parquet"): void {
  mkdirSync(dir, { recursive: true });
  const name = (i: number) => `part-${String(i).padStart(5, "0")}${ext}`;
  for (const f of readdirSync(dir)) {
    const i = Number(/^part-(\d+)/.exec(f)?.[1] ?? NaN);
    if (!(i < count)) rmSync(join(dir, f), { force: true });
  }
  for (let i = 0; i < count; i++) {
    try {
      linkSync(file, join(dir, name(i)));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
  }
}

export interface ThroughputPaths {
  input: string;
  model: string;
  out: string;
  ckpt: string;
}

/**
 * The pipeline of target (a). `infer` keeps only `id` besides its output, so the features stop
 * at the model, as in most real pipelines.
 */
export function throughputPipeline(p: ThroughputPaths, checkpoint: boolean): Pipeline {
  return read
    .parquet(p.input)
    .withColumn("x", col("x").sub(0.5).div(0.29).tanh())
    .infer(p.model, { inputs: { x: "x" }, outputs: { probs: "probs" }, keep: ["id"], batch: { maxRows: 256 } })
    .step("argmax", { column: "probs", output: "class" })
    .select("id", "class")
    .options({ batchRows: 1024, ...(checkpoint ? { checkpoint: { interval: "1s", dir: p.ckpt } } : {}) })
    .write.parquet(p.out);
}

export interface ThroughputRun {
  variant: "no checkpoints" | "checkpoint every 1 s";
  rows: number;
  /** runPlan start → end (planning and model load excluded, checkpoint setup and the final checkpoint included). */
  wallMs: number;
  rowsPerSec: number;
  /** Sink rows/s between 10% and 90% of the output. */
  steadyRowsPerSec: number;
  /** Process CPU time during the run. */
  cpuMs: number;
  /** Checkpointed runs: per region. */
  checkpoints: RegionCheckpointStats[];
  /** The plan's regions and their (fused) steps. */
  regions: string[];
  /** Recovery notices (region restarts, skipped checkpoints): there should be none. */
  notices: string[];
}

/** One run of the throughput pipeline on fresh output and checkpoint folders. */
export async function runThroughputOnce(p: ThroughputPaths, checkpoint: boolean, expectedRows: number): Promise<ThroughputRun> {
  rmSync(p.out, { recursive: true, force: true });
  rmSync(p.ckpt, { recursive: true, force: true });
  const plan = await planPipeline(throughputPipeline(p, checkpoint).toPlan());
  const regions = plan.regions.map((r) => `${r.name}: ${r.steps.map((s) => s.fused.join("+")).join(", ")}`);
  const samples: { t: number; rows: number }[] = [{ t: 0, rows: 0 }];
  const sinkStep = plan.sink!.step.name;
  const sinkRows = (pr: RunProgress): number => pr.steps.find((s) => s.step === sinkStep)?.metrics.rowsIn ?? 0;
  const notices: string[] = [];
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const r = await runPlan(plan, { progressMs: 50, onProgress: (pr) => samples.push({ t: pr.elapsedMs, rows: sinkRows(pr) }), warn: (m) => notices.push(m) });
  const wallMs = performance.now() - t0;
  const cpuMs = cpuMsSince(cpu0);
  if (r.rowsOut !== expectedRows) throw new Error(`checkpoint bench (throughput): wrote ${r.rowsOut} rows, expected ${expectedRows}`);
  return {
    variant: checkpoint ? "checkpoint every 1 s" : "no checkpoints",
    rows: r.rowsOut,
    wallMs,
    rowsPerSec: (r.rowsOut / wallMs) * 1e3,
    steadyRowsPerSec: steadyRate(samples, r.rowsOut),
    cpuMs,
    checkpoints: (r.checkpoints ?? []).map((c) => checkpointStats(c.region, c.checkpoints)),
    regions,
    notices,
  };
}

// ─── (b) a slow async udf under full backpressure ───────────────────────────────────────────

export interface BackpressureConfig {
  /** Input rows; the run lasts about rows / (concurrency × maxRows / callMs) seconds. */
  rows: number;
  /** Mean call time, ms. */
  callMs: number;
  /** Each call takes callMs ± up to this (uniform, seeded), so calls do not finish in lockstep with the checkpoint timer. */
  jitterMs: number;
  concurrency: number;
  maxRows: number;
  /** Async capacity, rows. */
  capacity: number;
  intervalMs: number;
}

export interface BackpressureRun {
  mode: "unaligned" | "aligned";
  rows: number;
  wallMs: number;
  rowsPerSec: number;
  /** concurrency × maxRows / callMs: what the operator can do when saturated. */
  saturatedRowsPerSec: number;
  checkpoints: RegionCheckpointStats;
  /** Every checkpoint of the run, final included. */
  timings: CheckpointTiming[];
  /** Recovery notices (region restarts, skipped checkpoints): there should be none. */
  notices: string[];
}

export function writeBackpressureInput(path: string, rows: number): void {
  const lines: string[] = [];
  for (let i = 0; i < rows; i++) lines.push(JSON.stringify({ id: i, text: `request ${i}` }));
  writeFileSync(path, lines.join("\n") + "\n");
}

export async function runBackpressureOnce(dir: string, input: string, mode: "unaligned" | "aligned", c: BackpressureConfig): Promise<BackpressureRun> {
  const out = join(dir, `out-${mode}`), ckpt = join(dir, `ckpt-${mode}`);
  rmSync(out, { recursive: true, force: true });
  rmSync(ckpt, { recursive: true, force: true });
  const rnd = uniform(mode === "aligned" ? 11 : 12);
  const sleep = (ms: number) => new Promise<void>((res) => setTimeout(res, ms));
  const pipeline = read
    .jsonl(input)
    .step("udf", {
      columns: ["id"],
      output: "answer",
      returns: "f64",
      concurrency: c.concurrency,
      capacity: c.capacity,
      batch: { maxRows: c.maxRows, maxDelayMs: 10 },
      fn: async (rows: readonly { id: bigint | number }[]) => {
        await sleep(c.callMs + (rnd() * 2 - 1) * c.jitterMs);
        return rows.map((r) => Number(r.id) * 2);
      },
    })
    .options({ checkpoint: { interval: c.intervalMs, dir: ckpt, mode } })
    .write.jsonl(out);
  const plan = await planPipeline(pipeline.toPlan());
  const notices: string[] = [];
  const t0 = performance.now();
  const r = await runPlan(plan, { warn: (m) => notices.push(m) });
  const wallMs = performance.now() - t0;
  if (r.rowsOut !== c.rows) throw new Error(`checkpoint bench (backpressure, ${mode}): wrote ${r.rowsOut} rows, expected ${c.rows}`);
  const timings = r.checkpoints?.[0]?.checkpoints ?? [];
  rmSync(out, { recursive: true, force: true });
  rmSync(ckpt, { recursive: true, force: true });
  return {
    mode,
    rows: r.rowsOut,
    wallMs,
    rowsPerSec: (r.rowsOut / wallMs) * 1e3,
    saturatedRowsPerSec: ((c.concurrency * c.maxRows) / c.callMs) * 1e3,
    checkpoints: checkpointStats(r.checkpoints?.[0]?.region ?? "r1", timings),
    timings: [...timings],
    notices,
  };
}
