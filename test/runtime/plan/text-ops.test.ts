import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Field, Int32, Table, Utf8, makeData, makeVector, tableToIPC, vectorFromArray, type RecordBatch, type Schema } from "apache-arrow";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeParquet } from "../../../connectors/parquet/parquet-wasm.js";
import type { Tensor } from "../../../kernels/tensor.js";
import { embedTexts } from "../../../runtime/functions/embed.js";
import { WordPieceTokenizer } from "../../../runtime/functions/wordpiece-tokenizer.js";
import { WordPieceVocab } from "../../../runtime/functions/wordpiece-vocab.js";
import type { OpDefinition, PlannedTransform } from "../../../runtime/plan/op-definition.js";
import { TEXT_OPS } from "../../../runtime/plan/ops/text-ops.js";
import {
  columnOf,
  embeddingColumn,
  embeddingInfo,
  embeddingView,
  fixedShapeTensorAsTensor,
  fixedShapeTensorColumn,
  recordBatchFromColumns,
  type ExtensionColumn,
} from "../../../runtime/types/index.js";
import { buildMlp, buildTextEmbedder } from "../../../scheduler/models/index.js";
import { runOperator, testContext, testSession, testStep } from "../../helpers/plan-step.js";
import { randomTensor, rng } from "../../helpers/random-tensors.js";

const dir = mkdtempSync(join(tmpdir(), "sluice-text-ops-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "the", "cat", "sat", "on", "mat", "a", "dog", "##s", "fox", "ran"];
const vocabFile = join(dir, "vocab.txt");
writeFileSync(vocabFile, VOCAB.join("\n") + "\n");
const tokenizer = new WordPieceTokenizer(WordPieceVocab.fromTokens(VOCAB));

const opDef = (name: string): OpDefinition => TEXT_OPS.find((d) => d.name === name)!;

/** Plans `name` with relative paths resolved against the test's temp directory. */
async function plan(name: string, args: Record<string, unknown>, input: Schema, stepName = name): Promise<PlannedTransform> {
  const def = opDef(name);
  if (def.kind !== "transform") throw new Error(`${name} is not a transform`);
  return def.plan(args, input, await testContext(testStep(name, args, { name: stepName }), dir));
}

const text = (name: string, values: (string | null)[]): ExtensionColumn => ({ field: new Field(name, new Utf8(), true), vector: vectorFromArray(values, new Utf8()) });

function int32s(name: string, values: (number | null)[]): ExtensionColumn {
  const valid = values.map((v) => v !== null);
  const bitmap = new Uint8Array((values.length + 7) >> 3);
  valid.forEach((v, i) => v && (bitmap[i >> 3] |= 1 << (i & 7)));
  const data = makeData({ type: new Int32(), length: values.length, data: Int32Array.from(values, (v) => v ?? 0), nullBitmap: bitmap, nullCount: valid.filter((v) => !v).length });
  return { field: new Field(name, new Int32(), true), vector: makeVector(data) };
}

describe("chunk", () => {
  const docs = ["abcdefghij", "", null, "xy", "the cats sat on a mat"];
  const pos = randomTensor("f32", [docs.length, 2], rng(4));
  const input = recordBatchFromColumns([text("id", ["d0", "d1", "d2", "d3", "d4"]), text("text", docs), int32s("n", [10, 11, 12, null, 14]), fixedShapeTensorColumn("pos", pos)]);

  it("by chars: one row per window, other columns repeated and aligned, empty and null texts give none", async () => {
    const planned = await plan("chunk", { column: "text", by: "chars", size: 4, overlap: 1 }, input.schema);
    expect(planned.output.fields.map((f) => f.name)).toEqual(["id", "chunk", "chunkIndex", "n", "pos"]);
    const [out] = (await runOperator(planned.create(), [input])).out;
    const chunks = out!.getChild("chunk")!.toArray() as string[];
    expect(chunks.slice(0, 5)).toEqual(["abcd", "defg", "ghij", "xy", "the "]);
    const src = (r: number): number => ["d0", "d1", "d2", "d3", "d4"].indexOf(out!.getChild("id")!.get(r) as string);
    expect(Array.from({ length: out!.numRows }, (_, r) => src(r)).slice(0, 5)).toEqual([0, 0, 0, 3, 4]);
    expect([...(out!.getChild("chunkIndex")!.toArray() as Int32Array)].slice(0, 5)).toEqual([0, 1, 2, 0, 0]);
    const posOut = fixedShapeTensorAsTensor(columnOf(out!, "pos"));
    for (let r = 0; r < out!.numRows; r++) {
      const s = src(r);
      expect(out!.getChild("n")!.get(r)).toBe([10, 11, 12, null, 14][s]);
      expect([posOut.data[r * 2], posOut.data[r * 2 + 1]]).toEqual([pos.data[s * 2], pos.data[s * 2 + 1]]);
    }
    // Every chunk of document 4 reassembles into it (overlap 1 between windows).
    const d4 = chunks.filter((_, r) => src(r) === 4);
    expect(d4.map((c, i) => (i === 0 ? c : c.slice(1))).join("")).toBe(docs[4]);
  });

  it("by chars matches a plain-JS window reference on random ASCII texts", async () => {
    const rand = rng(9);
    const texts = Array.from({ length: 12 }, () => Array.from({ length: Math.floor(rand() * 40) }, () => String.fromCharCode(97 + Math.floor(rand() * 26))).join(""));
    const b = recordBatchFromColumns([text("t", texts)]);
    const [out] = (await runOperator((await plan("chunk", { column: "t", by: "chars", size: 7, overlap: 3, output: "c", index: "i" }, b.schema)).create(), [b])).out;
    const want: string[] = [];
    for (const t of texts) {
      for (let s = 0; s < t.length; s += 4) {
        want.push(t.slice(s, s + 7));
        if (s + 7 >= t.length) break;
      }
    }
    expect(out!.schema.fields.map((f) => f.name)).toEqual(["c", "i"]);
    expect(out!.getChild("c")!.toArray()).toEqual(want);
  });

  it("by tokens counts WordPiece tokens with a vocabulary, words without", async () => {
    const b = recordBatchFromColumns([text("text", ["the cats sat on a mat"])]);
    const [wp] = (await runOperator((await plan("chunk", { column: "text", by: "tokens", size: 3, vocab: "vocab.txt" }, b.schema)).create(), [b])).out;
    // the · cat · ##s | sat · on · a | mat
    expect(wp!.getChild("chunk")!.toArray()).toEqual(["the cats", "sat on a", "mat"]);
    const [words] = (await runOperator((await plan("chunk", { column: "text", by: "tokens", size: 3 }, b.schema)).create(), [b])).out;
    expect(words!.getChild("chunk")!.toArray()).toEqual(["the cats sat", "on a mat"]);
  });

  it("argument and column errors name the step", async () => {
    await expect(plan("chunk", { column: "text", by: "chars", size: 4, overlap: 4 }, input.schema, "split")).rejects.toThrow(/step 'split': overlap 4 must be below size 4/);
    await expect(plan("chunk", { column: "pos", by: "chars", size: 4 }, input.schema)).rejects.toThrow(/step 'chunk': column 'pos' is arrow.fixed_shape_tensor .*not text/);
    await expect(plan("chunk", { column: "text", by: "chars", size: 4, vocab: "vocab.txt" }, input.schema)).rejects.toThrow(/vocab is only used with by: tokens/);
    await expect(plan("chunk", { column: "text", by: "tokens", size: 4, vocab: "nope.txt" }, input.schema)).rejects.toThrow(/step 'chunk': cannot read vocabulary/);
  });
});

describe("tokenize", () => {
  it("ids and mask as i32 [maxLength] tensors equal to the tokenizer's; a null text is dead-lettered", async () => {
    const planned = await plan("tokenize", { column: "text", vocab: "vocab.txt", maxLength: 6 }, recordBatchFromColumns([text("id", []), text("text", [])]).schema);
    expect(planned.output.fields.map((f) => f.name)).toEqual(["id", "text", "input_ids", "attention_mask"]);
    const b1 = recordBatchFromColumns([text("id", ["a", "b"]), text("text", ["the cat sat", "dogs ran on the mat"])]);
    const b2 = recordBatchFromColumns([text("id", ["c", "d", "e"]), text("text", ["fox", null, "zebra"])]);
    const { out, deadLetters } = await runOperator(planned.create(), [b1, b2]);
    expect(out.map((b) => b.getChild("id")!.toArray())).toEqual([["a", "b"], ["c", "e"]]);
    const texts = ["the cat sat", "dogs ran on the mat", "fox", "zebra"];
    const ids = [...out.flatMap((b) => [...fixedShapeTensorAsTensor(columnOf(b, "input_ids")).data])];
    const mask = [...out.flatMap((b) => [...fixedShapeTensorAsTensor(columnOf(b, "attention_mask")).data])];
    expect(fixedShapeTensorAsTensor(columnOf(out[0]!, "input_ids")).dtype).toBe("i32");
    expect(ids).toEqual(texts.flatMap((t) => [...tokenizer.encode(t, { maxLength: 6, padding: "max_length" }).ids]));
    expect(mask).toEqual(texts.flatMap((t) => [...tokenizer.encode(t, { maxLength: 6, padding: "max_length" }).attentionMask]));
    // "the cat sat" → [CLS] the cat sat [SEP] [PAD]
    expect(ids.slice(0, 6)).toEqual([2, 4, 5, 6, 3, 0]);
    // The null was row 1 of the second batch: stream position 3.
    expect(deadLetters).toEqual([expect.objectContaining({ step: "tokenize", key: 3, error: "RecordError", reason: "column 'text' is null: no text" })]);
  });

  it("a vocabulary without the special tokens is a plan error", async () => {
    writeFileSync(join(dir, "bare.txt"), "the\ncat\n");
    await expect(plan("tokenize", { column: "text", vocab: "bare.txt", maxLength: 8 }, recordBatchFromColumns([text("text", [])]).schema, "tok")).rejects.toThrow(
      /step 'tok': the unknown token "\[UNK\]" is not in the vocabulary/,
    );
  });
});

describe("embed", () => {
  const modelFile = join(dir, "embedder.onnx");
  const texts = ["the cat sat on the mat", "a dog ran", "foxes", "the fox sat", "mat"];
  beforeAll(() => {
    writeFileSync(modelFile, buildTextEmbedder({ vocabSize: VOCAB.length, dim: 8, seed: 5 }));
    writeFileSync(join(dir, "mlp.onnx"), buildMlp({ inputSize: 4, hidden: 4, classes: 3 }));
  });

  it("writes unit-norm sluice.embedding rows equal to the embed built-in; runs in its own region on onnxruntime", async () => {
    const input = recordBatchFromColumns([text("id", texts.map((_, i) => `t${i}`)), text("text", texts)]);
    const planned = await plan("embed", { column: "text", model: "embedder.onnx", vocab: "vocab.txt" }, input.schema);
    expect(planned.ownRegion).toBe(true);
    expect(planned.backend).toBe("onnxruntime-node");
    const field = planned.output.fields.find((f) => f.name === "embedding")!;
    expect(embeddingInfo(field)).toMatchObject({ dim: 8, normalized: true, metric: "cosine", model: "embedder.onnx" });
    const [out] = (await runOperator(planned.create(), [input])).out;
    const e = embeddingView(columnOf(out!, "embedding"));
    expect(e.shape).toEqual([5, 8]);
    for (let r = 0; r < 5; r++) expect(Math.hypot(...e.data.subarray(r * 8, r * 8 + 8))).toBeCloseTo(1, 5);
    const model = await (await testSession()).loadModel(modelFile);
    const want = await embedTexts(texts, { model, tokenizer });
    e.data.forEach((v, i) => expect(v).toBeCloseTo(want.data[i]!, 5));
    // Different texts, different vectors.
    expect(Array.from(e.data.subarray(0, 8))).not.toEqual(Array.from(e.data.subarray(8, 16)));
  });

  it("normalize: false keeps the model's vectors", async () => {
    const input = recordBatchFromColumns([text("text", ["the cat sat"])]);
    const [out] = (await runOperator((await plan("embed", { column: "text", model: "embedder.onnx", vocab: "vocab.txt", normalize: false, output: "v" }, input.schema)).create(), [input])).out;
    const v = embeddingView(columnOf(out!, "v"));
    expect(Math.hypot(...v.data)).not.toBeCloseTo(1, 3);
  });

  it("a model that is not a text embedder, or a missing file, is a plan error naming the step", async () => {
    const schema = recordBatchFromColumns([text("text", [])]).schema;
    await expect(plan("embed", { column: "text", model: "mlp.onnx", vocab: "vocab.txt" }, schema, "emb")).rejects.toThrow(/step 'emb': model .*mlp.onnx: has no input 'input_ids' \(inputs: 'x'\)/);
    await expect(plan("embed", { column: "text", model: "absent.onnx", vocab: "vocab.txt" }, schema, "emb")).rejects.toThrow(/step 'emb': cannot load model absent.onnx/);
    await expect(plan("embed", { column: "text", model: "embedder.onnx", vocab: "vocab.txt", outputName: "nope" }, schema, "emb")).rejects.toThrow(/step 'emb': model .*: has no output 'nope' \(outputs: 'embeddings'\)/);
  });
});

describe("search", () => {
  // Five directions in 4-d; queries are scaled copies, so each one's best match is known.
  const vectors = [
    [1, 0, 0, 0],
    [0, 1, 0, 0],
    [0.6, 0.8, 0, 0],
    [0, 0, 1, 1],
    [-1, 0, 0, 0.2],
  ];
  const cosine = (a: number[], b: number[]): number => a.reduce((s, v, i) => s + v * b[i]!, 0) / (Math.hypot(...a) * Math.hypot(...b));

  beforeAll(() => {
    writeFileSync(join(dir, "index.jsonl"), vectors.map((v, i) => JSON.stringify({ id: `doc${i}`, embedding: v })).join("\n") + "\n");
  });

  const queries = (rows: number[][], valid?: boolean[]): RecordBatch =>
    recordBatchFromColumns([text("q", rows.map((_, i) => `q${i}`)), fixedShapeTensorColumn("vec", { dtype: "f32", shape: [rows.length, 4], data: Float32Array.from(rows.flat()) }, valid ? { valid } : {})]);

  it("returns the expected ids, best first, with cosine scores (JSONL index)", async () => {
    const qs = [[2, 0, 0, 0], [0, 0, 3, 3], [0.3, 0.4, 0, 0], [0.1, 1, 0, 0]];
    const b = queries(qs);
    const planned = await plan("search", { column: "vec", index: "index.jsonl", k: 3 }, b.schema);
    expect(planned.output.fields.map((f) => f.name)).toEqual(["q", "vec", "ids", "scores"]);
    const [out] = (await runOperator(planned.create(), [b])).out;
    const scores = fixedShapeTensorAsTensor(columnOf(out!, "scores"));
    qs.forEach((q, r) => {
      const want = vectors.map((v, i) => ({ id: `doc${i}`, s: cosine(q, v) })).sort((x, y) => y.s - x.s).slice(0, 3);
      expect([...(out!.getChild("ids")!.get(r) as { toArray(): string[] }).toArray()]).toEqual(want.map((w) => w.id));
      want.forEach((w, j) => expect(scores.data[r * 3 + j]).toBeCloseTo(w.s, 5));
    });
  });

  it("integer ids from an Arrow or Parquet index come out as an i32 tensor; k is capped at the index size", async () => {
    const idx = recordBatchFromColumns([int32s("id", [100, 101, 102, 103, 104]), embeddingColumn("embedding", { dtype: "f32", shape: [5, 4], data: Float32Array.from(vectors.flat()) }, { metric: "cosine", normalized: false })]);
    writeFileSync(join(dir, "index.arrow"), tableToIPC(new Table([idx]), "file"));
    writeFileSync(join(dir, "index.parquet"), await encodeParquet(idx.schema, [idx]));
    const b = queries([[0, 0, 1, 1], [1, 0, 0, 0]], [true, false]);
    for (const file of ["index.arrow", "index.parquet"]) {
      const planned = await plan("search", { column: "vec", index: file, k: 10, outputs: { ids: "hit", scores: "sim" } }, b.schema);
      const [out] = (await runOperator(planned.create(), [b])).out;
      const hit = fixedShapeTensorAsTensor(columnOf(out!, "hit"));
      expect(hit.dtype).toBe("i32");
      expect(hit.shape).toEqual([2, 5]);
      expect(hit.data[0]).toBe(103);
      expect(out!.getChild("hit")!.isValid(1)).toBe(false);
    }
  });

  it("a dimension mismatch or a bad index is a plan error naming the step", async () => {
    const b = recordBatchFromColumns([fixedShapeTensorColumn("vec", randomTensor("f32", [1, 3], rng(2)))]);
    await expect(plan("search", { column: "vec", index: "index.jsonl", k: 2 }, b.schema, "find")).rejects.toThrow(/step 'find': index index.jsonl holds 4-dim vectors but column 'vec' has 3-dim rows/);
    writeFileSync(join(dir, "ragged.jsonl"), '{"id":"a","embedding":[1,2,3]}\n{"id":"b","embedding":[1,2]}\n');
    await expect(plan("search", { column: "vec", index: "ragged.jsonl", k: 1 }, b.schema, "find")).rejects.toThrow(/step 'find': index .*ragged.jsonl: line 2: vector has 2 values, the first had 3/);
  });

  it("embed → search: each text finds itself first", async () => {
    const corpus = ["the cat sat on the mat", "a dog ran", "the fox sat", "dogs on a mat"];
    const input = recordBatchFromColumns([text("id", corpus.map((_, i) => `c${i}`)), text("text", corpus)]);
    const embed = await plan("embed", { column: "text", model: "embedder.onnx", vocab: "vocab.txt" }, input.schema);
    const [embedded] = (await runOperator(embed.create(), [input])).out;
    const e = embeddingView(columnOf(embedded!, "embedding")) as Tensor<"f32">;
    writeFileSync(join(dir, "corpus.jsonl"), corpus.map((_, i) => JSON.stringify({ id: `c${i}`, embedding: Array.from(e.data.subarray(i * 8, i * 8 + 8)) })).join("\n"));
    const search = await plan("search", { column: "embedding", index: "corpus.jsonl", k: 1 }, embed.output);
    const [found] = (await runOperator(search.create(), [embedded!])).out;
    expect(corpus.map((_, r) => (found!.getChild("ids")!.get(r) as { toArray(): string[] }).toArray()[0])).toEqual(corpus.map((_, i) => `c${i}`));
    const s = fixedShapeTensorAsTensor(columnOf(found!, "scores"));
    s.data.forEach((v) => expect(v).toBeCloseTo(1, 5));
  });
});
