/**
 * The text-chunking built-in: split a document into overlapping windows for embedding or
 * retrieval, by characters or by tokens. Offsets are UTF-16 code units into the input (what
 * `String.slice` takes), and no window starts or ends inside a surrogate pair, so every chunk is
 * well-formed text.
 */

import { SluiceError } from "../../kernels/errors.js";

export interface TextChunk {
  /** Position of the chunk in its document, from 0. */
  readonly index: number;
  /** Offset of the first code unit, inclusive. */
  readonly start: number;
  /** Offset after the last code unit. */
  readonly end: number;
  readonly text: string;
}

export interface TokenChunk extends TextChunk {
  /** First token of the chunk, inclusive. */
  readonly tokenStart: number;
  /** Token after the last one. */
  readonly tokenEnd: number;
}

export interface ChunkOptions {
  /** Window length (code units or tokens). */
  readonly size: number;
  /** Units shared by consecutive windows, below `size`. Default 0. */
  readonly overlap?: number;
}

/** Where a token lies in the text, `[start, end)` in code units. */
export interface TokenSpan {
  readonly start: number;
  readonly end: number;
}

export interface TokenChunkOptions extends ChunkOptions {
  /** Token spans of a text in order; default `wordSpans` (runs of non-whitespace). */
  readonly tokenize?: (text: string) => readonly TokenSpan[];
}

/**
 * Windows of `size` code units, each starting `size − overlap` after the previous one. A window
 * edge that would split a surrogate pair moves back one unit (or forward, for a one-unit window
 * on a pair), so windows may be a unit shorter or overlap a unit more than asked.
 */
export function chunkByChars(text: string, options: ChunkOptions): TextChunk[] {
  const { size, overlap } = checkOptions("chunk by characters", options);
  const chunks: TextChunk[] = [];
  let start = 0;
  while (start < text.length) {
    let end = Math.min(text.length, start + size);
    if (splitsPair(text, end)) end = end - 1 > start ? end - 1 : end + 1;
    chunks.push({ index: chunks.length, start, end, text: text.slice(start, end) });
    if (end >= text.length) break;
    let next = Math.max(end - overlap, start + 1);
    if (splitsPair(text, next)) next = next - 1 > start ? next - 1 : next + 1;
    start = next;
  }
  return chunks;
}

/**
 * Windows of `size` tokens, each starting `size − overlap` tokens after the previous one; the
 * chunk text runs from its first token's start to its last token's end, so what lies between
 * tokens inside the window is kept.
 */
export function chunkByTokens(text: string, options: TokenChunkOptions): TokenChunk[] {
  const { size, overlap } = checkOptions("chunk by tokens", options);
  const spans = (options.tokenize ?? wordSpans)(text);
  const chunks: TokenChunk[] = [];
  for (let t = 0; t < spans.length; t += size - overlap) {
    const tokenEnd = Math.min(spans.length, t + size);
    const start = spans[t]!.start, end = spans[tokenEnd - 1]!.end;
    chunks.push({ index: chunks.length, start, end, text: text.slice(start, end), tokenStart: t, tokenEnd });
    if (tokenEnd === spans.length) break;
  }
  return chunks;
}

/** Spans of the runs of non-whitespace in `text`. */
export function wordSpans(text: string): TokenSpan[] {
  const spans: TokenSpan[] = [];
  for (const m of text.matchAll(/\S+/gu)) spans.push({ start: m.index, end: m.index + m[0].length });
  return spans;
}

function checkOptions(step: string, options: ChunkOptions): { size: number; overlap: number } {
  const size = options.size, overlap = options.overlap ?? 0;
  if (!Number.isInteger(size) || size < 1) throw new SluiceError(`${step}: size must be a positive integer, got ${String(size)}`, { step: "chunk_text" });
  if (!Number.isInteger(overlap) || overlap < 0 || overlap >= size) {
    throw new SluiceError(`${step}: overlap must be an integer in [0, size) = [0, ${size}), got ${String(overlap)}`, { step: "chunk_text" });
  }
  return { size, overlap };
}

/** Whether offset `i` falls between the two halves of a surrogate pair. */
function splitsPair(text: string, i: number): boolean {
  if (i <= 0 || i >= text.length) return false;
  const hi = text.charCodeAt(i - 1), lo = text.charCodeAt(i);
  return hi >= 0xd800 && hi <= 0xdbff && lo >= 0xdc00 && lo <= 0xdfff;
}
