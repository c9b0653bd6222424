import { existsSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { threadId } from "node:worker_threads";
import { tableFromArrays, tableToIPC, type Table } from "apache-arrow";
import { describe, expect, it } from "vitest";
import { PlanError } from "../../../runtime/api/runtime-errors.js";
import type { Batch } from "../../../runtime/api/stream.js";
import { fromSource } from "../../../runtime/dataframe/dataframe.js";
import { explainPlan } from "../../../runtime/plan/explain.js";
import type { LogicalPlan, StepNode } from "../../../runtime/plan/logical-plan.js";
import { planPipeline } from "../../../runtime/plan/planner.js";
import { runPlan } from "../../../runtime/plan/run-plan.js";
import { readSpecFile } from "../../../runtime/plan/spec-file.js";

// Worker threads run the compiled entry from dist/ (npm test builds first).
const root = fileURLToPath(new URL("../../../", import.meta.url));
if (!existsSync(join(root, "dist/runtime/executor/worker-entry.js"))) throw new Error("dist/ is missing: run `npm run build` first (`npm test` does)");

const ROWS = 200;
const OUT_SCHEMA = { id: "i32", x: "f64", thread: "i32" };

// Doubles x and records the thread that did it.
const DOUBLE = `
import { threadId } from "node:worker_threads";
import { tableFromArrays } from "apache-arrow";
export function double(batch) {
  const id = batch.getChild("id").toArray();
  const x = batch.getChild("x").toArray();
  return tableFromArrays({ id: Int32Array.from(id), x: Float64Array.from(x, (v) => v * 2), thread: new Int32Array(id.length).fill(threadId) }).batches[0];
}
`;

const SCALE = `
import { tableFromArrays } from "apache-arrow";
export function createProcessor({ factor }) {
  return (batch) => tableFromArrays({ id: Int32Array.from(batch.getChild("id").toArray()), x: Float64Array.from(batch.getChild("x").toArray(), (v) => v * factor) }).batches[0];
}
`;

const FAULTY = `
export default function (batch) {
  if (batch.getChild("id").toArray().includes(13)) throw new Error("row 13 is unlucky");
  return batch;
}
export function firstColumn(batch) {
  return batch.selectAt([0]);
}
export function nothing() {
  return null;
}
`;

/** A user's project folder: modules importing apache-arrow through node_modules, and input rows. */
function project(): string {
  const dir = mkdtempSync(join(tmpdir(), "sluice-workers-"));
  symlinkSync(join(root, "node_modules"), join(dir, "node_modules"), "dir");
  writeFileSync(join(dir, "double.mjs"), DOUBLE);
  writeFileSync(join(dir, "scale.mjs"), SCALE);
  writeFileSync(join(dir, "faulty.mjs"), FAULTY);
  const rows = tableFromArrays({ id: Int32Array.from({ length: ROWS }, (_, i) => i), x: Float64Array.from({ length: ROWS }, (_, i) => i * 0.5) });
  writeFileSync(join(dir, "rows.arrow"), tableToIPC(rows, "file"));
  return dir;
}

function step(op: string, args: Record<string, unknown>, name = op): StepNode {
  return { op, name, args };
}

function plan(dir: string, steps: StepNode[]): LogicalPlan {
  return { name: "t", baseDir: dir, source: step("arrow", { path: "rows.arrow" }), steps, options: { batchRows: 10 } };
}

function column(t: Table, name: string): number[] {
  return Array.from(t.getChild(name)!.toArray() as ArrayLike<number>);
}

async function collect(p: LogicalPlan): Promise<Table> {
  return (await runPlan(await planPipeline(p, { webgpu: false }))).collected!.table;
}

describe("mapBatches on worker threads", () => {
  it("from a spec file: same rows as inline, in input order, spread over both threads", async () => {
    const dir = project();
    const spec = (workers: string): string =>
      ["batchRows: 10", "source:", "  arrow: { path: rows.arrow }", "steps:", `  - mapBatches: { module: ./double.mjs, export: double, schema: { id: i32, x: f64, thread: i32 }, name: double${workers} }`, ""].join("\n");
    writeFileSync(join(dir, "workers.yaml"), spec(", workers: 2"));
    writeFileSync(join(dir, "inline.yaml"), spec(""));

    const onWorkers = await planPipeline(await readSpecFile(join(dir, "workers.yaml")), { webgpu: false });
    const explained = explainPlan(onWorkers);
    expect(explained).toContain("mapBatches ./double.mjs#double on 2 worker threads");
    expect(explained).toContain("worker-threads");
    const out = (await runPlan(onWorkers)).collected!.table;
    const inline = (await runPlan(await planPipeline(await readSpecFile(join(dir, "inline.yaml")), { webgpu: false }))).collected!.table;

    expect(column(out, "id")).toEqual(Array.from({ length: ROWS }, (_, i) => i));
    expect(column(out, "x")).toEqual(column(inline, "x"));
    expect(column(out, "x")).toEqual(Array.from({ length: ROWS }, (_, i) => i));
    // Inline ran on this thread; the workers on two others.
    expect(new Set(column(inline, "thread"))).toEqual(new Set([threadId]));
    const threads = new Set(column(out, "thread"));
    expect(threads.size).toBe(2);
    expect(threads.has(threadId)).toBe(false);
  });

  it("from the DataFrame API: a module runs on workers; a function value is a PlanError naming the step", async () => {
    const dir = project();
    const df = fromSource("arrow", { path: "rows.arrow" }, { baseDir: dir }).options({ batchRows: 25 });
    const { table } = await df.mapBatches({ module: "./double.mjs", export: "double" }, { workers: 2, schema: OUT_SCHEMA }).collect({ webgpu: false });
    expect(column(table, "x")).toEqual(Array.from({ length: ROWS }, (_, i) => i));
    expect(new Set(column(table, "thread")).has(threadId)).toBe(false);

    const withFn = df.mapBatches((b: Batch) => b, { workers: 2 }, { name: "inPlace" }).collect({ webgpu: false });
    await expect(withFn).rejects.toBeInstanceOf(PlanError);
    await expect(withFn).rejects.toThrow(/step 'inPlace'.*put the function in a module/);
  });

  it("moves input buffers the batch owns to the worker, and copies ones it shares", async () => {
    const dir = project();
    const worker = step("mapBatches", { module: "./double.mjs", export: "double", workers: 2, schema: OUT_SCHEMA }, "double");
    // Source batches are slices of one file read: their buffers are shared with each other.
    const slices: Batch[] = [];
    const keep = (b: Batch): Batch => (slices.push(b), b);
    const fromSlices = await collect(plan(dir, [step("mapBatches", { fn: keep }, "keep"), worker]));
    // Fresh batches own their buffers.
    const owned: Batch[] = [];
    const ownCopy = (b: Batch): Batch => {
      const copy = tableFromArrays({ id: Int32Array.from(b.getChild("id")!.toArray() as Int32Array), x: Float64Array.from(b.getChild("x")!.toArray() as Float64Array) }).batches[0]!;
      owned.push(copy);
      return copy;
    };
    const fromOwned = await collect(plan(dir, [step("mapBatches", { fn: ownCopy }, "own"), worker]));

    expect(column(fromOwned, "x")).toEqual(Array.from({ length: ROWS }, (_, i) => i));
    expect(column(fromSlices, "x")).toEqual(column(fromOwned, "x"));
    expect(owned).toHaveLength(ROWS / 10);
    for (const b of owned) {
      expect(b.getChild("x")!.data[0]!.values.buffer.byteLength).toBe(0);
      expect(b.getChild("id")!.data[0]!.values.buffer.byteLength).toBe(0);
    }
    expect(slices).toHaveLength(ROWS / 10);
    const values = slices[0]!.getChild("x")!.data[0]!.values;
    expect(values.buffer.byteLength).toBeGreaterThan(values.byteLength);
    expect(slices.flatMap((b) => [...(b.getChild("x")!.toArray() as Float64Array)])).toEqual(Array.from({ length: ROWS }, (_, i) => i * 0.5));
  });

  it("passes options to createProcessor on the worker", async () => {
    const dir = project();
    const p = await planPipeline(plan(dir, [step("mapBatches", { module: "./scale.mjs", workers: 1, options: { factor: 4 }, schema: { id: "i32", x: "f64" } }, "scale")]), { webgpu: false });
    expect(explainPlan(p)).toContain("mapBatches ./scale.mjs#createProcessor on 1 worker thread");
    const out = (await runPlan(p)).collected!.table;
    expect(column(out, "x")).toEqual(Array.from({ length: ROWS }, (_, i) => i * 2));
  });

  it("fails the job naming the step when the module throws or returns the wrong columns or no batch", async () => {
    const dir = project();
    await expect(collect(plan(dir, [step("mapBatches", { module: "./faulty.mjs", workers: 2 }, "unlucky")]))).rejects.toThrow(/step 'unlucky': row 13 is unlucky/);
    await expect(collect(plan(dir, [step("mapBatches", { module: "./faulty.mjs", export: "firstColumn", workers: 2 }, "narrow")]))).rejects.toThrow(
      /step 'narrow': the function returned columns \(id: Int32\), the declared schema is \(id: Int32, x: Float64\)/,
    );
    await expect(collect(plan(dir, [step("mapBatches", { module: "./faulty.mjs", export: "nothing", workers: 1 }, "empty")]))).rejects.toThrow(/step 'empty': .*faulty\.mjs returned null, not an Arrow RecordBatch/);
  });

  it("rejects bad worker arguments at plan time", async () => {
    const dir = project();
    const bad = (args: Record<string, unknown>): Promise<unknown> => planPipeline(plan(dir, [step("mapBatches", args, "m")]), { webgpu: false });
    await expect(bad({ module: "./double.mjs", export: "double", workers: 0 })).rejects.toThrow(/step 'm'.*'workers' must be ≥ 1/);
    await expect(bad({ module: "./double.mjs", export: "triple", workers: 2 })).rejects.toThrow(/step 'm'.*no function export 'triple' \(function exports: double\)/);
    await expect(bad({ module: "./double.mjs", export: "double", workers: 2, options: { factor: 2 } })).rejects.toThrow(/step 'm'.*'options' is passed to createProcessor/);
    await expect(bad({ module: "./scale.mjs", options: { factor: 2 } })).rejects.toThrow(/step 'm'.*give 'workers' too/);
    await expect(bad({ workers: 2 })).rejects.toThrow(/step 'm'.*'workers' needs 'module'/);
  });
});
