/**
 * What the text ops share: a WordPiece tokenizer built at plan time from a vocabulary file (a
 * missing file or a vocabulary without the special tokens is a plan error naming the argument),
 * reading a text column's values, and checking that passed-through columns can be gathered by
 * row (for steps that drop or repeat rows).
 */

import type { Schema } from "apache-arrow";
import type { Batch } from "../../api/stream.js";
import { RecordError } from "../../api/runtime-errors.js";
import { WordPieceTokenizer } from "../../functions/wordpiece-tokenizer.js";
import { WordPieceVocab } from "../../functions/wordpiece-vocab.js";
import type { RejectedRow } from "../../operators/column-map-operator.js";
import { canTakeRows } from "../../types/take-column-rows.js";
import type { PlanContext } from "../op-definition.js";

export interface TokenizerArgs {
  /** Vocabulary path, resolved against the plan's base directory. */
  readonly vocab: string;
  readonly lowercase?: boolean;
  /** Padding to a fixed length needs the `[PAD]` token as well. */
  readonly pads?: boolean;
  /** The argument the vocabulary came from, for the error location. */
  readonly arg?: string;
}

/** A WordPiece tokenizer over the vocabulary file, or a PlanError saying what is wrong with it. */
export async function loadTokenizer(ctx: PlanContext, opts: TokenizerArgs): Promise<WordPieceTokenizer> {
  const arg = opts.arg ?? "vocab";
  try {
    const vocab = await WordPieceVocab.fromFile(ctx.resolvePath(opts.vocab));
    const tokenizer = new WordPieceTokenizer(vocab, { lowercase: opts.lowercase ?? true });
    if (opts.pads) vocab.require("[PAD]", "padding");
    return tokenizer;
  } catch (err) {
    throw ctx.error((err as Error).message.replace(/^wordpiece: /, ""), { arg, cause: err });
  }
}

/** The values of a text column; null rows are null. */
export function textsOf(batch: Batch, column: string): (string | null)[] {
  const v = batch.getChild(column)!;
  return Array.from({ length: batch.numRows }, (_, i) => (v.get(i) as string | null) ?? null);
}

/** The non-null texts of a column with their rows; null texts are rejected records. */
export function nonNullTexts(batch: Batch, column: string): { texts: string[]; rows: number[]; rejected: RejectedRow[] } {
  const texts: string[] = [], rows: number[] = [], rejected: RejectedRow[] = [];
  textsOf(batch, column).forEach((t, r) => {
    if (t === null) rejected.push({ row: r, error: new RecordError(`column '${column}' is null: no text`) });
    else {
      texts.push(t);
      rows.push(r);
    }
  });
  return { texts, rows, rejected };
}

/** A PlanError for the first column a row-dropping or row-repeating step could not carry along. */
export function requireTakeable(input: Schema, except: readonly string[], ctx: PlanContext): void {
  for (const f of input.fields) {
    if (except.includes(f.name) || canTakeRows(f.type)) continue;
    throw ctx.error(`column '${f.name}' of type ${String(f.type)} cannot be passed through a step that drops or repeats rows; select it away first`);
  }
}
