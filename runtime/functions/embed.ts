/**
 * The embed built-in: texts → tokenizer feeds → an ONNX text model → `[N, D]` f32 embeddings,
 * L2-normalized (kernel lpNormalize) so a dot product is the cosine similarity. Models that
 * return token states `[N, L, D]` are pooled over the attention mask (mean, or the `[CLS]` row).
 */

import { tensor, type Tensor } from "../../kernels/tensor.js";
import { ModelError } from "../api/runtime-errors.js";
import { runKernel, type KernelOptions } from "./kernel-runner.js";
import type { BatchEncoding, EncodeOptions } from "./wordpiece-tokenizer.js";

/**
 * The part of a model runtime embed needs; `ModelRuntime` from scheduler/models fits it. When
 * `inputs` is there, exactly the inputs the model declares are fed.
 */
export interface EmbeddingModel {
  readonly inputs?: readonly { readonly name: string }[];
  run(feeds: Readonly<Record<string, Tensor>>): Promise<Readonly<Record<string, Tensor>>>;
}

/** What embed needs from a tokenizer; `WordPieceTokenizer` fits it. */
export interface BatchTokenizer {
  encodeBatch(texts: readonly string[], options?: EncodeOptions): BatchEncoding;
}

export interface EmbedOptions extends KernelOptions {
  readonly model: EmbeddingModel;
  readonly tokenizer: BatchTokenizer;
  /** Passed to the tokenizer. */
  readonly maxLength?: number;
  /** `max_length` for models with a fixed sequence dim. Default `longest`. */
  readonly padding?: "longest" | "max_length";
  /** Model input names. Defaults `input_ids`, `attention_mask`, `token_type_ids`. */
  readonly inputNames?: { readonly ids?: string; readonly mask?: string; readonly tokenTypes?: string };
  /** The output holding embeddings or token states; default the model's only output. */
  readonly outputName?: string;
  /** For `[N, L, D]` outputs. Default `mean` (over unmasked tokens). */
  readonly pooling?: "mean" | "cls";
  /** L2-normalize rows. Default true. */
  readonly normalize?: boolean;
}

/** Embeds texts into `[N, D]` f32 rows (unit length unless `normalize: false`). */
export async function embedTexts(texts: readonly string[], options: EmbedOptions): Promise<Tensor<"f32">> {
  if (texts.length === 0) return tensor("f32", [0, 0]);
  const enc = options.tokenizer.encodeBatch(texts, { maxLength: options.maxLength, padding: options.padding ?? "longest" });
  const names = { ids: "input_ids", mask: "attention_mask", tokenTypes: "token_type_ids", ...options.inputNames };
  const available: Record<string, Tensor> = { [names.ids]: enc.inputIds, [names.mask]: enc.attentionMask, [names.tokenTypes]: enc.tokenTypeIds };
  const wanted = options.model.inputs?.map((i) => i.name) ?? [names.ids, names.mask];
  const feeds: Record<string, Tensor> = {};
  for (const name of wanted) {
    const t = available[name];
    if (!t) throw new ModelError(`embed: the model wants input '${name}', but the tokenizer makes only ${Object.keys(available).map((k) => `'${k}'`).join(", ")} (set inputNames)`, { step: "embed" });
    feeds[name] = t;
  }
  const outputs = await options.model.run(feeds);
  const out = pickOutput(outputs, options.outputName);
  const pooled = pool(out, enc.attentionMask, options.pooling ?? "mean", texts.length);
  if (options.normalize === false) return pooled;
  return (await runKernel("embed", "lpNormalize", [pooled], { axis: -1 }, options))[0] as Tensor<"f32">;
}

/** Embeds one text: `[D]`. */
export async function embedText(text: string, options: EmbedOptions): Promise<Tensor<"f32">> {
  const rows = await embedTexts([text], options);
  return tensor("f32", [rows.shape[1]!], rows.data);
}

function pickOutput(outputs: Readonly<Record<string, Tensor>>, name: string | undefined): Tensor {
  const names = Object.keys(outputs);
  if (name !== undefined) {
    const t = outputs[name];
    if (!t) throw new ModelError(`embed: the model has no output '${name}' (it has ${names.map((n) => `'${n}'`).join(", ")})`, { step: "embed" });
    return t;
  }
  if (names.length !== 1) throw new ModelError(`embed: the model has ${names.length} outputs (${names.map((n) => `'${n}'`).join(", ")}); say which with outputName`, { step: "embed" });
  return outputs[names[0]!]!;
}

/** `[N, D]` as is; `[N, L, D]` pooled over the mask; anything else is an error naming the shape. */
function pool(out: Tensor, mask: Tensor<"i32">, pooling: "mean" | "cls", n: number): Tensor<"f32"> {
  if (out.dtype !== "f32") throw new ModelError(`embed: model output is ${out.dtype}, expected f32`, { step: "embed" });
  const data = out.data as Float32Array;
  if (out.shape.length === 2 && out.shape[0] === n) return out as Tensor<"f32">;
  const [rows, len, dim] = out.shape as [number, number, number];
  if (out.shape.length !== 3 || rows !== n || len !== mask.shape[1]) {
    throw new ModelError(`embed: model output [${out.shape.join(",")}] is neither [${n}, D] embeddings nor [${n}, ${mask.shape[1]}, D] token states`, { step: "embed" });
  }
  const pooled = new Float32Array(n * dim);
  for (let r = 0; r < n; r++) {
    const dst = pooled.subarray(r * dim, (r + 1) * dim);
    if (pooling === "cls") {
      dst.set(data.subarray(r * len * dim, r * len * dim + dim));
      continue;
    }
    let count = 0;
    for (let l = 0; l < len; l++) {
      if (mask.data[r * len + l] === 0) continue;
      count++;
      const src = data.subarray((r * len + l) * dim, (r * len + l + 1) * dim);
      for (let d = 0; d < dim; d++) dst[d] = dst[d]! + src[d]!;
    }
    if (count > 0) for (let d = 0; d < dim; d++) dst[d] = dst[d]! / count;
  }
  return tensor("f32", [n, dim], pooled);
}
