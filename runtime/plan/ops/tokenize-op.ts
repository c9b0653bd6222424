/**
 * `tokenize`: texts → WordPiece `[CLS] … [SEP]` token ids and attention mask, truncated and padded
 * to `maxLength`, as two i32 fixed-shape tensor columns `[maxLength]`. i32 is what sluice feeds
 * models with: an int64 ONNX input (BERT's `input_ids`) takes i32 and is widened at the call.
 * The default column names are the inputs of BERT-family models, so `infer` can take them as is.
 * A null text is a bad record (dead-lettered); the rest of the batch flows on.
 */

import type { Batch } from "../../api/stream.js";
import { ColumnMapOperator } from "../../operators/column-map-operator.js";
import { fixedShapeTensorColumn, fixedShapeTensorField } from "../../types/index.js";
import { defineOp, type OpDefinition } from "../op-definition.js";
import { placeFields, textColumn } from "./tensor-column.js";
import { loadTokenizer, nonNullTexts, requireTakeable } from "./text-args.js";

interface TokenizeArgs {
  column: string;
  vocab: string;
  maxLength: number;
  outputs?: { ids?: string; mask?: string };
  lowercase?: boolean;
}

export const tokenizeOp: OpDefinition = defineOp<TokenizeArgs>({
  kind: "transform",
  name: "tokenize",
  category: "text",
  summary: "WordPiece token ids and attention mask of each text, padded to maxLength (two i32 tensor columns)",
  args: {
    column: { type: "string", doc: "Text column (utf8)", required: true },
    vocab: { type: "string", doc: "WordPiece vocabulary file (vocab.txt: one token per line)", required: true },
    maxLength: { type: "integer", doc: "Tokens per row including [CLS] and [SEP]; longer texts are truncated", required: true, min: 2 },
    outputs: { type: "object", doc: "Columns to write: { ids, mask }", default: { ids: "input_ids", mask: "attention_mask" } },
    lowercase: { type: "boolean", doc: "Lowercase and strip accents first (uncased vocabularies)", default: true },
  },
  example: "tokenize: { column: text, vocab: ./vocab.txt, maxLength: 128 }",
  async plan(args, input, ctx) {
    textColumn(input, args.column, ctx);
    const extra = Object.keys(args.outputs ?? {}).filter((k) => k !== "ids" && k !== "mask");
    const ids = args.outputs?.ids ?? "input_ids";
    const mask = args.outputs?.mask ?? "attention_mask";
    if (extra.length || typeof ids !== "string" || typeof mask !== "string" || ids === mask) {
      throw ctx.error("outputs must be { ids: <column>, mask: <column> } with two different column names", { arg: "outputs" });
    }
    requireTakeable(input, [args.column], ctx);
    const tokenizer = await loadTokenizer(ctx, { vocab: args.vocab, lowercase: args.lowercase, pads: true });
    const L = args.maxLength;
    const output = placeFields(input, [fixedShapeTensorField(ids, "i32", { shape: [L] }), fixedShapeTensorField(mask, "i32", { shape: [L] })]);
    const compute = (batch: Batch) => {
      const { texts, rows, rejected } = nonNullTexts(batch, args.column);
      if (texts.length === 0) return { columns: [], rows: new Int32Array(0), rejected };
      const enc = tokenizer.encodeBatch(texts, { maxLength: L, padding: "max_length" });
      return {
        columns: [fixedShapeTensorColumn(ids, enc.inputIds), fixedShapeTensorColumn(mask, enc.attentionMask)],
        ...(rejected.length && { rows: Int32Array.from(rows), rejected }),
      };
    };
    return {
      kind: "transform",
      output,
      backend: "js",
      detail: `${args.column} → ${ids}, ${mask}: wordpiece (${tokenizer.vocab.size} tokens), ${L} per row`,
      create: () => new ColumnMapOperator(ctx.step.name, { output, backend: "js", compute, rejects: true }),
    };
  },
});
