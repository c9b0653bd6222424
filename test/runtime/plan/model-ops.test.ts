import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Field, Int32, Table, tableFromIPC, tableToIPC, vectorFromArray } from "apache-arrow";
import { beforeAll, describe, expect, it, vi } from "vitest";
import type { Tensor } from "../../../kernels/tensor.js";
import { PlanError } from "../../../runtime/api/runtime-errors.js";
import type { Batch } from "../../../runtime/api/stream.js";
import type { AsyncRowOperator, AsyncRowState } from "../../../runtime/operators/async-row-operator.js";
import { inferOp } from "../../../runtime/plan/ops/model-ops.js";
import { fixedShapeTensorAsTensor, fixedShapeTensorColumn, columnOf, recordBatchFromColumns, type ExtensionColumn } from "../../../runtime/types/index.js";
import { buildMlp, runRows, type ModelRuntime } from "../../../scheduler/models/index.js";
import { normalArray } from "../../../scheduler/models/seeded-random.js";
import { planTransform, runOperator, testSession } from "../../helpers/plan-step.js";

const SQUEEZENET = join(process.cwd(), "..", "shared", "models", "light_squeezenet.onnx");

let dir: string;
let mlpPath: string;
let fixedPath: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "sluice-infer-"));
  mlpPath = join(dir, "mlp.onnx");
  fixedPath = join(dir, "mlp-fixed.onnx");
  writeFileSync(mlpPath, buildMlp({ inputSize: 8, hidden: 16, classes: 3, seed: 7 }));
  writeFileSync(fixedPath, buildMlp({ inputSize: 8, hidden: 16, classes: 3, seed: 7, batch: 1 }));
  writeFileSync(join(dir, "not-a-model.onnx"), "hello, I am text");
});

/** `n` rows with ids from `from` and a seeded `[rowShape]` tensor column `x`. */
function rows(from: number, n: number, rowShape: readonly number[] = [8], dtype: "f32" | "i32" = "f32"): Batch {
  const size = rowShape.reduce((a, b) => a * b, 1);
  const values = normalArray(n * size, 1, 1000 + from);
  const data = dtype === "f32" ? Float32Array.from(values) : Int32Array.from(values, (v) => Math.round(v * 10));
  const id = { field: new Field("id", new Int32(), true), vector: vectorFromArray(Array.from({ length: n }, (_, i) => from + i), new Int32()) } as ExtensionColumn;
  return recordBatchFromColumns([id, fixedShapeTensorColumn("x", { dtype, shape: [n, ...rowShape], data } as Tensor)]);
}

/** The same model the op plans with (the session caches it per path and options). */
async function sessionModel(path: string): Promise<ModelRuntime> {
  return (await testSession()).loadModel(path, { runtime: "node" });
}

function tensorOf(batches: readonly Batch[], column: string): Float32Array {
  const parts = batches.map((b) => fixedShapeTensorAsTensor(columnOf(b, column)).data as Float32Array);
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

async function direct(model: ModelRuntime, batches: readonly Batch[]): Promise<Float32Array> {
  const x = tensorOf(batches, "x");
  const out = await runRows(model, { x: { dtype: "f32", shape: [x.length / 8, 8], data: x } });
  return out.probs!.data as Float32Array;
}

const ids = (batches: readonly Batch[]): number[] => batches.flatMap((b) => [...b.getChild("id")!] as number[]);

describe("infer", () => {
  it("batches rows across input batches into one model call and matches a direct run", async () => {
    const input = [rows(0, 10), rows(10, 10), rows(20, 10)];
    const planned = await planTransform(inferOp, { model: mlpPath, inputs: { x: "x" }, outputs: { probs: "probs" }, batch: { maxRows: 32, maxDelayMs: 60_000 } }, input[0]!.schema);
    expect(planned.ownRegion).toBe(true);
    expect(planned.backend).toBe("onnxruntime-node");
    expect(planned.detail).toContain("dynamic batch");
    expect(planned.output.fields.map((f) => f.name)).toEqual(["id", "x", "probs"]);
    const model = await sessionModel(mlpPath);
    const spy = vi.spyOn(model, "run");
    try {
      const op = planned.create() as AsyncRowOperator<unknown>;
      const run = await runOperator(op, input);
      expect(spy).toHaveBeenCalledTimes(1);
      expect(spy.mock.calls[0]![0].x!.shape).toEqual([30, 8]);
      expect(op.asyncMetrics().batches).toBe(1);
      expect(ids(run.out)).toEqual(Array.from({ length: 30 }, (_, i) => i));
      expect(run.out.map((b) => b.numRows)).toEqual([10, 10, 10]);
      spy.mockClear();
      const expected = await direct(model, input);
      expect(Array.from(tensorOf(run.out, "probs"))).toEqual(Array.from(expected));
      expect(run.deadLetters).toEqual([]);
      // Output batches are ordinary record batches: they survive IPC with their extension metadata.
      const back = tableFromIPC(tableToIPC(new Table(run.out), "stream"));
      expect(back.numRows).toBe(30);
      expect(back.schema.fields[2]!.metadata.get("ARROW:extension:name")).toBe("arrow.fixed_shape_tensor");
      expect(Array.from(fixedShapeTensorAsTensor(columnOf(back, "probs")).data)).toEqual(Array.from(expected));
    } finally {
      spy.mockRestore();
    }
  });

  it("splits into maxRows calls and keeps only the columns asked for", async () => {
    const input = [rows(0, 7), rows(7, 7)];
    const planned = await planTransform(inferOp, { model: mlpPath, outputs: { probs: "scores" }, keep: ["id"], batch: { maxRows: 4 } }, input[0]!.schema);
    expect(planned.output.fields.map((f) => f.name)).toEqual(["id", "scores"]);
    const model = await sessionModel(mlpPath);
    const spy = vi.spyOn(model, "run");
    try {
      const run = await runOperator(planned.create(), input);
      expect(spy.mock.calls.map((c) => c[0].x!.shape[0])).toEqual([4, 4, 4, 2]);
      expect(ids(run.out)).toEqual(Array.from({ length: 14 }, (_, i) => i));
      spy.mockRestore();
      const expected = await direct(model, input);
      const got = tensorOf(run.out, "scores");
      expect(got.length).toBe(expected.length);
      got.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 6));
    } finally {
      spy.mockRestore();
    }
  });

  it("runs a model with a fixed batch of 1 one row per call", async () => {
    const input = [rows(0, 3), rows(3, 2)];
    const planned = await planTransform(inferOp, { model: fixedPath, batch: { maxRows: 32 } }, input[0]!.schema);
    expect(planned.detail).toContain("fixed batch 1 (a call per row)");
    const model = await sessionModel(fixedPath);
    const spy = vi.spyOn(model, "run");
    try {
      const run = await runOperator(planned.create(), input);
      expect(spy.mock.calls.map((c) => c[0].x!.shape)).toEqual([[1, 8], [1, 8], [1, 8], [1, 8], [1, 8]]);
      const dynamic = await sessionModel(mlpPath);
      const expected = await direct(dynamic, input);
      const got = tensorOf(run.out, "probs");
      got.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 5));
    } finally {
      spy.mockRestore();
    }
  });

  it("runs on onnxruntime-web when asked, with the same results", async () => {
    const input = [rows(0, 6)];
    const planned = await planTransform(inferOp, { model: mlpPath, runtime: "web", warmUp: true, batch: { maxRows: 4 } }, input[0]!.schema);
    expect(planned.backend).toBe("onnxruntime-web");
    const run = await runOperator(planned.create(), input);
    expect(run.metrics.backend).toBe("onnxruntime-web");
    const expected = await direct(await sessionModel(mlpPath), input);
    const got = tensorOf(run.out, "probs");
    expect(got.length).toBe(expected.length);
    got.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 5));
  }, 60_000);

  it.skipIf(!existsSync(SQUEEZENET))("runs light_squeezenet (fixed batch 1) on tensor rows", async () => {
    const input = [rows(0, 2, [3, 224, 224]), rows(2, 1, [3, 224, 224])];
    const planned = await planTransform(inferOp, { model: SQUEEZENET, inputs: { data_0: "x" }, outputs: { softmaxout_1: "scores" }, batch: { maxRows: 8 } }, input[0]!.schema);
    const model = await sessionModel(SQUEEZENET);
    const run = await runOperator(planned.create(), input);
    expect(ids(run.out)).toEqual([0, 1, 2]);
    const got = tensorOf(run.out, "scores");
    const size = got.length / 3;
    for (let r = 0; r < 3; r++) {
      const x = tensorOf(input, "x").subarray(r * 3 * 224 * 224, (r + 1) * 3 * 224 * 224);
      const out = await model.run({ data_0: { dtype: "f32", shape: [1, 3, 224, 224], data: x } });
      const want = out.softmaxout_1!.data as Float32Array;
      expect(Array.from(got.subarray(r * size, (r + 1) * size))).toEqual(Array.from(want));
    }
  }, 60_000);

  it("rejects a missing or invalid model file at plan time, naming the step and the path", async () => {
    const schema = rows(0, 1).schema;
    const missing = planTransform(inferOp, { model: "nope.onnx" }, schema, dir);
    await expect(missing).rejects.toBeInstanceOf(PlanError);
    await expect(missing).rejects.toThrow(`step 'infer': cannot load model ${join(dir, "nope.onnx")}: file not found`);
    await expect(planTransform(inferOp, { model: "not-a-model.onnx" }, schema, dir)).rejects.toThrow(/step 'infer': cannot load model .*not-a-model\.onnx: not an ONNX model/);
  });

  it("rejects columns that do not fit the model's inputs, naming the step", async () => {
    const plan = (args: Record<string, unknown>, batch: Batch) => planTransform(inferOp, { model: mlpPath, ...args }, batch.schema);
    await expect(plan({}, rows(0, 1, [8], "i32"))).rejects.toThrow(/step 'infer'.*column 'x' for input 'x': dtype expected f32 \(model float32\), got i32/);
    await expect(plan({}, rows(0, 1, [4]))).rejects.toThrow(/step 'infer'.*column 'x' for input 'x': row dim 0 expected \[8\] per row/);
    await expect(plan({}, rows(0, 1, [2, 4]))).rejects.toThrow(/step 'infer'.*rank/);
    await expect(plan({ inputs: { x: "id" } }, rows(0, 1))).rejects.toThrow(/step 'infer'.*column 'id' for model input 'x' must be a fixed-shape tensor column/);
    await expect(plan({ inputs: { x: "pixels" } }, rows(0, 1))).rejects.toThrow(/step 'infer'.*column 'pixels' for model input 'x' does not exist/);
    await expect(plan({ inputs: { y: "x" } }, rows(0, 1))).rejects.toThrow(/step 'infer'.*model has no input 'y' \(inputs: 'x'\)/);
    await expect(plan({ outputs: { logits: "l" } }, rows(0, 1))).rejects.toThrow(/step 'infer'.*model has no output 'logits'/);
    await expect(plan({ keep: ["nope"] }, rows(0, 1))).rejects.toThrow(/step 'infer'.*kept column 'nope' does not exist/);
    await expect(plan({ batch: { maxRows: 0 } }, rows(0, 1))).rejects.toThrow(/step 'infer'.*batch\.maxRows must be an integer ≥ 1/);
  });

  it("snapshots with calls in flight; a fresh operator restored from it yields every row exactly once", async () => {
    const planned = await planTransform(inferOp, { model: mlpPath, batch: { maxRows: 8, maxDelayMs: 0 }, concurrency: 2 }, rows(0, 1).schema);
    const first = planned.create() as AsyncRowOperator<unknown>;
    const emitted: Batch[] = [];
    const ctx = {
      step: "infer",
      emit: async (b: Batch) => void emitted.push(b),
      deadLetter: async () => {},
      metrics: { rowsIn: 0, rowsOut: 0, batchesIn: 0, batchesOut: 0, deadLettered: 0, busyMs: 0, latencies: [] },
      signal: new AbortController().signal,
    };
    await first.open(ctx);
    await first.processBatch(rows(0, 8), ctx);
    // One range item of 8 rows, settled and waiting for the operator's next turn.
    await vi.waitFor(() => expect(first.asyncMetrics().awaitingTake).toBe(1), { timeout: 10_000 });
    await first.processBatch(rows(8, 12), ctx); // emits rows 0–7, sends rows 8–19
    expect(first.asyncMetrics().inFlight).toBeGreaterThan(0);
    const state = JSON.parse(JSON.stringify(first.snapshot())) as AsyncRowState;
    expect(ids(emitted)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(state.pending.reduce((n, p) => n + p.bytes, 0)).toBe(12);
    first.close();

    const second = planned.create();
    second.restore(state);
    const run = await runOperator(second, [rows(20, 5)]);
    const all = [...emitted, ...run.out];
    expect(ids(all)).toEqual(Array.from({ length: 25 }, (_, i) => i));
    const expected = await direct(await sessionModel(mlpPath), [rows(0, 8), rows(8, 12), rows(20, 5)]);
    const got = tensorOf(all, "probs");
    got.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 6));
  });
});
