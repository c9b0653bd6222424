/**
 * A quick local measurement (not a test, not a target check): the `infer` op's time vs a raw
 * onnxruntime-node `session.run` loop at the same rows per call, on the batching benchmark's
 * tiny MLP (64→256→10), timed interleaved. Prints the overhead in percent, by wall time and by
 * the process's CPU time — the latter holds up on a loaded machine when onnxruntime runs on one
 * thread (`threads` 1: it computes on the calling thread, so CPU time is this run's work alone).
 * On a busy machine also pass `--single-threaded-gc` to node: V8's parallel scavenges wait for
 * helper threads that the OS may not schedule, which inflates the wall time of whichever side
 * allocates more.
 *
 *   npx tsc -p tsconfig.json --outDir /tmp/sluice-out && ln -sfn "$PWD/node_modules" /tmp/sluice-out/node_modules \
 *     && node --single-threaded-gc /tmp/sluice-out/bench/infer-overhead.js [records] [rowsPerCall] [threads]
 */

import { availableParallelism } from "node:os";
import type { Batch } from "../runtime/api/stream.js";
import { fixedShapeTensorColumn, recordBatchFromColumns } from "../runtime/types/index.js";
import { buildMlp, loadModel, MLP_INPUT, MLP_OUTPUT } from "../scheduler/models/index.js";
import { uniform } from "../scheduler/models/seeded-random.js";
import { compare } from "./harness.js";
import { inferOpInference } from "./infer-op-inference.js";

const FEATURES = 64;
const CLASSES = 10;

export interface InferOverhead {
  which: string;
  /** Medians per run, wall time. */
  oursMs: number;
  rawMs: number;
  overheadPct: number;
  /** Medians per run, process CPU time (user + system). */
  oursCpuMs: number;
  rawCpuMs: number;
  cpuOverheadPct: number;
}

export async function inferOverhead(records = 4096, batch = 64, threads = availableParallelism()): Promise<InferOverhead> {
  const bytes = buildMlp({ inputSize: FEATURES, hidden: 256, classes: CLASSES });
  const model = await loadModel(bytes, { runtime: "node", threads, name: "mlp", warmUp: [batch] });
  const ort = await import("onnxruntime-node");
  const session = await ort.InferenceSession.create(bytes, {
    executionProviders: ["cpu"], intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: "sequential", graphOptimizationLevel: "all",
  });
  const rnd = uniform(42);
  const x = Float32Array.from({ length: records * FEATURES }, () => rnd() * 2 - 1);
  const batches: Batch[] = [];
  for (let r = 0; r < records; r += batch) {
    const n = Math.min(batch, records - r);
    batches.push(recordBatchFromColumns([fixedShapeTensorColumn("x", { dtype: "f32", shape: [n, FEATURES], data: x.slice(r * FEATURES, (r + n) * FEATURES) })]));
  }
  const infer = await inferOpInference(model, batches[0]!.schema, { column: "x", maxRows: batch });
  const raw = async (): Promise<void> => {
    const out = new Float32Array(records * CLASSES);
    for (let r = 0; r < records; r += batch) {
      const n = Math.min(batch, records - r);
      const res = await session.run({ [MLP_INPUT]: new ort.Tensor("float32", x.subarray(r * FEATURES, (r + n) * FEATURES), [n, FEATURES]) });
      out.set(res[MLP_OUTPUT]!.data as Float32Array, r * CLASSES);
    }
  };
  const ours = async (): Promise<void> => {
    const n = await infer.run(batches);
    if (n !== records) throw new Error(`infer emitted ${n} rows for ${records}`);
  };
  try {
    const r = await compare(ours, raw, { warmup: 3, minRuns: 15, minTimeMs: 1500 });
    const cpu = { ours: [] as number[], raw: [] as number[] };
    for (let i = 0; i < 31; i++) {
      for (const [k, f] of [["ours", ours], ["raw", raw]] as const) {
        const t0 = process.cpuUsage();
        await f();
        const d = process.cpuUsage(t0);
        cpu[k].push((d.user + d.system) / 1000);
      }
    }
    const median = (xs: number[]): number => xs.sort((a, b) => a - b)[xs.length >> 1]!;
    const oursCpuMs = median(cpu.ours), rawCpuMs = median(cpu.raw);
    return {
      which: infer.which,
      oursMs: r.ours.medianMs,
      rawMs: r.peer.medianMs,
      overheadPct: (r.ours.medianMs / r.peer.medianMs - 1) * 100,
      oursCpuMs,
      rawCpuMs,
      cpuOverheadPct: (oursCpuMs / rawCpuMs - 1) * 100,
    };
  } finally {
    await infer.close();
    await session.release();
    await model.close();
  }
}

if (process.argv[1]?.endsWith("infer-overhead.js")) {
  const [records, batch, threads] = process.argv.slice(2).map(Number);
  const r = await inferOverhead(records || undefined, batch || undefined, threads || undefined);
  console.log(r.which);
  console.log(`wall: infer op ${r.oursMs.toFixed(2)} ms, raw session.run loop ${r.rawMs.toFixed(2)} ms per run: overhead ${r.overheadPct.toFixed(1)}%`);
  console.log(`cpu:  infer op ${r.oursCpuMs.toFixed(2)} ms, raw session.run loop ${r.rawCpuMs.toFixed(2)} ms per run: overhead ${r.cpuOverheadPct.toFixed(1)}%`);
}
