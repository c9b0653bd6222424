/**
 * BERT's basic tokenizer, the step before WordPiece: drop control characters, split on
 * whitespace, optionally lowercase and strip accents, split off every punctuation character and
 * every CJK ideograph as a word of its own. Unlike the reference it keeps, for each normalized
 * code point, where it came from in the input, so tokens carry offsets for chunking.
 *
 * It does not NFC-normalize first: with accent stripping (the uncased default) that makes no
 * difference; a cased vocabulary wants NFC input.
 */

export interface BasicTokenizerOptions {
  /** Default true. */
  readonly lowercase?: boolean;
  /** Remove combining marks after NFD (é → e). Default: same as `lowercase`, as in BERT. */
  readonly stripAccents?: boolean;
  /** Make each CJK ideograph its own word. Default true. */
  readonly splitCjk?: boolean;
}

/** A normalized word: its code points and, per code point, the input range it came from. */
export interface BasicWord {
  readonly chars: readonly string[];
  readonly starts: readonly number[];
  readonly ends: readonly number[];
}

const CONTROL = /^\p{C}$/u;
const SPACE = /^\p{Zs}$/u;
const PUNCT = /^\p{P}$/u;
const MARK = /\p{Mn}/gu;

/** Splits `text` into normalized words with input offsets (UTF-16 code units). */
export function basicTokenize(text: string, options: BasicTokenizerOptions = {}): BasicWord[] {
  const lowercase = options.lowercase ?? true;
  const stripAccents = options.stripAccents ?? lowercase;
  const splitCjk = options.splitCjk ?? true;
  const words: BasicWord[] = [];
  let chars: string[] = [], starts: number[] = [], ends: number[] = [];
  const flush = (): void => {
    if (chars.length > 0) words.push({ chars, starts, ends });
    chars = [];
    starts = [];
    ends = [];
  };
  const single = (ch: string, start: number, end: number): void => {
    flush();
    words.push({ chars: [ch], starts: [start], ends: [end] });
  };

  let offset = 0;
  for (const ch of text) {
    const start = offset, end = offset + ch.length;
    offset = end;
    const cp = ch.codePointAt(0)!;
    if (isWhitespace(ch)) {
      flush();
      continue;
    }
    if (cp === 0 || cp === 0xfffd || CONTROL.test(ch)) continue;
    if (splitCjk && isCjk(cp)) {
      single(ch, start, end);
      continue;
    }
    let norm = lowercase ? ch.toLowerCase() : ch;
    if (stripAccents) norm = norm.normalize("NFD").replace(MARK, "");
    for (const n of norm) {
      if (isPunctuation(n)) single(n, start, end);
      else {
        chars.push(n);
        starts.push(start);
        ends.push(end);
      }
    }
  }
  flush();
  return words;
}

function isWhitespace(ch: string): boolean {
  return ch === " " || ch === "\t" || ch === "\n" || ch === "\r" || SPACE.test(ch);
}

/** ASCII symbols count as punctuation too ($, +, ^, `), as in BERT. */
function isPunctuation(ch: string): boolean {
  const cp = ch.codePointAt(0)!;
  if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126)) return true;
  return PUNCT.test(ch);
}

/** The CJK Unified Ideographs blocks (not Hangul or kana, which are written with spaces). */
function isCjk(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b820 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}
