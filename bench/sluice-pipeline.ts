/**
 * The sluice side of the application benchmarks, in one function: image files → preprocess →
 * inference → classify → Parquet, returning the rows written, the wall time and the executor's
 * per-step busy time.
 *
 * SEAM: today this wires the hand-built `imageClassificationJob`. When the planner and the
 * DataFrame API land, replace the body of `runSluicePipeline` with the planned equivalent
 * (read images → preprocess → infer → classify → write Parquet) and keep its signature; the
 * pipeline and memory benchmarks and their test call nothing else on the sluice side.
 */

import { performance } from "node:perf_hooks";
import { imageClassificationJob } from "../runtime/pipelines/image-classification.js";
import type { BenchModel } from "./bench-model.js";

export interface SluicePipelineOptions {
  /** Image files (the source reads them in sorted path order). */
  files: readonly string[];
  model: BenchModel;
  /** Output folder for the Parquet part files. */
  output: string;
  /** JSONL dead-letter file. */
  deadLetters: string;
  /** Rows per source batch and per inference micro-batch. Default 16. */
  batchRows?: number;
  /** Called every `progressEveryMs` with the rows written so far. */
  onProgress?: (rowsWritten: number) => void;
  progressEveryMs?: number;
}

/** One executor step's share of a run. */
export interface SluiceStepTime {
  step: string;
  /** The task (region) the step runs in: steps of different regions overlap in time. */
  region: string;
  rowsIn: number;
  /** Time inside the step's batch processing, downstream time excluded (executor metrics). */
  busyMs: number;
  backend: string;
}

export interface SluicePipelineResult {
  rows: number;
  deadLettered: number;
  /** `job.run()` from start to committed output; model load and warm-up excluded. */
  wallMs: number;
  /** Building the job: model load and warm-up, kernel dispatcher. */
  setupMs: number;
  steps: SluiceStepTime[];
  /** Which code path ran, for reports. */
  via: string;
}

/** Runs the sluice image-classification pipeline once over `files`. */
export async function runSluicePipeline(o: SluicePipelineOptions): Promise<SluicePipelineResult> {
  const setup0 = performance.now();
  const p = await imageClassificationJob({
    images: [...o.files],
    model: o.model.source,
    modelInput: o.model.input,
    modelOutput: o.model.output,
    labels: o.model.labels,
    modelOutputsProbabilities: o.model.outputsProbabilities,
    output: o.output,
    deadLetters: o.deadLetters,
    batchRows: o.batchRows ?? 16,
  });
  const setupMs = performance.now() - setup0;
  const timer = o.onProgress ? setInterval(() => o.onProgress!(p.job.steps.get("parquet")?.rowsIn ?? 0), o.progressEveryMs ?? 250) : undefined;
  try {
    const result = await p.job.run();
    const steps = p.steps.map(({ step, region }) => {
      const m = result.steps.get(step)!;
      return { step, region, rowsIn: m.rowsIn, busyMs: m.busyMs, backend: m.backend ?? "—" };
    });
    return {
      rows: result.steps.get("parquet")!.rowsIn,
      deadLettered: result.deadLettered,
      wallMs: result.wallMs,
      setupMs,
      steps,
      via: "imageClassificationJob (runtime/pipelines/image-classification.ts)",
    };
  } finally {
    if (timer) clearInterval(timer);
    await p.close();
  }
}
