/**
 * A tiny seeded text embedder for the embed built-in: token ids and attention mask, int64
 * `[N, L]` (both dims dynamic) → Gather from an embedding table → mean over the unmasked tokens →
 * `embeddings [N, D]` float32. Not L2-normalized: the embed built-in does that, so any ONNX
 * embedder fits the same path.
 */

import { elemTypeCode, encodeModel, floats, int64s } from "./onnx-graph.js";
import { normalArray } from "./seeded-random.js";

export interface TextEmbedderOptions {
  /** Rows of the embedding table; token ids must be below it. Default 1024. */
  vocabSize?: number;
  /** Embedding width D. Default 32. */
  dim?: number;
  /** Table seed. Default 3. */
  seed?: number;
}

export const TEXT_EMBEDDER_IDS = "input_ids";
export const TEXT_EMBEDDER_MASK = "attention_mask";
export const TEXT_EMBEDDER_OUTPUT = "embeddings";

/** Builds the embedder's ONNX bytes. Same options, same bytes. */
export function buildTextEmbedder(opts: TextEmbedderOptions = {}): Uint8Array {
  const { vocabSize = 1024, dim = 32, seed = 3 } = opts;
  return encodeModel({
    name: "sluice_text_embedder",
    doc: `mean-pooled token embeddings, vocab ${vocabSize}, dim ${dim}, seed ${seed}`,
    inputs: [
      { name: TEXT_EMBEDDER_IDS, type: "int64", shape: ["N", "L"] },
      { name: TEXT_EMBEDDER_MASK, type: "int64", shape: ["N", "L"] },
    ],
    outputs: [{ name: TEXT_EMBEDDER_OUTPUT, type: "float32", shape: ["N", dim] }],
    initializers: {
      table: floats([vocabSize, dim], normalArray(vocabSize * dim, 1, seed)),
      axis_tokens: int64s([1]),
      axis_last: int64s([2]),
      // Rows with no unmasked token divide by this instead of 0 and embed to zeros.
      min_count: floats([1], Float32Array.of(1e-9)),
    },
    nodes: [
      { op: "Gather", inputs: ["table", TEXT_EMBEDDER_IDS], outputs: ["tokens"], attrs: { axis: 0 } }, // [N,L,D]
      { op: "Cast", inputs: [TEXT_EMBEDDER_MASK], outputs: ["mask"], attrs: { to: elemTypeCode("float32") } }, // [N,L]
      { op: "Unsqueeze", inputs: ["mask", "axis_last"], outputs: ["mask3"] }, // [N,L,1]
      { op: "Mul", inputs: ["tokens", "mask3"], outputs: ["masked"] },
      { op: "ReduceSum", inputs: ["masked", "axis_tokens"], outputs: ["summed"], attrs: { keepdims: 0 } }, // [N,D]
      { op: "ReduceSum", inputs: ["mask", "axis_tokens"], outputs: ["count"], attrs: { keepdims: 1 } }, // [N,1]
      { op: "Max", inputs: ["count", "min_count"], outputs: ["count_safe"] },
      { op: "Div", inputs: ["summed", "count_safe"], outputs: [TEXT_EMBEDDER_OUTPUT] },
    ],
  });
}
