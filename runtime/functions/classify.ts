/**
 * The classify built-in: class scores → (index, label, score) per row, with the labels from a
 * label file of one label per line (line i is class i, the ImageNet `synset.txt` convention).
 */

import { readFile } from "node:fs/promises";
import { SluiceError } from "../../kernels/errors.js";
import { sizeOf, type Tensor } from "../../kernels/tensor.js";
import { RecordError } from "../api/runtime-errors.js";
import type { KernelOptions } from "./kernel-runner.js";
import { softmax, topk } from "./scores.js";

export interface Classification {
  readonly index: number;
  readonly label: string;
  /** The probability when `softmax` is on, else the raw score. */
  readonly score: number;
}

export interface ClassifyOptions extends KernelOptions {
  /**
   * Apply softmax to the scores first. Default true; turn it off for models whose output already
   * is probabilities (a final Softmax node), where a second one would flatten them.
   */
  readonly softmax?: boolean;
}

/**
 * Labels from label-file text: one per line, `\n` or `\r\n`; a trailing newline does not add an
 * empty label. Blank lines inside are kept as empty labels, since dropping them would shift
 * every later class index.
 */
export function parseLabels(text: string): string[] {
  const lines = text.split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  return lines;
}

/** Reads a label file (see `parseLabels`); an empty file is an error naming the path. */
export async function readLabels(path: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    throw new SluiceError(`classify: cannot read label file ${path} (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err, step: "classify" });
  }
  const labels = parseLabels(text);
  if (labels.length === 0) throw new SluiceError(`classify: label file ${path} is empty`, { step: "classify" });
  return labels;
}

/**
 * The top class of each row of `[N, C]` scores (or of one `[C]` vector), with its label. A class
 * index the label list does not cover is an error, not an "unknown" label: it means the label
 * file does not belong to the model.
 */
export async function classify(scores: Tensor<"f32">, labels: readonly string[], options: ClassifyOptions = {}): Promise<Classification[]> {
  return (await classifyTopK(scores, labels, 1, options)).map((row) => row[0]!);
}

/** The `k` best classes of each row, best first (see `classify`). */
export async function classifyTopK(scores: Tensor<"f32">, labels: readonly string[], k: number, options: ClassifyOptions = {}): Promise<Classification[][]> {
  if (scores.shape.length !== 1 && scores.shape.length !== 2) {
    throw new RecordError(`classify: expected scores [N, C] or [C], got [${scores.shape.join(",")}]`, { step: "classify" });
  }
  const rows = scores.shape.length === 2 ? scores.shape[0]! : 1;
  const classes = scores.shape[scores.shape.length - 1]!;
  if (!Number.isInteger(k) || k < 1 || k > classes) throw new SluiceError(`classify: k must be an integer in [1, ${classes}], got ${k}`, { step: "classify" });
  if (sizeOf(scores.shape) === 0) throw new RecordError(`classify: no scores in [${scores.shape.join(",")}]`, { step: "classify" });
  const probs = options.softmax === false ? scores : await softmax(scores, options);
  const best = await topk(probs, k, options);
  const out: Classification[][] = [];
  for (let r = 0; r < rows; r++) {
    const row: Classification[] = [];
    for (let j = 0; j < k; j++) {
      const index = best.indices.data[r * k + j]!;
      const label = labels[index];
      if (label === undefined) {
        throw new SluiceError(`classify: class index ${index} has no label (the label list has ${labels.length} labels for ${classes} classes)`, { step: "classify" });
      }
      row.push({ index, label, score: best.values.data[r * k + j]! });
    }
    out.push(row);
  }
  return out;
}
