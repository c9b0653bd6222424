/**
 * The canonical pipeline, wired by hand until the planner builds it from a DataFrame or spec:
 *
 *   images folder → decode + resize + normalize → [region cut] → batched inference → classify → Parquet
 *
 * Two tasks joined by a bounded channel: CPU preprocessing runs ahead of inference until the
 * channel fills (backpressure), and inference runs as soon as a batch is ready.
 */

import { availableParallelism } from "node:os";
import { imagesSource, parquetSink } from "../../connectors/index.js";
import { loadModel, type ModelRuntime } from "../../scheduler/models/index.js";
import { KernelDispatcher } from "../../scheduler/kernel-dispatcher.js";
import { Channel } from "../executor/channel.js";
import { Job } from "../executor/job.js";
import { JsonlDeadLetters } from "../executor/jsonl-dead-letters.js";
import type { Operator } from "../executor/operator.js";
import { ClassifyOperator } from "../operators/classify-operator.js";
import { ImagePreprocessOperator } from "../operators/image-preprocess-operator.js";
import { InferenceOperator } from "../operators/inference-operator.js";

export interface ImageClassificationOptions {
  /** An images folder, glob, or list of files (anything `imagesSource` takes). */
  images: string | readonly string[];
  /** ONNX model file or bytes; input `[N,3,H,W]` f32, output class scores `[N,classes]`. */
  model: string | Uint8Array;
  modelInput: string;
  modelOutput: string;
  labels: readonly string[];
  /** The model outputs probabilities already (a final Softmax). Default true. */
  modelOutputsProbabilities?: boolean;
  output: string;
  deadLetters: string;
  size?: readonly [number, number];
  batchRows?: number;
  maxPixels?: number;
}

export interface ImageClassificationJob {
  job: Job;
  model: ModelRuntime;
  kernels: KernelDispatcher;
  /** Step names in plan order, with the region each belongs to. */
  steps: { step: string; region: string }[];
  /** Releases the model and devices. */
  close(): Promise<void>;
}

export async function imageClassificationJob(o: ImageClassificationOptions): Promise<ImageClassificationJob> {
  const size = o.size ?? [224, 224];
  const batchRows = o.batchRows ?? 16;
  const kernels = await KernelDispatcher.create({ warn: () => {} });
  const model = await loadModel(o.model, { runtime: "node", threads: Math.max(1, availableParallelism()), warmUp: [batchRows] });
  const preprocess = new ImagePreprocessOperator("preprocess", { input: "image", output: "pixels", key: "path", size, maxPixels: o.maxPixels, kernels });
  const infer = new InferenceOperator("infer", { model, inputs: { [o.modelInput]: "pixels" }, outputs: { [o.modelOutput]: "scores" }, keep: ["path"], maxBatch: batchRows });
  const classify = new ClassifyOperator("classify", { input: "scores", labels: o.labels, keep: ["path"], softmax: !(o.modelOutputsProbabilities ?? true), kernels });
  const source = imagesSource(o.images);
  // Resolve schemas through the chain before any data flows: a wrong column fails here.
  const schemas = [await source.schema()];
  for (const op of [preprocess, infer, classify] as Operator[]) schemas.push(op.outputSchema(schemas[schemas.length - 1]!));
  const channel = new Channel({ maxBatches: 4, name: "preprocess → infer" });
  const job = new Job(
    [
      { name: "cpu-region", input: { kind: "source", source, batchRows, step: "images" }, operators: [preprocess], output: { kind: "channel", channel } },
      {
        name: "inference-region",
        input: { kind: "channel", channel },
        operators: [infer, classify],
        output: { kind: "sink", sink: parquetSink(o.output), schema: schemas[schemas.length - 1]!, step: "parquet", open: { jobId: "demo", subtask: 0 } },
      },
    ],
    { deadLetters: new JsonlDeadLetters(o.deadLetters), channels: [channel] },
  );
  return {
    job,
    model,
    kernels,
    steps: [
      { step: "preprocess", region: "cpu-region" },
      { step: "infer", region: "inference-region" },
      { step: "classify", region: "inference-region" },
      { step: "parquet", region: "inference-region" },
    ],
    async close() {
      await model.close();
      kernels.destroy();
    },
  };
}
