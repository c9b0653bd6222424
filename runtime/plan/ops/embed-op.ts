/**
 * `embed`: texts → WordPiece feeds → an ONNX text model → one `sluice.embedding` vector per row,
 * L2-normalized by default (the embed built-in, on the step's kernels). The model is loaded at
 * plan time and its inputs and output are checked against what the tokenizer feeds and what an
 * embedding column needs, so a model that cannot embed is a plan error naming the step. The step
 * runs in a region of its own, like every inference step. A null text is dead-lettered.
 */

import { basename } from "node:path";
import type { Batch } from "../../api/stream.js";
import { ModelError } from "../../api/runtime-errors.js";
import { embedTexts, type EmbeddingModel } from "../../functions/embed.js";
import { ColumnMapOperator } from "../../operators/column-map-operator.js";
import { dimsToString } from "../../../scheduler/models/model-session.js";
import { runRows, type ModelIO, type ModelRuntime } from "../../../scheduler/models/index.js";
import { embeddingField, fixedShapeTensorColumn } from "../../types/index.js";
import { defineOp, type OpDefinition, type PlanContext } from "../op-definition.js";
import { placeField, textColumn } from "./tensor-column.js";
import { loadTokenizer, nonNullTexts, requireTakeable } from "./text-args.js";

interface EmbedArgs {
  column: string;
  model: string;
  vocab: string;
  maxLength?: number;
  output?: string;
  normalize?: boolean;
  outputName?: string;
  lowercase?: boolean;
}

/** What the tokenizer can feed, by the input names BERT-family models use. */
const TOKENIZER_FEEDS = ["input_ids", "attention_mask", "token_type_ids"];

/** Rows per model call: enough to amortize a call, small enough to bound a call's memory. */
const MAX_BATCH = 32;

/** How a model fits the embed step: its sequence length (when fixed), output and dimension. */
interface EmbedderShape {
  /** A fixed sequence dim of the inputs, else undefined (pad to the longest row). */
  readonly seqLength: number | undefined;
  readonly output: ModelIO;
  readonly dim: number;
}

/** Checks a loaded model's inputs and output against the tokenizer and an embedding column. */
function checkModel(model: ModelRuntime, outputName: string | undefined, ctx: PlanContext): EmbedderShape {
  const fail = (msg: string): never => {
    throw ctx.error(`model ${model.name}: ${msg}`, { arg: "model" });
  };
  let seqLength: number | undefined;
  if (!model.inputs.some((i) => i.name === "input_ids")) fail(`has no input 'input_ids' (inputs: ${model.inputs.map((i) => `'${i.name}'`).join(", ")})`);
  for (const io of model.inputs) {
    if (!TOKENIZER_FEEDS.includes(io.name)) fail(`input '${io.name}' is not one the tokenizer makes (${TOKENIZER_FEEDS.join(", ")})`);
    if (io.dtype !== "i32") fail(`input '${io.name}' is ${io.onnxType}; token ids and masks need an int64 or int32 input`);
    if (io.shape.length === 0) continue; // unknown rank: onnxruntime checks at the call
    if (io.shape.length !== 2) fail(`input '${io.name}' has shape ${dimsToString(io.shape)}; expected [batch, sequence]`);
    const seq = io.shape[1];
    if (typeof seq === "number") {
      if (seqLength !== undefined && seqLength !== seq) fail(`inputs disagree on the sequence length (${seqLength} vs ${seq} in '${io.name}')`);
      seqLength = seq;
    }
  }
  const names = model.outputs.map((o) => `'${o.name}'`).join(", ");
  let output: ModelIO;
  if (outputName !== undefined) output = model.outputs.find((o) => o.name === outputName) ?? fail(`has no output '${outputName}' (outputs: ${names})`);
  else if (model.outputs.length === 1) output = model.outputs[0]!;
  else output = fail(`has ${model.outputs.length} outputs (${names}); say which with outputName`);
  if (output.dtype !== "f32") fail(`output '${output.name}' is ${output.onnxType}; embeddings are float`);
  const rank = output.shape.length;
  const dim = output.shape[rank - 1];
  if ((rank !== 2 && rank !== 3) || typeof dim !== "number") {
    fail(`output '${output.name}' has shape ${dimsToString(output.shape)}; expected [batch, D] embeddings or [batch, sequence, D] token states with a fixed D`);
  }
  return { seqLength, output, dim: dim as number };
}

export const embedOp: OpDefinition = defineOp<EmbedArgs>({
  kind: "transform",
  name: "embed",
  category: "text",
  summary: "Embeds texts with an ONNX text model into a sluice.embedding column (L2-normalized by default)",
  args: {
    column: { type: "string", doc: "Text column (utf8)", required: true },
    model: { type: "string", doc: "ONNX text model file (inputs input_ids / attention_mask / token_type_ids)", required: true },
    vocab: { type: "string", doc: "WordPiece vocabulary file of the model", required: true },
    maxLength: { type: "integer", doc: "Tokens per text incl. [CLS]/[SEP] (default: the model's fixed length, else 512)", min: 2 },
    output: { type: "string", doc: "Embedding column to write", default: "embedding" },
    normalize: { type: "boolean", doc: "L2-normalize each vector (cosine = dot product)", default: true },
    outputName: { type: "string", doc: "Model output holding the embeddings (default: its only output)" },
    lowercase: { type: "boolean", doc: "Lowercase and strip accents first (uncased vocabularies)", default: true },
  },
  example: "embed: { column: chunk, model: ./minilm.onnx, vocab: ./vocab.txt }",
  async plan(args, input, ctx) {
    textColumn(input, args.column, ctx);
    requireTakeable(input, [args.column], ctx);
    const tokenizer = await loadTokenizer(ctx, { vocab: args.vocab, lowercase: args.lowercase, pads: true });
    let model: ModelRuntime;
    try {
      model = await ctx.loadModel(ctx.resolvePath(args.model));
    } catch (err) {
      throw ctx.error(`cannot load model ${args.model}: ${(err as Error).message}`, { arg: "model", cause: err });
    }
    const shape = checkModel(model, args.outputName, ctx);
    if (shape.seqLength !== undefined && args.maxLength !== undefined && args.maxLength !== shape.seqLength) {
      throw ctx.error(`maxLength ${args.maxLength} does not match the model's fixed sequence length ${shape.seqLength}`, { arg: "maxLength" });
    }
    const maxLength = args.maxLength ?? shape.seqLength ?? 512;
    const padding = shape.seqLength === undefined ? "longest" : "max_length";
    const normalize = args.normalize ?? true;
    const outName = args.output ?? "embedding";
    const field = embeddingField(outName, shape.dim, { model: basename(args.model), metric: "cosine", normalized: normalize });
    const output = placeField(input, field);
    // Through runRows, so fixed-batch models and large batches are called in sizes they take.
    const runner: EmbeddingModel = { inputs: model.inputs, run: (feeds) => runRows(model, feeds, { maxBatch: MAX_BATCH }) };
    const compute = async (batch: Batch) => {
      const { texts, rows, rejected } = nonNullTexts(batch, args.column);
      if (texts.length === 0) return { columns: [], rows: new Int32Array(0), rejected };
      const vectors = await embedTexts(texts, { model: runner, tokenizer, maxLength, padding, normalize, outputName: shape.output.name, kernels: ctx.kernels });
      if (vectors.shape[1] !== shape.dim) {
        throw new ModelError(`model ${model.name} returned ${vectors.shape[1]}-dim vectors, declared ${shape.dim}`, { step: ctx.step.name });
      }
      // Same storage as the embedding Field, which the operator puts on the column.
      return { columns: [fixedShapeTensorColumn(outName, vectors)], ...(rejected.length && { rows: Int32Array.from(rows), rejected }) };
    };
    return {
      kind: "transform",
      output,
      backend: model.backend,
      detail: `${args.column} → ${outName}: ${basename(args.model)} (${shape.dim}-dim, ${padding === "max_length" ? `${maxLength} tokens` : `≤ ${maxLength} tokens`}${normalize ? ", L2-normalized" : ""})`,
      ownRegion: true,
      create: () => new ColumnMapOperator(ctx.step.name, { output, backend: model.backend, compute, rejects: true }),
    };
  },
});
