import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tensor, type Tensor } from "../../../kernels/tensor.js";
import { buildTextEmbedder, loadModel, type ModelRuntime } from "../../../scheduler/models/index.js";
import { ModelError } from "../../../runtime/api/runtime-errors.js";
import { embedText, embedTexts, type EmbeddingModel } from "../../../runtime/functions/embed.js";
import { WordPieceTokenizer } from "../../../runtime/functions/wordpiece-tokenizer.js";
import { WordPieceVocab } from "../../../runtime/functions/wordpiece-vocab.js";

const tokenizer = new WordPieceTokenizer(
  WordPieceVocab.fromTokens(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "the", "cat", "sat", "on", "mat", "a", "dog", "##s"]),
);

const norm = (v: ArrayLike<number>): number => Math.sqrt(Array.from(v).reduce((a, x) => a + x * x, 0));
const row = (t: Tensor, r: number): Float32Array => (t.data as Float32Array).subarray(r * t.shape[1]!, (r + 1) * t.shape[1]!);

/** Token states [N, L, 2]: token id and position, so pooling is checkable by hand. */
const tokenStates: EmbeddingModel = {
  async run(feeds) {
    const ids = feeds.input_ids!;
    const [n, l] = ids.shape as [number, number];
    const out = new Float32Array(n * l * 2);
    for (let i = 0; i < n * l; i++) {
      out[i * 2] = ids.data[i]!;
      out[i * 2 + 1] = i % l;
    }
    return { hidden: tensor("f32", [n, l, 2], out) };
  },
};

describe("embed with a real ONNX embedder", () => {
  let model: ModelRuntime;
  beforeAll(async () => {
    model = await loadModel(buildTextEmbedder({ vocabSize: 16, dim: 8 }), { runtime: "node", threads: 1 });
  });
  afterAll(() => model.close());

  it("returns unit-length [N, D] rows, independent of batch padding", async () => {
    const texts = ["the cat sat on the mat", "a dog", "cats"];
    const batch = await embedTexts(texts, { model, tokenizer });
    expect(batch.shape).toEqual([3, 8]);
    for (let r = 0; r < 3; r++) expect(norm(row(batch, r))).toBeCloseTo(1, 5);
    // Row 1 was padded to the longest text: mean pooling over the mask must ignore the pads.
    const alone = await embedText("a dog", { model, tokenizer });
    expect(alone.shape).toEqual([8]);
    Array.from(alone.data).forEach((v, d) => expect(row(batch, 1)[d]).toBeCloseTo(v, 5));
  });

  it("without normalization returns the model's own vectors", async () => {
    const raw = await embedTexts(["the cat"], { model, tokenizer, normalize: false });
    const unit = await embedTexts(["the cat"], { model, tokenizer });
    const n = norm(raw.data);
    expect(n).not.toBeCloseTo(1, 3);
    Array.from(unit.data).forEach((v, d) => expect(v).toBeCloseTo(raw.data[d]! / n, 5));
  });
});

describe("embed pooling and errors", () => {
  it("mean-pools token states over the attention mask, or takes [CLS]", async () => {
    // "the cat" → [CLS]=2 the=4 cat=5 [SEP]=3; "a" → [CLS]=2 a=9 [SEP]=3 [PAD] (masked out)
    const mean = await embedTexts(["the cat", "a"], { model: tokenStates, tokenizer, normalize: false });
    expect([...mean.data]).toEqual([(2 + 4 + 5 + 3) / 4, 1.5, Math.fround((2 + 9 + 3) / 3), 1]);
    const cls = await embedTexts(["the cat", "a"], { model: tokenStates, tokenizer, normalize: false, pooling: "cls" });
    expect([...cls.data]).toEqual([2, 0, 2, 0]);
  });

  it("feeds exactly the inputs the model declares, with configured names", async () => {
    const seen: string[][] = [];
    const model: EmbeddingModel = {
      inputs: [{ name: "ids" }, { name: "segments" }],
      async run(feeds) {
        seen.push(Object.keys(feeds));
        return { e: tensor("f32", [1, 2], [3, 4]) };
      },
    };
    const out = await embedTexts(["cat"], { model, tokenizer, inputNames: { ids: "ids", tokenTypes: "segments" } });
    expect(seen).toEqual([["ids", "segments"]]);
    expect([...out.data]).toEqual([expect.closeTo(0.6, 6), expect.closeTo(0.8, 6)]);
    await expect(embedTexts(["cat"], { model, tokenizer })).rejects.toThrow(/the model wants input 'ids', but the tokenizer makes only 'input_ids', 'attention_mask', 'token_type_ids'/);
  });

  it("names the outputs when the choice is ambiguous or wrong, and rejects odd shapes", async () => {
    const two: EmbeddingModel = { async run() { return { a: tensor("f32", [1, 2]), b: tensor("f32", [1, 2]) }; } };
    await expect(embedTexts(["cat"], { model: two, tokenizer })).rejects.toThrow(/2 outputs \('a', 'b'\); say which with outputName/);
    await expect(embedTexts(["cat"], { model: two, tokenizer, outputName: "c" })).rejects.toThrow(/no output 'c'/);
    expect((await embedTexts(["cat"], { model: two, tokenizer, outputName: "b", normalize: false })).shape).toEqual([1, 2]);
    const odd: EmbeddingModel = { async run() { return { x: tensor("f32", [5]) }; } };
    const err = await embedTexts(["cat"], { model: odd, tokenizer }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelError);
    expect((err as Error).message).toMatch(/output \[5\] is neither \[1, D\] embeddings nor \[1, 3, D\] token states/);
  });

  it("no texts, no rows", async () => {
    expect((await embedTexts([], { model: tokenStates, tokenizer })).shape).toEqual([0, 0]);
  });
});
