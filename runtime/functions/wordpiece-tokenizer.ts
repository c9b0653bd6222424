/**
 * WordPiece tokenization, BERT-style: basic tokenizer, then greedy longest-match-first pieces
 * with `##` continuations; a word with no full segmentation becomes one `[UNK]`. Encodings add
 * `[CLS]` … `[SEP]`, truncate to a maximum length, and pad batches into `[N, L]` i32 tensors of
 * ids, attention mask and token type ids — the feeds of a BERT-family ONNX model.
 */

import { SluiceError } from "../../kernels/errors.js";
import { tensor, type Tensor } from "../../kernels/tensor.js";
import { basicTokenize, type BasicTokenizerOptions, type BasicWord } from "./basic-tokenizer.js";
import type { TokenSpan } from "./text-chunk.js";
import type { WordPieceVocab } from "./wordpiece-vocab.js";

export interface WordPieceOptions extends BasicTokenizerOptions {
  /** Encoded length including `[CLS]` and `[SEP]`, unless a call says otherwise. Default 512. */
  readonly maxLength?: number;
  /** A longer word is `[UNK]` without trying pieces (BERT: 100). */
  readonly maxCharsPerWord?: number;
  readonly unkToken?: string;
  readonly clsToken?: string;
  readonly sepToken?: string;
  readonly padToken?: string;
}

/** Tokens of a text without special tokens. */
export interface Tokenized {
  readonly tokens: string[];
  readonly ids: number[];
  /** Input range of each token; `##` pieces cover their part of the word. */
  readonly spans: TokenSpan[];
}

/** One encoded text: `[CLS] … [SEP]`, truncated, optionally padded. */
export interface Encoding {
  readonly ids: Int32Array;
  readonly attentionMask: Int32Array;
  readonly tokenTypeIds: Int32Array;
  readonly tokens: string[];
  /** Input range per position; special and padding positions are `{0, 0}`. */
  readonly spans: TokenSpan[];
  /** Whether tokens were cut to fit `maxLength`. */
  readonly truncated: boolean;
}

/** A batch as model feeds, each `[N, L]` i32. */
export interface BatchEncoding {
  readonly inputIds: Tensor<"i32">;
  readonly attentionMask: Tensor<"i32">;
  readonly tokenTypeIds: Tensor<"i32">;
  /** Real (unpadded) length of each row, special tokens included. */
  readonly lengths: number[];
}

export interface EncodeOptions {
  readonly maxLength?: number;
  /**
   * `longest` (default for batches): pad to the longest row. `max_length`: pad every row to
   * `maxLength`, for models with a fixed sequence dim. `none` (default for one text): no padding.
   */
  readonly padding?: "none" | "longest" | "max_length";
}

const NO_SPAN: TokenSpan = { start: 0, end: 0 };

export class WordPieceTokenizer {
  readonly vocab: WordPieceVocab;
  readonly maxLength: number;
  private readonly basic: BasicTokenizerOptions;
  private readonly maxCharsPerWord: number;
  private readonly unk: { token: string; id: number };
  private readonly cls: { token: string; id: number };
  private readonly sep: { token: string; id: number };
  private readonly padToken: string;

  constructor(vocab: WordPieceVocab, options: WordPieceOptions = {}) {
    this.vocab = vocab;
    this.basic = { lowercase: options.lowercase, stripAccents: options.stripAccents, splitCjk: options.splitCjk };
    this.maxLength = checkMaxLength(options.maxLength ?? 512);
    this.maxCharsPerWord = options.maxCharsPerWord ?? 100;
    const special = (token: string, role: string): { token: string; id: number } => ({ token, id: vocab.require(token, role) });
    this.unk = special(options.unkToken ?? "[UNK]", "unknown");
    this.cls = special(options.clsToken ?? "[CLS]", "classifier");
    this.sep = special(options.sepToken ?? "[SEP]", "separator");
    this.padToken = options.padToken ?? "[PAD]";
  }

  /** The WordPiece tokens of `text`, no special tokens, no truncation. */
  tokenize(text: string): Tokenized {
    const out: Tokenized = { tokens: [], ids: [], spans: [] };
    for (const word of basicTokenize(text, this.basic)) this.pieces(word, out);
    return out;
  }

  /** Token spans of `text`: the `tokenize` option of `chunkByTokens`, so chunks count model tokens. */
  tokenSpans(text: string): TokenSpan[] {
    return this.tokenize(text).spans;
  }

  /** `[CLS] tokens [SEP]`, truncated to `maxLength`, padded only when asked. */
  encode(text: string, options: EncodeOptions = {}): Encoding {
    const maxLength = checkMaxLength(options.maxLength ?? this.maxLength);
    const t = this.tokenize(text);
    const keep = Math.min(t.ids.length, maxLength - 2);
    const length = options.padding === "max_length" ? maxLength : keep + 2;
    const ids = new Int32Array(length);
    const mask = new Int32Array(length);
    const tokens = [this.cls.token, ...t.tokens.slice(0, keep), this.sep.token];
    const spans = [NO_SPAN, ...t.spans.slice(0, keep), NO_SPAN];
    ids[0] = this.cls.id;
    for (let i = 0; i < keep; i++) ids[i + 1] = t.ids[i]!;
    ids[keep + 1] = this.sep.id;
    mask.fill(1, 0, keep + 2);
    if (length > keep + 2) {
      const pad = this.vocab.require(this.padToken, "padding");
      ids.fill(pad, keep + 2);
      for (let i = keep + 2; i < length; i++) {
        tokens.push(this.padToken);
        spans.push(NO_SPAN);
      }
    }
    return { ids, attentionMask: mask, tokenTypeIds: new Int32Array(length), tokens, spans, truncated: keep < t.ids.length };
  }

  /** Encodes texts into `[N, L]` feeds, padded to the longest row (or to `maxLength`). */
  encodeBatch(texts: readonly string[], options: EncodeOptions = {}): BatchEncoding {
    const padding = options.padding ?? "longest";
    const encodings = texts.map((t) => this.encode(t, { maxLength: options.maxLength, padding: padding === "max_length" ? "max_length" : "none" }));
    const width = Math.max(0, ...encodings.map((e) => e.ids.length));
    if (padding === "none" && encodings.some((e) => e.ids.length !== width)) {
      throw new SluiceError("wordpiece: texts encode to different lengths and padding is 'none'; use 'longest' or 'max_length'", { step: "tokenize" });
    }
    const n = texts.length;
    const ids = new Int32Array(n * width), mask = new Int32Array(n * width);
    const pad = encodings.some((e) => e.ids.length < width) ? this.vocab.require(this.padToken, "padding") : 0;
    encodings.forEach((e, r) => {
      ids.set(e.ids, r * width);
      ids.fill(pad, r * width + e.ids.length, (r + 1) * width);
      mask.set(e.attentionMask, r * width);
    });
    return {
      inputIds: tensor("i32", [n, width], ids),
      attentionMask: tensor("i32", [n, width], mask),
      tokenTypeIds: tensor("i32", [n, width]),
      lengths: encodings.map((e) => e.attentionMask.reduce((a, b) => a + b, 0)),
    };
  }

  /** Greedy longest-match-first segmentation of one word into `out`. */
  private pieces(word: BasicWord, out: Tokenized): void {
    const { chars, starts, ends } = word;
    const whole: TokenSpan = { start: starts[0]!, end: ends[ends.length - 1]! };
    if (chars.length > this.maxCharsPerWord) return push(out, this.unk.token, this.unk.id, whole);
    const found: { token: string; id: number; span: TokenSpan }[] = [];
    for (let start = 0; start < chars.length; ) {
      let end = chars.length;
      let match: { token: string; id: number } | undefined;
      for (; end > start; end--) {
        const piece = (start > 0 ? "##" : "") + chars.slice(start, end).join("");
        const id = this.vocab.idOf(piece);
        if (id !== undefined) {
          match = { token: piece, id };
          break;
        }
      }
      if (!match) return push(out, this.unk.token, this.unk.id, whole);
      found.push({ ...match, span: { start: starts[start]!, end: ends[end - 1]! } });
      start = end;
    }
    for (const f of found) push(out, f.token, f.id, f.span);
  }
}

function push(out: Tokenized, token: string, id: number, span: TokenSpan): void {
  out.tokens.push(token);
  out.ids.push(id);
  out.spans.push(span);
}

function checkMaxLength(n: number): number {
  if (!Number.isInteger(n) || n < 2) throw new SluiceError(`wordpiece: maxLength must be an integer >= 2 (room for [CLS] and [SEP]), got ${n}`, { step: "tokenize" });
  return n;
}
