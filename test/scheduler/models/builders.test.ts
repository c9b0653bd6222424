import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tensor, type Tensor } from "../../../kernels/tensor.js";
import { buildImageClassifier, IMAGE_CLASSIFIER_LABELS } from "../../../scheduler/models/build-image-classifier.js";
import { buildMlp } from "../../../scheduler/models/build-mlp.js";
import { buildTextEmbedder } from "../../../scheduler/models/build-text-embedder.js";
import { loadModel } from "../../../scheduler/models/load-model.js";
import type { ModelRuntime } from "../../../scheduler/models/model-runtime.js";
import { uniform } from "../../../scheduler/models/seeded-random.js";

const builders = {
  mlp: () => buildMlp(),
  classifier: () => buildImageClassifier(),
  embedder: () => buildTextEmbedder(),
};
type Name = keyof typeof builders;

function randomF32(shape: number[], seed: number, lo = -2, hi = 2): Tensor {
  const u = uniform(seed);
  const t = tensor("f32", shape);
  for (let i = 0; i < t.data.length; i++) t.data[i] = lo + (hi - lo) * u();
  return t;
}

/** Token ids in [1, 1023] with rows padded (mask 0, id 0) after `lengths[row]` tokens. */
function tokens(lengths: number[], width: number, seed: number): { input_ids: Tensor; attention_mask: Tensor } {
  const u = uniform(seed);
  const ids = tensor("i32", [lengths.length, width]);
  const mask = tensor("i32", [lengths.length, width]);
  lengths.forEach((len, r) => {
    for (let j = 0; j < len; j++) {
      ids.data[r * width + j] = 1 + Math.floor(u() * 1023);
      mask.data[r * width + j] = 1;
    }
  });
  return { input_ids: ids, attention_mask: mask };
}

const feeds: Record<Name, () => Record<string, Tensor>> = {
  mlp: () => ({ x: randomF32([5, 64], 11) }),
  classifier: () => ({ pixels: randomF32([3, 3, 224, 224], 12) }),
  embedder: () => tokens([4, 1, 7], 7, 13),
};

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(Buffer.from(b));

function maxDiff(a: Tensor, b: Tensor): number {
  let m = 0;
  for (let i = 0; i < a.data.length; i++) m = Math.max(m, Math.abs(a.data[i]! - b.data[i]!));
  return m;
}

function rowSums(t: Tensor): number[] {
  const [n, k] = t.shape as [number, number];
  return Array.from({ length: n }, (_, r) => Array.from(t.data.subarray(r * k, (r + 1) * k) as ArrayLike<number>).reduce((a, b) => a + b, 0));
}

describe("model builders", () => {
  const models: Record<string, ModelRuntime> = {};

  beforeAll(async () => {
    for (const name of Object.keys(builders) as Name[]) {
      models[`${name}/node`] = await loadModel(builders[name](), { runtime: "node", threads: 1, name });
      models[`${name}/web`] = await loadModel(builders[name](), { runtime: "web", name });
    }
  });
  afterAll(async () => {
    await Promise.all(Object.values(models).map((m) => m.close()));
  });

  it.each(Object.keys(builders) as Name[])("%s gives the same bytes every time", (name) => {
    expect(sameBytes(builders[name](), builders[name]())).toBe(true);
  });

  it("different seeds give different weights", () => {
    expect(sameBytes(buildMlp({ seed: 1 }), buildMlp({ seed: 2 }))).toBe(false);
    expect(sameBytes(buildImageClassifier({ seed: 1 }), buildImageClassifier({ seed: 2 }))).toBe(false);
    expect(sameBytes(buildTextEmbedder({ seed: 1 }), buildTextEmbedder({ seed: 2 }))).toBe(false);
  });

  it.each(Object.keys(builders) as Name[])("%s runs on onnxruntime-node and onnxruntime-web with the same results", async (name) => {
    const f = feeds[name]();
    const a = await models[`${name}/node`]!.run(f);
    const b = await models[`${name}/web`]!.run(f);
    expect(Object.keys(a)).toEqual(Object.keys(b));
    for (const k of Object.keys(a)) {
      expect(a[k]!.shape).toEqual(b[k]!.shape);
      expect(a[k]!.data.every(Number.isFinite)).toBe(true);
      expect(maxDiff(a[k]!, b[k]!)).toBeLessThan(1e-4);
    }
  });

  it("reports each model's dynamic dims in its metadata", () => {
    expect(models["mlp/node"]!.inputs).toEqual([{ name: "x", dtype: "f32", onnxType: "float32", shape: ["N", 64] }]);
    expect(models["mlp/web"]!.outputs).toEqual([{ name: "probs", dtype: "f32", onnxType: "float32", shape: ["N", 10] }]);
    expect(models["classifier/node"]!.inputs[0]!.shape).toEqual(["N", 3, 224, 224]);
    expect(models["embedder/web"]!.inputs.map((i) => [i.name, i.dtype, i.onnxType, i.shape])).toEqual([
      ["input_ids", "i32", "int64", ["N", "L"]],
      ["attention_mask", "i32", "int64", ["N", "L"]],
    ]);
    expect(models["embedder/node"]!.outputs[0]!.shape).toEqual(["N", 32]);
  });

  it("the MLP and the classifier output a probability distribution per row", async () => {
    const mlp = await models["mlp/node"]!.run(feeds.mlp());
    expect(mlp.probs!.shape).toEqual([5, 10]);
    for (const s of rowSums(mlp.probs!)) expect(s).toBeCloseTo(1, 5);
    const cls = await models["classifier/node"]!.run(feeds.classifier());
    expect(cls.probs!.shape).toEqual([3, IMAGE_CLASSIFIER_LABELS.length]);
    for (const s of rowSums(cls.probs!)) expect(s).toBeCloseTo(1, 5);
  });

  it("the classifier's prediction depends on the image", async () => {
    const u = uniform(5);
    const n = 16;
    const px = tensor("f32", [n, 3, 224, 224]);
    const plane = 224 * 224;
    for (let b = 0; b < n; b++) {
      const base = [u() * 4 - 2, u() * 4 - 2, u() * 4 - 2];
      const [fx, fy, amp] = [u() * 0.2, u() * 0.2, u() * 2];
      for (let c = 0; c < 3; c++)
        for (let i = 0; i < plane; i++) px.data[(b * 3 + c) * plane + i] = base[c]! + amp * Math.sin(fx * (i % 224) + fy * Math.floor(i / 224) + c);
    }
    const { probs } = await models["classifier/node"]!.run({ pixels: px });
    const argmax = rowSums(probs!).map((_, r) => {
      const row = [...probs!.data.subarray(r * 10, r * 10 + 10)];
      return row.indexOf(Math.max(...row));
    });
    expect(new Set(argmax).size).toBeGreaterThanOrEqual(3);
  });

  it("the embedder mean-pools the unmasked tokens", async () => {
    const model = models["embedder/node"]!;
    const one = async (ids: number[], mask: number[]) =>
      (await model.run({ input_ids: tensor("i32", [1, ids.length], ids), attention_mask: tensor("i32", [1, ids.length], mask) })).embeddings!;
    const a = await one([17], [1]);
    const b = await one([99], [1]);
    const pair = await one([17, 99, 5, 0], [1, 1, 0, 0]);
    expect(pair.shape).toEqual([1, 32]);
    for (let i = 0; i < 32; i++) expect(pair.data[i]).toBeCloseTo((a.data[i]! + b.data[i]!) / 2, 5);
    const padded = await one([17, 99, 600, 601], [1, 1, 0, 0]);
    expect([...padded.data]).toEqual([...pair.data]);
    expect(maxDiff(a, b)).toBeGreaterThan(0.1);
    const empty = await one([3, 4], [0, 0]);
    expect([...empty.data].every((v) => v === 0)).toBe(true);
  });
});
