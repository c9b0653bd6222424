/**
 * `sluice bench batching`: a tiny MLP (64→256→10, dynamic batch dim) on onnxruntime-node, to
 * see what batching buys and what sluice's inference operator costs on top of onnxruntime:
 *   (a) sluice's operator at 64 rows per call vs one raw `session.run` per record (goal ≥ 5×);
 *   (b) sluice's operator vs a raw `session.run` loop at the same 64 rows per call (overhead ≤ 10%);
 * plus a sweep of batch sizes for both. Every pair is timed interleaved in the same process.
 */

import { availableParallelism, cpus, loadavg } from "node:os";
import type { RecordBatch } from "apache-arrow";
import type { Batch } from "../runtime/api/stream.js";
import { fixedShapeTensorColumn, recordBatchFromColumns } from "../runtime/types/index.js";
import { buildMlp, loadModel, MLP_INPUT, MLP_OUTPUT, type ModelRuntime } from "../scheduler/models/index.js";
import { uniform } from "../scheduler/models/seeded-random.js";
import { compare, type MeasureOptions, type Sample } from "./harness.js";
import { atLeast, atMost, type BenchTarget } from "./bench-target.js";
import { inferOpInference } from "./infer-op-inference.js";

const FEATURES = 64;
const CLASSES = 10;

/** What the benchmark drives on the sluice side: Arrow batches in, rows out. */
export interface SluiceInference {
  /** Which operator this is, for the report. */
  readonly which: string;
  /** Pushes every batch through the operator (flushing at the end); resolves with the rows it emitted. */
  run(batches: readonly Batch[]): Promise<number>;
  close(): Promise<void>;
}

/**
 * SEAM: the sluice inference step under test, driven the way the executor drives it (open, then
 * processBatch per batch with an emit that counts rows): the `infer` op of
 * runtime/plan/ops/model-ops.ts, planned on the loaded model against `sample`'s schema (see
 * `infer-op-inference.ts`).
 */
export async function sluiceInference(model: ModelRuntime, maxBatch: number, sample: Batch): Promise<SluiceInference> {
  return inferOpInference(model, sample.schema, { column: "x", maxRows: maxBatch });
}

export interface BatchingBenchOptions {
  quick?: boolean;
  /** Records per timed run. Default 4096 (1024 with `quick`). */
  records?: number;
  /**
   * onnxruntime intra-op threads, both sides. Default 1: a 64×256 matmul gains nothing from a
   * second thread, and on a busy machine the handoff to it makes call times swing by 2× or
   * more, burying the per-call overhead this benchmark is about.
   */
  threads?: number;
  progress?: (message: string) => void;
}

export interface BatchingSweepRow {
  batch: number;
  sluice: Sample;
  raw: Sample;
  sluiceRowsPerSec: number;
  rawRowsPerSec: number;
  /** sluice time / raw time − 1. */
  overhead: number;
}

export interface BatchingBenchReport {
  benchmark: "batching";
  date: string;
  machine: { cpus: number; cpuModel: string; node: string; /** 1-minute load average at the end: other processes on the cores make wall times noisy. */ loadAvg: number };
  model: string;
  operator: string;
  records: number;
  threads: number;
  perRecord: { sample: Sample; rowsPerSec: number };
  sweep: BatchingSweepRow[];
  targets: BenchTarget[];
}

type Ort = typeof import("onnxruntime-node");

/** One raw `session.run` per `batch` rows over `x`, outputs copied into one array (as any caller keeping them would). */
function rawLoop(ort: Ort, session: import("onnxruntime-node").InferenceSession, x: Float32Array, records: number, batch: number): () => Promise<Float32Array> {
  return async () => {
    const out = new Float32Array(records * CLASSES);
    for (let r = 0; r < records; r += batch) {
      const n = Math.min(batch, records - r);
      const t = new ort.Tensor("float32", x.subarray(r * FEATURES, (r + n) * FEATURES), [n, FEATURES]);
      const res = await session.run({ [MLP_INPUT]: t });
      out.set(res[MLP_OUTPUT]!.data as Float32Array, r * CLASSES);
    }
    return out;
  };
}

/** `records` rows as Arrow batches of `rows` rows: what an upstream step would hand the operator. */
function arrowBatches(x: Float32Array, records: number, rows: number): RecordBatch[] {
  const out: RecordBatch[] = [];
  for (let r = 0; r < records; r += rows) {
    const n = Math.min(rows, records - r);
    const data = x.slice(r * FEATURES, (r + n) * FEATURES);
    out.push(recordBatchFromColumns([fixedShapeTensorColumn("x", { dtype: "f32", shape: [n, FEATURES], data })]));
  }
  return out;
}

export async function runBatchingBench(o: BatchingBenchOptions = {}): Promise<BatchingBenchReport> {
  const say = o.progress ?? (() => {});
  const records = o.records ?? (o.quick ? 1024 : 4096);
  const mopts: MeasureOptions = o.quick ? { warmup: 2, minRuns: 5, minTimeMs: 150 } : { warmup: 3, minRuns: 15, minTimeMs: 600 };
  const threads = o.threads ?? 1;
  const bytes = buildMlp({ inputSize: FEATURES, hidden: 256, classes: CLASSES });
  const model = await loadModel(bytes, { runtime: "node", threads, name: "mlp 64→256→10", warmUp: [1, 64] });
  const ort = await import("onnxruntime-node");
  // The same session options as sluice's loader, so the comparison is of the calling code only.
  const session = await ort.InferenceSession.create(bytes, {
    executionProviders: ["cpu"], intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: "sequential", graphOptimizationLevel: "all",
  });
  const rnd = uniform(42);
  const x = Float32Array.from({ length: records * FEATURES }, () => rnd() * 2 - 1);
  try {
    const sizes = o.quick ? [1, 64] : [1, 8, 64, 256];
    const sweep: BatchingSweepRow[] = [];
    let which = "";
    for (const batch of sizes) {
      say(`batch ${batch}: sluice operator vs raw session.run loop (${records} records)`);
      const input = arrowBatches(x, records, batch);
      const infer = await sluiceInference(model, batch, input[0]!);
      which = infer.which;
      const ours = async () => {
        const n = await infer.run(input);
        if (n !== records) throw new Error(`operator emitted ${n} rows for ${records}`);
      };
      const r = await compare(ours, rawLoop(ort, session, x, records, batch), mopts);
      await infer.close();
      sweep.push({
        batch, sluice: r.ours, raw: r.peer,
        sluiceRowsPerSec: (records / r.ours.medianMs) * 1e3, rawRowsPerSec: (records / r.peer.medianMs) * 1e3,
        overhead: r.ours.medianMs / r.peer.medianMs - 1,
      });
    }
    say(`dynamic batching: sluice operator at 64 rows/call vs one raw session.run per record`);
    const input64 = arrowBatches(x, records, 64);
    const at64 = await sluiceInference(model, 64, input64[0]!);
    const a = await compare(() => at64.run(input64), rawLoop(ort, session, x, records, 1), mopts);
    await at64.close();
    const speedup = a.speedup;
    const b = sweep.find((s) => s.batch === 64)!;
    const targets: BenchTarget[] = [
      atLeast(
        "dynamic batching (64/call) through sluice's operator vs one session.run per record", speedup, 5, "×",
        `sluice ${(records / a.ours.medianMs).toFixed(0)}k rows/s, per-record ${(records / a.peer.medianMs).toFixed(1)}k rows/s`,
      ),
      atMost(
        "sluice's operator vs raw session.run loop, 64 rows/call: overhead", b.overhead * 100, 10, "%",
        `sluice ${b.sluice.medianMs.toFixed(2)} ms, raw ${b.raw.medianMs.toFixed(2)} ms per ${records} rows`,
      ),
    ];
    return {
      benchmark: "batching",
      date: new Date().toISOString(),
      machine: { cpus: availableParallelism(), cpuModel: cpus()[0]?.model ?? "?", node: process.version, loadAvg: loadavg()[0]! },
      model: "MLP 64→256→10 (buildMlp), dynamic batch dim, onnxruntime-node",
      operator: which,
      records,
      threads,
      perRecord: { sample: a.peer, rowsPerSec: (records / a.peer.medianMs) * 1e3 },
      sweep,
      targets,
    };
  } finally {
    await session.release();
    await model.close();
  }
}
