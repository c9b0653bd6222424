import { describe, expect, it } from "vitest";
import { chunkByChars, chunkByTokens, wordSpans, type TextChunk } from "../../../runtime/functions/text-chunk.js";

/** No chunk's text holds a lone surrogate. */
const wellFormed = (chunks: readonly TextChunk[]): boolean => chunks.every((c) => !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(c.text));

describe("chunkByChars", () => {
  it("windows with overlap, offsets matching the text", () => {
    const text = "abcdefghij";
    const chunks = chunkByChars(text, { size: 4, overlap: 1 });
    expect(chunks.map((c) => c.text)).toEqual(["abcd", "defg", "ghij"]);
    expect(chunks.map((c) => [c.index, c.start, c.end])).toEqual([[0, 0, 4], [1, 3, 7], [2, 6, 10]]);
    for (const c of chunks) expect(text.slice(c.start, c.end)).toBe(c.text);
  });

  it("does not emit a tail already covered by the previous window", () => {
    expect(chunkByChars("abcdef", { size: 4, overlap: 2 }).map((c) => c.text)).toEqual(["abcd", "cdef"]);
    expect(chunkByChars("abc", { size: 10 }).map((c) => c.text)).toEqual(["abc"]);
  });

  it("empty text has no chunks", () => {
    expect(chunkByChars("", { size: 3 })).toEqual([]);
  });

  it("never splits a surrogate pair", () => {
    const text = "a😀b😀😀c"; // each 😀 is two code units
    for (const size of [1, 2, 3, 4]) {
      for (let overlap = 0; overlap < size; overlap++) {
        const chunks = chunkByChars(text, { size, overlap });
        expect(wellFormed(chunks), `size ${size} overlap ${overlap}`).toBe(true);
        expect(chunks[0]!.start).toBe(0);
        expect(chunks[chunks.length - 1]!.end).toBe(text.length);
        // Consecutive windows leave no gap.
        chunks.slice(1).forEach((c, i) => expect(c.start).toBeLessThanOrEqual(chunks[i]!.end));
      }
    }
    expect(chunkByChars("😀😀", { size: 1 }).map((c) => c.text)).toEqual(["😀", "😀"]);
    expect(chunkByChars("a😀", { size: 2 }).map((c) => c.text)).toEqual(["a", "😀"]);
  });

  it("rejects bad sizes and overlaps", () => {
    expect(() => chunkByChars("x", { size: 0 })).toThrow(/chunk by characters: size must be a positive integer, got 0/);
    expect(() => chunkByChars("x", { size: 3, overlap: 3 })).toThrow(/overlap must be an integer in \[0, size\) = \[0, 3\), got 3/);
  });
});

describe("chunkByTokens", () => {
  it("windows of words with overlap, text from first to last token", () => {
    const text = "  the quick  brown fox jumps ";
    const chunks = chunkByTokens(text, { size: 3, overlap: 1 });
    expect(chunks.map((c) => c.text)).toEqual(["the quick  brown", "brown fox jumps"]);
    expect(chunks.map((c) => [c.tokenStart, c.tokenEnd])).toEqual([[0, 3], [2, 5]]);
    for (const c of chunks) expect(text.slice(c.start, c.end)).toBe(c.text);
  });

  it("uses a given tokenizer's spans", () => {
    // One token per code point: pairs stay whole because the tokenizer never splits them.
    const perChar = (t: string) => [...t].reduce<{ start: number; end: number }[]>((acc, ch) => {
      const start = acc.length ? acc[acc.length - 1]!.end : 0;
      acc.push({ start, end: start + ch.length });
      return acc;
    }, []);
    const chunks = chunkByTokens("ab😀cd", { size: 2, tokenize: perChar });
    expect(chunks.map((c) => c.text)).toEqual(["ab", "😀c", "d"]);
  });

  it("no tokens, no chunks; word spans skip all whitespace", () => {
    expect(chunkByTokens(" \n\t ", { size: 2 })).toEqual([]);
    expect(wordSpans("a\u00a0b\u3000c")).toEqual([{ start: 0, end: 1 }, { start: 2, end: 3 }, { start: 4, end: 5 }]);
  });
});
