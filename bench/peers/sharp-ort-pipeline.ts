/**
 * The peer of `sluice bench pipeline`: the same job written by hand the way a competent Node
 * developer would — sharp reads, decodes (with JPEG shrink-on-load, sharp's default) and resizes
 * to 224×224 raw RGB; a JS loop normalizes to f32 CHW; onnxruntime-node runs the model; a pool
 * of promises keeps several images in flight so decoding overlaps inference; apache-arrow and
 * parquet-wasm write the predictions. Nothing from sluice's runtime is used.
 *
 * Same model, same thread settings for onnxruntime as sluice's loader (intra-op threads = cores),
 * sharp's own concurrency untouched, and the same output columns: path, class, score, label.
 */

import { writeFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { performance } from "node:perf_hooks";
import { Table, Utf8, makeVector, tableToIPC, vectorFromArray } from "apache-arrow";
import sharp from "sharp";
import { normalizeHwcToChw } from "./plain-js-kernels.js";

export interface SharpOrtPipelineOptions {
  /** Image files, in the order rows are written. */
  files: readonly string[];
  /** ONNX model: path or bytes. Input `[N,3,H,W]` f32, first output: class probabilities. */
  model: string | Uint8Array;
  labels: readonly string[];
  /** Parquet file to write. */
  output: string;
  /** [height, width]. Default 224×224. */
  size?: readonly [number, number];
  mean?: readonly number[];
  std?: readonly number[];
  /** Images being read/decoded at once. Default max(4, 2 × cores): enough to keep libuv's pool busy. */
  concurrency?: number;
  /** Rows per `session.run` when the model's batch dim is dynamic. Default 16 (sluice's default too). */
  maxBatch?: number;
  /** onnxruntime intra-op threads. Default: available parallelism. */
  threads?: number;
}

/** Wall-clock time during which each stage had work in flight (stages overlap, so these add up to more than the wall). */
export interface PeerStageTimes {
  decodeResizeMs: number;
  normalizeMs: number;
  inferenceMs: number;
  writeMs: number;
}

export interface SharpOrtPipelineResult {
  rows: number;
  /** Time from the first read to the Parquet file on disk (session creation and warm-up excluded). */
  wallMs: number;
  /** Session creation and warm-up. */
  setupMs: number;
  stages: PeerStageTimes;
  /** Rows per `session.run` call. */
  batch: number;
}

/** Accumulates the time during which at least one operation of a stage is in flight. */
class StageClock {
  ms = 0;
  private active = 0;
  private since = 0;
  enter(): void {
    if (this.active++ === 0) this.since = performance.now();
  }
  exit(): void {
    if (--this.active === 0) this.ms += performance.now() - this.since;
  }
}

/** Resolves every waiter on `notify`: the hand-rolled condition variable of the peer's two loops. */
class Signal {
  private waiters: (() => void)[] = [];
  wait(): Promise<void> {
    return new Promise((r) => this.waiters.push(r));
  }
  notify(): void {
    const w = this.waiters;
    this.waiters = [];
    w.forEach((r) => r());
  }
}

const IMAGENET_MEAN = [0.485, 0.456, 0.406], IMAGENET_STD = [0.229, 0.224, 0.225];

/** Runs the hand-written pipeline once: creates the session, warms it up, then processes `files`. */
export async function runSharpOrtPipeline(o: SharpOrtPipelineOptions): Promise<SharpOrtPipelineResult> {
  const [h, w] = o.size ?? [224, 224];
  const mean = o.mean ?? IMAGENET_MEAN, std = o.std ?? IMAGENET_STD;
  const plane = h * w, frame = 3 * plane;
  const setup0 = performance.now();
  const ort = await import("onnxruntime-node");
  const session = typeof o.model === "string" ? await ort.InferenceSession.create(o.model, sessionOptions(o)) : await ort.InferenceSession.create(o.model, sessionOptions(o));
  const inputMeta = session.inputMetadata[0]!, outputName = session.outputNames[0]!;
  const inputName = inputMeta.name;
  const dim0 = inputMeta.isTensor ? inputMeta.shape[0] : undefined;
  const fixedBatch = typeof dim0 === "number" ? dim0 : undefined;
  const batch = fixedBatch ?? o.maxBatch ?? 16;
  await session.run({ [inputName]: new ort.Tensor("float32", new Float32Array(batch * frame), [batch, 3, h, w]) });
  const setupMs = performance.now() - setup0;

  const t0 = performance.now();
  const decode = new StageClock(), normalize = new StageClock(), infer = new StageClock(), write = new StageClock();
  const n = o.files.length;
  const classes = new Int32Array(n), scores = new Float32Array(n);
  const ready: { index: number; chw: Float32Array }[] = [];
  const changed = new Signal();
  let next = 0, producing = 0;
  let failure: unknown;

  // Producers: each takes the next file, decodes and normalizes it, and queues it for inference,
  // waiting while the queue already holds a few batches (bounded memory, like any sane pipeline).
  const producer = async (): Promise<void> => {
    producing++;
    try {
      while (next < n && failure === undefined) {
        const index = next++;
        decode.enter();
        let rgb: Buffer;
        try {
          rgb = await sharp(o.files[index]!).removeAlpha().resize(w, h, { fit: "fill", kernel: "linear" }).raw().toBuffer();
        } finally {
          decode.exit();
        }
        normalize.enter();
        const chw = normalizeHwcToChw(rgb, plane, mean, std);
        normalize.exit();
        while (ready.length >= 4 * batch && failure === undefined) await changed.wait();
        ready.push({ index, chw });
        changed.notify();
      }
    } catch (err) {
      failure ??= err;
    } finally {
      producing--;
      changed.notify();
    }
  };

  // One consumer: one model call at a time, as many ready rows as the batch dim allows.
  const consumer = async (): Promise<void> => {
    for (;;) {
      if (failure !== undefined) return;
      if (ready.length === 0) {
        if (producing === 0 && next >= n) return;
        await changed.wait();
        continue;
      }
      const take = ready.splice(0, batch);
      changed.notify();
      const rows = fixedBatch ?? take.length;
      const input = new Float32Array(rows * frame);
      take.forEach((t, i) => input.set(t.chw, i * frame));
      infer.enter();
      let probs: Float32Array;
      try {
        const out = await session.run({ [inputName]: new ort.Tensor("float32", input, [rows, 3, h, w]) });
        probs = out[outputName]!.data as Float32Array;
      } finally {
        infer.exit();
      }
      const k = probs.length / rows;
      take.forEach((t, r) => {
        let best = 0;
        for (let c = 1; c < k; c++) if (probs[r * k + c]! > probs[r * k + best]!) best = c;
        classes[t.index] = best;
        scores[t.index] = probs[r * k + best]!;
      });
    }
  };

  const concurrency = o.concurrency ?? Math.max(4, 2 * availableParallelism());
  try {
    await Promise.all([...Array.from({ length: Math.min(concurrency, n) }, producer), consumer()]);
    if (failure !== undefined) throw failure;
    write.enter();
    const table = new Table({
      path: vectorFromArray([...o.files], new Utf8()),
      class: makeVector(classes),
      score: makeVector(scores),
      label: vectorFromArray(Array.from(classes, (c) => o.labels[c] ?? String(c)), new Utf8()),
    });
    const pw = await import("parquet-wasm");
    const props = new pw.WriterPropertiesBuilder().setCompression(pw.Compression.SNAPPY).build();
    await writeFile(o.output, pw.writeParquet(pw.Table.fromIPCStream(tableToIPC(table, "stream")), props));
    write.exit();
  } finally {
    await session.release();
  }
  return {
    rows: n,
    wallMs: performance.now() - t0,
    setupMs,
    batch,
    stages: { decodeResizeMs: decode.ms, normalizeMs: normalize.ms, inferenceMs: infer.ms, writeMs: write.ms },
  };
}

function sessionOptions(o: SharpOrtPipelineOptions) {
  return {
    executionProviders: ["cpu"],
    intraOpNumThreads: o.threads ?? availableParallelism(),
    graphOptimizationLevel: "all" as const,
    logSeverityLevel: 3 as const,
  };
}
