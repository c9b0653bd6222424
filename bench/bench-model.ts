/**
 * The image model the application benchmarks run: the real SqueezeNet from `../shared/models`
 * when that folder is there (real compute, meaningless weights), else the small generated
 * classifier, so the benchmarks run anywhere. The report always says which.
 */

import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { buildImageClassifier, IMAGE_CLASSIFIER_INPUT, IMAGE_CLASSIFIER_LABELS, IMAGE_CLASSIFIER_OUTPUT, loadModel } from "../scheduler/models/index.js";

export interface BenchModel {
  /** A file path, or the bytes of a generated model. */
  source: string | Uint8Array;
  description: string;
  input: string;
  output: string;
  /** One label per class, in output order. */
  labels: readonly string[];
  /** The model's batch dim as declared: a number when fixed, else the symbol. */
  batch: string;
  /** The model's last op is a Softmax, so its output is probabilities already. */
  outputsProbabilities: boolean;
}

/** The repository root: the nearest folder above this module with a package.json (works from `bench/` and `dist/bench/`). */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, "package.json")) && existsSync(join(dir, "bench"))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error("bench: cannot find the repository root");
    dir = up;
  }
}

/** `../shared/models/light_squeezenet.onnx` next to the repository, or undefined when absent. */
export function sharedSqueezenet(): string | undefined {
  const path = resolve(repoRoot(), "..", "shared", "models", "light_squeezenet.onnx");
  return existsSync(path) ? path : undefined;
}

const GENERATED = "generated image classifier (buildImageClassifier: 2 convs → 10 classes)";

/** The small generated classifier (dynamic batch), whose top-1 classes depend on the pixels. */
export function generatedBenchModel(): BenchModel {
  return {
    source: buildImageClassifier(),
    description: GENERATED,
    input: IMAGE_CLASSIFIER_INPUT,
    output: IMAGE_CLASSIFIER_OUTPUT,
    labels: IMAGE_CLASSIFIER_LABELS,
    batch: "N",
    outputsProbabilities: true,
  };
}

/**
 * Picks the model (an explicit file wins, then the shared SqueezeNet, then the generated
 * classifier) and reads a file's first input and output names and batch dim from onnxruntime,
 * so any `[N,3,224,224] → [N,classes…]` classifier file works.
 */
export async function resolveBenchModel(file?: string): Promise<BenchModel> {
  const path = file ?? sharedSqueezenet();
  if (path === undefined) return { ...generatedBenchModel(), description: `${GENERATED}; ../shared/models not found` };
  const m = await loadModel(readFileSync(path), { runtime: "node", threads: 1, name: path });
  try {
    const input = m.inputs[0]!, output = m.outputs[0]!;
    const classes = output.shape.slice(1).reduce<number>((a, d) => a * (typeof d === "number" ? d : 1), 1);
    return {
      source: path,
      description: file ? `${file} (given with --model)` : "light_squeezenet.onnx from ../shared/models (SqueezeNet 1.0 compute, constant weights)",
      input: input.name,
      output: output.name,
      labels: Array.from({ length: classes }, (_, i) => `class_${i}`),
      batch: String(input.shape[0] ?? "?"),
      // The shared models end in Softmax; a file given with --model is assumed to as well.
      outputsProbabilities: true,
    };
  } finally {
    await m.close();
  }
}
