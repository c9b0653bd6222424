import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tensor, type Tensor } from "../../../kernels/tensor.js";
import { batchDim } from "../../../scheduler/models/batch-dim.js";
import { buildMlp } from "../../../scheduler/models/build-mlp.js";
import { buildTextEmbedder } from "../../../scheduler/models/build-text-embedder.js";
import { loadModel } from "../../../scheduler/models/load-model.js";
import { ModelFeedError, ModelRunError } from "../../../scheduler/models/model-errors.js";
import type { ModelIO, ModelRuntime } from "../../../scheduler/models/model-runtime.js";
import { runBatched, runRows } from "../../../scheduler/models/run-batched.js";
import { SessionModel } from "../../../scheduler/models/session-model.js";
import { uniform } from "../../../scheduler/models/seeded-random.js";
import { split, stack } from "../../../scheduler/models/stack-split.js";
import { fakeSession } from "./fake-session.js";

const io = (name: string, shape: ModelIO["shape"]): ModelIO => ({ name, dtype: "f32", onnxType: "float32", shape });

function records(n: number, rows: (i: number) => number, seed: number): Record<string, Tensor>[] {
  const u = uniform(seed);
  return Array.from({ length: n }, (_, i) => {
    const t = tensor("f32", [rows(i), 64]);
    for (let j = 0; j < t.data.length; j++) t.data[j] = u() * 4 - 2;
    return { x: t };
  });
}

/** Counts calls and the rows in each, by wrapping `run`. */
function counting(model: ModelRuntime): { model: ModelRuntime; calls: number[] } {
  const calls: number[] = [];
  const wrapped = Object.create(model) as ModelRuntime;
  wrapped.run = (feeds) => {
    calls.push(Object.values(feeds)[0]!.shape[0]!);
    return model.run(feeds);
  };
  return { model: wrapped, calls };
}

function expectClose(a: Tensor, b: Tensor): void {
  expect(a.shape).toEqual(b.shape);
  for (let i = 0; i < a.data.length; i++) expect(Math.abs(a.data[i]! - b.data[i]!)).toBeLessThan(1e-5);
}

describe("stack and split", () => {
  it("concatenate along dim 0 and cut back into views", () => {
    const a = tensor("i32", [1, 2], [1, 2]);
    const b = tensor("i32", [2, 2], [3, 4, 5, 6]);
    const s = stack([a, b]);
    expect(s.shape).toEqual([3, 2]);
    expect([...s.data]).toEqual([1, 2, 3, 4, 5, 6]);
    const [p, q] = split(s, [2, 1]);
    expect(p!.shape).toEqual([2, 2]);
    expect([...q!.data]).toEqual([5, 6]);
    expect(q!.data.buffer).toBe(s.data.buffer);
    expect(stack([a])).toBe(a);
  });

  it("refuse tensors that do not line up", () => {
    expect(() => stack([tensor("f32", [1, 2]), tensor("f32", [1, 3])])).toThrow(/only dim 0 may differ/);
    expect(() => stack([tensor("f32", [1, 2]), tensor("i32", [1, 2])])).toThrow(/i32/);
    expect(() => split(tensor("f32", [3, 2]), [1, 1])).toThrow(/add up to 2, dim 0 is 3/);
  });
});

describe("batchDim", () => {
  it("tells a dynamic, a fixed and a missing batch dim apart", () => {
    expect(batchDim({ inputs: [io("a", ["N", 3]), io("b", [null, 5])] })).toEqual({ kind: "dynamic", symbol: "N" });
    expect(batchDim({ inputs: [io("a", [1, 3, 224, 224])] })).toEqual({ kind: "fixed", size: 1 });
    expect(batchDim({ inputs: [io("a", ["N", 3]), io("b", [1, 3])] })).toMatchObject({ kind: "none", reason: expect.stringMatching(/disagree/) });
    expect(batchDim({ inputs: [io("a", [])] })).toMatchObject({ kind: "none" });
  });
});

describe("runBatched", () => {
  let dynamic: ModelRuntime;
  let fixed1: ModelRuntime;
  let fixed4: ModelRuntime;
  let embedder: ModelRuntime;

  beforeAll(async () => {
    // Same seed: the three MLPs compute the same function, only their batch dims differ.
    dynamic = await loadModel(buildMlp({ seed: 9 }), { runtime: "node", threads: 1 });
    fixed1 = await loadModel(buildMlp({ seed: 9, batch: 1 }), { runtime: "node", threads: 1 });
    fixed4 = await loadModel(buildMlp({ seed: 9, batch: 4 }), { runtime: "web" });
    embedder = await loadModel(buildTextEmbedder(), { runtime: "node", threads: 1 });
  });
  afterAll(async () => {
    await Promise.all([dynamic, fixed1, fixed4, embedder].map((m) => m.close()));
  });

  it("stacks records into one call on a dynamic batch dim, with the per-record results", async () => {
    const recs = records(7, () => 1, 1);
    const { model, calls } = counting(dynamic);
    const batched = await runBatched(model, recs);
    expect(calls).toEqual([7]);
    expect(batched).toHaveLength(7);
    for (const [i, r] of recs.entries()) expectClose(batched[i]!.probs!, (await dynamic.run(r)).probs!);
  });

  it("runs one record per call on a fixed batch of 1, with the same results", async () => {
    const recs = records(5, () => 1, 2);
    const { model, calls } = counting(fixed1);
    const perRecord = await runBatched(model, recs);
    expect(calls).toEqual([1, 1, 1, 1, 1]);
    const batched = await runBatched(dynamic, recs);
    for (let i = 0; i < 5; i++) expectClose(perRecord[i]!.probs!, batched[i]!.probs!);
  });

  it("cuts records of several rows to fit a fixed batch, padding the last call", async () => {
    const recs = records(3, (i) => [2, 3, 1][i]!, 3);
    const { model, calls } = counting(fixed4);
    const out = await runBatched(model, recs);
    expect(calls).toEqual([4, 4]);
    expect(out.map((o) => o.probs!.shape)).toEqual([[2, 10], [3, 10], [1, 10]]);
    const reference = await runBatched(dynamic, recs);
    for (let i = 0; i < 3; i++) for (let j = 0; j < out[i]!.probs!.data.length; j++) expect(out[i]!.probs!.data[j]).toBeCloseTo(reference[i]!.probs!.data[j]!, 5);
  });

  it("keeps calls within maxBatch on a dynamic batch dim", async () => {
    const recs = records(10, () => 1, 4);
    const { model, calls } = counting(dynamic);
    const out = await runBatched(model, recs, { maxBatch: 4 });
    expect(calls).toEqual([4, 4, 2]);
    const whole = await runBatched(dynamic, recs);
    for (let i = 0; i < 10; i++) expectClose(out[i]!.probs!, whole[i]!.probs!);
  });

  it("runRows takes a columnar batch and returns one output row per input row", async () => {
    const rows = stack(records(6, () => 1, 5).map((r) => r.x!));
    const viaFixed = await runRows(fixed1, { x: rows });
    const viaDynamic = await runRows(dynamic, { x: rows });
    expect(viaFixed.probs!.shape).toEqual([6, 10]);
    expectClose(viaFixed.probs!, viaDynamic.probs!);
  });

  it("batches int64 inputs fed as i32 (the embedder)", async () => {
    const rec = (ids: number[], mask: number[]) => ({
      input_ids: tensor("i32", [1, ids.length], ids),
      attention_mask: tensor("i32", [1, mask.length], mask),
    });
    const recs = [rec([5, 6, 0], [1, 1, 0]), rec([7, 8, 9], [1, 1, 1]), rec([1, 0, 0], [1, 0, 0])];
    const batched = await runBatched(embedder, recs);
    for (const [i, r] of recs.entries()) expectClose(batched[i]!.embeddings!, (await embedder.run(r)).embeddings!);
  });

  it("reports records that cannot be batched", async () => {
    await expect(runBatched(dynamic, [{ x: tensor("f32", [1, 64]) }, {}])).rejects.toThrow(/record 1: missing input 'x'/);
    await expect(runBatched(dynamic, [{ x: tensor("f32", [1, 64]) }, { x: tensor("f32", [1, 63]) }])).rejects.toBeInstanceOf(ModelFeedError);
    expect(await runBatched(dynamic, [])).toEqual([]);
  });

  it("refuses outputs without a row per input row", async () => {
    // The fake's output keeps the input's shape; declare a batch dim the output does not follow.
    const session = fakeSession();
    const run = session.run.bind(session);
    session.run = async (feeds) => {
      const out = await run(feeds);
      return { y: { ...out.y!, dims: [1, out.y!.data.length] } };
    };
    const model = new SessionModel(session, { name: "odd.onnx", backend: "onnxruntime-node", threads: 1 });
    model.markReady();
    const recs = [{ x: tensor("f32", [1, 3]) }, { x: tensor("f32", [1, 3]) }];
    await expect(runBatched(model, recs)).rejects.toThrow(ModelRunError);
  });
});
