/**
 * `chunk`: splits each text into overlapping windows, one output row per window — by characters
 * (UTF-16 code units, never splitting a surrogate pair), or by tokens (WordPiece tokens of a
 * vocabulary, else whitespace-separated words). The text column is replaced by the chunk column;
 * every other column is repeated for each chunk of its row. Empty and null texts give no rows.
 */

import { Field, Int32, Utf8, vectorFromArray, type Schema } from "apache-arrow";
import type { Batch } from "../../api/stream.js";
import { chunkByChars, chunkByTokens, type TextChunk } from "../../functions/text-chunk.js";
import type { WordPieceTokenizer } from "../../functions/wordpiece-tokenizer.js";
import { ColumnMapOperator, int32Column } from "../../operators/column-map-operator.js";
import { defineOp, type OpDefinition } from "../op-definition.js";
import { textColumn } from "./tensor-column.js";
import { loadTokenizer, requireTakeable, textsOf } from "./text-args.js";

interface ChunkArgs {
  column: string;
  by: "chars" | "tokens";
  size: number;
  overlap?: number;
  vocab?: string;
  output?: string;
  index?: string;
}

/** The input fields with the text column replaced by `chunk` and `index` right after it. */
function chunkSchema(input: Schema, column: string, chunk: Field, index: Field): Schema {
  const fields: Field[] = [];
  for (const f of input.fields) {
    if (f.name === column) fields.push(chunk, index);
    // An input column of an output's name is overwritten, as everywhere else.
    else if (f.name !== chunk.name && f.name !== index.name) fields.push(f);
  }
  return new (input.constructor as typeof Schema)(fields, input.metadata);
}

export const chunkOp: OpDefinition = defineOp<ChunkArgs>({
  kind: "transform",
  name: "chunk",
  category: "text",
  summary: "Splits texts into overlapping windows by characters or tokens, one row per chunk (other columns repeated; empty text → no rows)",
  args: {
    column: { type: "string", doc: "Text column (utf8) to split; replaced by the chunk column", required: true },
    by: { type: "string", doc: "Window unit", required: true, oneOf: ["chars", "tokens"] },
    size: { type: "integer", doc: "Window length in units", required: true, min: 1 },
    overlap: { type: "integer", doc: "Units shared by consecutive windows (below size)", default: 0, min: 0 },
    vocab: { type: "string", doc: "WordPiece vocabulary for by: tokens (default: whitespace-separated words)" },
    output: { type: "string", doc: "Chunk text column (utf8)", default: "chunk" },
    index: { type: "string", doc: "Position of the chunk in its text (i32, from 0)", default: "chunkIndex" },
  },
  example: "chunk: { column: text, by: tokens, size: 256, overlap: 32, vocab: ./vocab.txt }",
  async plan(args, input, ctx) {
    textColumn(input, args.column, ctx);
    const overlap = args.overlap ?? 0;
    if (overlap >= args.size) throw ctx.error(`overlap ${overlap} must be below size ${args.size}`, { arg: "overlap" });
    if (args.vocab !== undefined && args.by !== "tokens") throw ctx.error("vocab is only used with by: tokens", { arg: "vocab" });
    const outName = args.output ?? "chunk";
    const indexName = args.index ?? "chunkIndex";
    if (outName === indexName) throw ctx.error(`output and index are both '${outName}'`, { arg: "index" });
    requireTakeable(input, [args.column], ctx);
    const tokenizer: WordPieceTokenizer | undefined = args.vocab === undefined ? undefined : await loadTokenizer(ctx, { vocab: args.vocab });
    const chunkField = new Field(outName, new Utf8(), false);
    const indexField = new Field(indexName, new Int32(), false);
    const output = chunkSchema(input, args.column, chunkField, indexField);
    const split = (text: string): readonly TextChunk[] =>
      args.by === "chars"
        ? chunkByChars(text, { size: args.size, overlap })
        : chunkByTokens(text, { size: args.size, overlap, ...(tokenizer && { tokenize: (t: string) => tokenizer.tokenSpans(t) }) });
    const compute = (batch: Batch) => {
      const rows: number[] = [], texts: string[] = [], positions: number[] = [];
      textsOf(batch, args.column).forEach((text, r) => {
        if (!text) return;
        for (const c of split(text)) {
          rows.push(r);
          texts.push(c.text);
          positions.push(c.index);
        }
      });
      return {
        rows: Int32Array.from(rows),
        columns: [{ field: chunkField, vector: vectorFromArray(texts, new Utf8()) }, int32Column(indexField, Int32Array.from(positions))],
      };
    };
    const unit = args.by === "chars" ? "chars" : tokenizer ? "wordpiece tokens" : "words";
    return {
      kind: "transform",
      output,
      backend: "js",
      detail: `${args.column} → ${outName}, ${indexName}: windows of ${args.size} ${unit}, overlap ${overlap}`,
      parallel: true,
      create: () => new ColumnMapOperator(ctx.step.name, { output, backend: "js", compute }),
    };
  },
});
