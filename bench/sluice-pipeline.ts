/**
 * The sluice side of the application benchmarks, in one function: image files → preprocess →
 * inference → classify → Parquet, returning the rows written, the wall time and the executor's
 * per-step busy time.
 *
 * It is written with the DataFrame API and run by the planner, exactly as a user's pipeline
 * would be; the pipeline and memory benchmarks and their test call nothing else on the sluice
 * side.
 */

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { col, fn, read } from "../runtime/dataframe/index.js";
import { planPipeline } from "../runtime/plan/planner.js";
import { runPlan } from "../runtime/plan/run-plan.js";
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

/** The pipeline as a user would write it with the DataFrame API. */
function pipeline(o: SluicePipelineOptions, modelPath: string) {
  const batchRows = o.batchRows ?? 16;
  return read
    .images([...o.files])
    .withColumn("image", fn.normalize(fn.resize(fn.decode(col("image")), { size: [224, 224] })))
    .infer(modelPath, { inputs: { [o.model.input]: "image" }, outputs: { [o.model.output]: "scores" }, batch: { maxRows: batchRows } })
    // Convolutional heads emit [classes, 1, 1]; a reshape is a view, not a copy.
    .withColumn("scores", fn.reshape(col("scores"), { shape: [-1] }))
    .withColumn("class", fn.argmax(col("scores")))
    .step("classify", { column: "scores", labels: [...o.model.labels], softmax: !o.model.outputsProbabilities })
    .select("path", "class", "score", "label")
    .options({ batchRows, deadLetters: { path: o.deadLetters, format: "jsonl" } })
    .write.parquet(o.output);
}

/** Runs the sluice image-classification pipeline once over `files`. */
export async function runSluicePipeline(o: SluicePipelineOptions): Promise<SluicePipelineResult> {
  const setup0 = performance.now();
  let modelPath: string;
  if (typeof o.model.source === "string") modelPath = o.model.source;
  else {
    modelPath = join(mkdtempSync(join(tmpdir(), "sluice-bench-model-")), "model.onnx");
    writeFileSync(modelPath, o.model.source);
  }
  const plan = await planPipeline(pipeline(o, modelPath).toPlan());
  const setupMs = performance.now() - setup0;
  const result = await runPlan(plan, {
    progressMs: o.progressEveryMs ?? 250,
    onProgress: o.onProgress ? (p) => o.onProgress!(p.steps.find((s) => s.step === "parquet")?.metrics.rowsIn ?? 0) : undefined,
  });
  const steps = result.steps.map(({ step, region, metrics: m }) => ({ step, region, rowsIn: m.rowsIn, busyMs: m.busyMs, backend: m.backend ?? "—" }));
  return { rows: result.rowsOut, deadLettered: result.deadLettered, wallMs: result.wallMs, setupMs, steps, via: "DataFrame API → planner (runtime/plan), decode+resize+normalize fused" };
}
