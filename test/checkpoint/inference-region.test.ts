/**
 * A failure in the inference region re-executes no preprocessing: the planner cuts a region
 * before `infer`, the two regions are joined by a persisted region log, and a failed inference
 * region restarts alone from its own checkpoint, replaying the log. The preprocessing region
 * reads and transforms every source row exactly once, and the output holds every row once with
 * the predictions of a failure-free run.
 */

import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Field, Int32, Table, tableFromIPC, tableToIPC, vectorFromArray } from "apache-arrow";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Tensor } from "../../kernels/tensor.js";
import { col, read } from "../../runtime/dataframe/index.js";
import { FailureInjector } from "../../runtime/executor/failure-injection.js";
import type { Operator } from "../../runtime/executor/operator.js";
import type { RunOptions, RunResult } from "../../runtime/plan/run-plan.js";
import { columnOf, fixedShapeTensorAsTensor, fixedShapeTensorColumn, recordBatchFromColumns, type ExtensionColumn } from "../../runtime/types/index.js";
import { buildMlp } from "../../scheduler/models/index.js";
import { normalArray } from "../../scheduler/models/seeded-random.js";

const ROWS = 320;
const FEATURES = 8;
const CLASSES = 3;

let dir: string;
let input: string;
let model: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "sluice-infer-region-"));
  model = join(dir, "mlp.onnx");
  writeFileSync(model, buildMlp({ inputSize: FEATURES, hidden: 16, classes: CLASSES, seed: 11 }));
  // An Arrow IPC file: `id` and a seeded f32 [8] tensor column `x`.
  const x = Float32Array.from(normalArray(ROWS * FEATURES, 1, 99));
  const id = { field: new Field("id", new Int32(), false), vector: vectorFromArray(Array.from({ length: ROWS }, (_, i) => i), new Int32()) } as ExtensionColumn;
  const batch = recordBatchFromColumns([id, fixedShapeTensorColumn("x", { dtype: "f32", shape: [ROWS, FEATURES], data: x } as Tensor)]);
  input = join(dir, "in.arrow");
  writeFileSync(input, tableToIPC(new Table([batch]), "file"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Region 1: scale and clip the features (elementwise tensor ops); region 2 (cut by the planner): infer. */
function pipeline(name: string) {
  const run = join(dir, name);
  return {
    out: join(run, "out"),
    p: read
      .arrow(input)
      .withColumn("x", col("x").sub(0.5).div(0.25), { name: "scale" })
      .step("clamp", { column: "x", min: -3, max: 3 }, { name: "clip" })
      .infer(model, { inputs: { x: "x" }, outputs: { probs: "probs" }, batch: { maxRows: 16, maxDelayMs: 1 } }, { name: "classify" })
      .options({ batchRows: 16, checkpoint: { interval: 15, dir: join(run, "ckpt"), restarts: 5 } })
      .write.arrow(join(run, "out")),
  };
}

/** The output's rows, by id: the predicted probabilities. */
function predictions(out: string): Map<number, number[]> {
  const rows = new Map<number, number[]>();
  for (const f of readdirSync(out).filter((f) => f.endsWith(".arrow"))) {
    for (const batch of tableFromIPC(readFileSync(join(out, f))).batches) {
      const probs = fixedShapeTensorAsTensor(columnOf(batch, "probs")).data as Float32Array;
      const ids = [...batch.getChild("id")!] as number[];
      ids.forEach((id, i) => {
        expect(rows.has(id), `row ${id} written twice (${f})`).toBe(false);
        rows.set(id, Array.from(probs.subarray(i * CLASSES, (i + 1) * CLASSES)));
      });
    }
  }
  return rows;
}

/** A slower model (a few ms per batch), so the inference region checkpoints between failures. */
function slowModel(op: Operator): Operator {
  if (op.step !== "classify") return op;
  const inner = op.processBatch.bind(op);
  op.processBatch = async (batch, ctx) => {
    await new Promise((r) => setTimeout(r, 3));
    return inner(batch, ctx);
  };
  return op;
}

const metrics = (r: RunResult, step: string) => {
  const s = r.steps.find((x) => x.step === step);
  expect(s, `step ${step} in ${r.steps.map((x) => x.step).join(", ")}`).toBeDefined();
  return s!;
};

describe("a failure in the inference region", () => {
  let baseline: Map<number, number[]>;

  beforeAll(async () => {
    const { p, out } = pipeline("baseline");
    const explained = await p.explain();
    // The planner put infer in a region of its own, after a region log.
    expect(explained).toMatch(/region log/);
    const r = await p.run({ wrapOperator: slowModel });
    expect(r.checkpoints!.map((c) => c.restarts)).toEqual([0, 0]);
    baseline = predictions(out);
  }, 60_000);

  it("the failure-free run predicts every row once", () => {
    expect([...baseline.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: ROWS }, (_, i) => i));
    for (const probs of baseline.values()) expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
  });

  it("restarts only the inference region; preprocessing runs once per row; the output equals the failure-free run's", async () => {
    const { p, out } = pipeline("failing");
    const injector = new FailureInjector([{ step: "classify", kind: "throw", at: { batch: 5 }, times: 2 }]);
    const warnings: string[] = [];
    const opts: RunOptions = { wrapOperator: (op) => injector.wrap(slowModel(op)), warn: (m) => warnings.push(m) };
    const r = await p.run(opts);
    expect(injector.fired.map((f) => [f.step, f.kind, f.batch])).toEqual([
      ["classify", "throw", 5],
      ["classify", "throw", 10],
    ]);

    const [prep, inference] = r.checkpoints!;
    expect(prep!.region).toBe(r.steps.find((s) => s.step === "scale")!.region);
    expect(inference!.region).toBe(r.steps.find((s) => s.step === "classify")!.region);
    expect(prep!.region).not.toBe(inference!.region);

    // Preprocessing (sub, div and clamp fused into one operator under the first step's name):
    // every source row read and transformed once, never redone.
    expect(r.sourceRows).toBe(ROWS);
    expect(metrics(r, "scale").metrics.rowsIn).toBe(ROWS);
    expect(metrics(r, "scale").metrics.rowsOut).toBe(ROWS);
    expect(prep!.restarts).toBe(0);
    expect(prep!.recomputedRows).toBe(0);
    expect(prep!.failures).toEqual([]);

    // Inference: restarted twice from its checkpoints, and only it replayed rows.
    expect(inference!.restarts).toBe(2);
    expect(inference!.failures).toEqual([expect.stringMatching(/injected failure \(throw\) at batch 5/), expect.stringMatching(/injected failure \(throw\) at batch 10/)]);
    expect(inference!.recomputedRows).toBeGreaterThan(0);
    expect(metrics(r, "classify").metrics.rowsIn).toBe(ROWS + inference!.recomputedRows);
    expect(warnings.filter((w) => /region '.*' failed/.test(w))).toHaveLength(2);

    // Every row once, with the failure-free run's predictions.
    const got = predictions(out);
    expect([...got.keys()].sort((a, b) => a - b)).toEqual([...baseline.keys()].sort((a, b) => a - b));
    for (const [id, probs] of got) {
      const want = baseline.get(id)!;
      probs.forEach((v, k) => expect(v, `row ${id}, class ${k}`).toBeCloseTo(want[k]!, 6));
    }
    expect(r.rowsOut).toBe(ROWS);
  }, 60_000);
});
