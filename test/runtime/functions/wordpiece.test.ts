import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { basicTokenize } from "../../../runtime/functions/basic-tokenizer.js";
import { chunkByTokens } from "../../../runtime/functions/text-chunk.js";
import { WordPieceTokenizer } from "../../../runtime/functions/wordpiece-tokenizer.js";
import { WordPieceVocab } from "../../../runtime/functions/wordpiece-vocab.js";

// Line number = id.
const VOCAB = [
  "[PAD]", "[UNK]", "[CLS]", "[SEP]", // 0-3
  "want", "##want", "##ed", "wa", "un", "runn", "##ing", // 4-10
  ",", "low", "lowest", "!", "hello", "how", "are", "you", "?", // 11-19
  "cafe", "\u535A", "\u63A8", "ah", "zz", "##s", "Hello", // 20-26
];

const dir = mkdtempSync(join(tmpdir(), "sluice-vocab-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const words = (text: string, opts = {}): string[] => basicTokenize(text, opts).map((w) => w.chars.join(""));

describe("basic tokenizer", () => {
  it("lowercases, strips accents, splits whitespace and punctuation", () => {
    expect(words(" \tHeLLo!how  \n Are yoU?  ")).toEqual(["hello", "!", "how", "are", "you", "?"]);
    expect(words("H\u00E9llo")).toEqual(["hello"]);
    expect(words("He\u0301llo")).toEqual(["hello"]); // decomposed accent too
  });

  it("keeps case and accents when asked", () => {
    expect(words(" \tHeLLo!how  \n Are yoU?  ", { lowercase: false })).toEqual(["HeLLo", "!", "how", "Are", "yoU", "?"]);
    expect(words("H\u00E9llo", { lowercase: false })).toEqual(["H\u00E9llo"]);
    expect(words("H\u00E9llo", { lowercase: true, stripAccents: false })).toEqual(["h\u00E9llo"]);
  });

  it("splits CJK ideographs, drops control characters, treats ASCII symbols as punctuation", () => {
    expect(words("ah\u535A\u63A8zz")).toEqual(["ah", "\u535A", "\u63A8", "zz"]);
    expect(words("a\u0000b\u200Bc\uFFFDd")).toEqual(["abcd"]);
    expect(words("a$b`c")).toEqual(["a", "$", "b", "`", "c"]);
    expect(words("a\u00A0b\u3000c")).toEqual(["a", "b", "c"]);
  });

  it("records input offsets per normalized code point", () => {
    const [w] = basicTokenize("  \u00C9t\u00E9");
    expect(w).toEqual({ chars: ["e", "t", "e"], starts: [2, 3, 4], ends: [3, 4, 5] });
  });
});

describe("WordPiece", () => {
  const vocab = WordPieceVocab.fromTokens(VOCAB);
  const tok = new WordPieceTokenizer(vocab);

  it("segments greedily, longest match first, with ## continuations", () => {
    const t = tok.tokenize("UNwant\u00E9d,running");
    expect(t.tokens).toEqual(["un", "##want", "##ed", ",", "runn", "##ing"]);
    expect(t.ids).toEqual([8, 5, 6, 11, 9, 10]);
    // Offsets into the original text, including the accented é (one code unit).
    expect(t.spans).toEqual([
      { start: 0, end: 2 }, { start: 2, end: 6 }, { start: 6, end: 8 }, { start: 8, end: 9 }, { start: 9, end: 13 }, { start: 13, end: 16 },
    ]);
  });

  it("turns a word without a full segmentation into one [UNK]", () => {
    expect(tok.tokenize("unwantedX running").tokens).toEqual(["[UNK]", "runn", "##ing"]);
    expect(tok.tokenize("lowest lows").ids).toEqual([13, 12, 25]);
    expect(tok.tokenize("").ids).toEqual([]);
  });

  it("refuses words longer than maxCharsPerWord", () => {
    const short = new WordPieceTokenizer(vocab, { maxCharsPerWord: 3 });
    expect(short.tokenize("want wa").tokens).toEqual(["[UNK]", "wa"]);
  });

  it("encodes with [CLS]/[SEP], truncates to maxLength, pads to max_length", () => {
    const e = tok.encode("hello, how are you?");
    expect([...e.ids]).toEqual([2, 15, 11, 16, 17, 18, 19, 3]);
    expect([...e.attentionMask]).toEqual([1, 1, 1, 1, 1, 1, 1, 1]);
    expect(e.truncated).toBe(false);
    const cut = tok.encode("hello, how are you?", { maxLength: 5 });
    expect([...cut.ids]).toEqual([2, 15, 11, 16, 3]);
    expect(cut.truncated).toBe(true);
    const padded = tok.encode("hello", { maxLength: 6, padding: "max_length" });
    expect([...padded.ids]).toEqual([2, 15, 3, 0, 0, 0]);
    expect([...padded.attentionMask]).toEqual([1, 1, 1, 0, 0, 0]);
    expect(padded.tokens).toEqual(["[CLS]", "hello", "[SEP]", "[PAD]", "[PAD]", "[PAD]"]);
  });

  it("encodes a batch into padded [N, L] i32 feeds", () => {
    const b = tok.encodeBatch(["hello", "how are you ?", ""]);
    expect(b.inputIds.shape).toEqual([3, 6]);
    expect([...b.inputIds.data]).toEqual([2, 15, 3, 0, 0, 0, 2, 16, 17, 18, 19, 3, 2, 3, 0, 0, 0, 0]);
    expect([...b.attentionMask.data]).toEqual([1, 1, 1, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0]);
    expect([...b.tokenTypeIds.data].every((v) => v === 0)).toBe(true);
    expect(b.lengths).toEqual([3, 6, 2]);
    expect(tok.encodeBatch(["hello"], { padding: "max_length", maxLength: 4 }).inputIds.shape).toEqual([1, 4]);
  });

  it("a cased vocabulary keeps case", () => {
    const cased = new WordPieceTokenizer(vocab, { lowercase: false });
    expect(cased.tokenize("Hello hello").ids).toEqual([26, 15]);
  });

  it("reads vocab files and reports missing special tokens and bad lengths", async () => {
    const path = join(dir, "vocab.txt");
    writeFileSync(path, VOCAB.join("\r\n") + "\r\n");
    const fromFile = await WordPieceVocab.fromFile(path);
    expect(fromFile.size).toBe(VOCAB.length);
    expect(fromFile.idOf("##ing")).toBe(10);
    expect(fromFile.tokenOf(21)).toBe("\u535A");
    expect(() => new WordPieceTokenizer(WordPieceVocab.fromTokens(["[UNK]", "[SEP]"], "tiny.txt"))).toThrow(/the classifier token "\[CLS\]" is not in the vocabulary tiny\.txt/);
    const noPad = new WordPieceTokenizer(WordPieceVocab.fromTokens(["[UNK]", "[CLS]", "[SEP]", "a"]));
    expect(() => noPad.encodeBatch(["a", "a a"])).toThrow(/padding token "\[PAD\]" is not in the vocabulary/);
    expect(() => tok.encode("x", { maxLength: 1 })).toThrow(/maxLength must be an integer >= 2/);
    await expect(WordPieceVocab.fromFile(join(dir, "none.txt"))).rejects.toThrow(/cannot read vocabulary .*none\.txt \(ENOENT\)/);
  });

  it("feeds chunkByTokens with model-token spans", () => {
    const text = "hello, how are you?";
    const chunks = chunkByTokens(text, { size: 3, overlap: 1, tokenize: (t) => tok.tokenSpans(t) });
    expect(chunks.map((c) => c.text)).toEqual(["hello, how", "how are you", "you?"]);
  });
});
