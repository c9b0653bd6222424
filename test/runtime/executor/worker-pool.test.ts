import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { tableFromArrays } from "apache-arrow";
import { afterAll, describe, expect, it } from "vitest";
import { Channel } from "../../../runtime/executor/channel.js";
import { Job } from "../../../runtime/executor/job.js";
import { WorkerOperator } from "../../../runtime/executor/worker-operator.js";
import { WorkerPool } from "../../../runtime/executor/worker-pool.js";
import { MemoryDeadLetters, MemorySink, rangeSource } from "../../helpers/memory-connectors.js";

// Worker threads run plain JS: the compiled entry from dist/ (npm test builds first).
const entry = new URL("../../../dist/runtime/executor/worker-entry.js", import.meta.url);
if (!existsSync(fileURLToPath(entry))) throw new Error("dist/ is missing: run `npm run build` first (`npm test` does)");
const processor = new URL("./fixtures/scale-processor.mjs", import.meta.url).href;

const pool = new WorkerPool({ size: 2, entry });
afterAll(() => pool.close());

describe("worker pool", () => {
  it("moves batches to a worker and back without copying the input", async () => {
    const data = new Float64Array([1, 2, 3]);
    const batch = tableFromArrays({ x: data }).batches[0]!;
    const out = await pool.run({ module: processor, options: { factor: 10 } }, batch);
    expect([...(out.getChild("x")!.toArray() as Float64Array)]).toEqual([10, 20, 30]);
    expect(data.byteLength).toBe(0);
  });

  it("keeps input order through a pipeline while batches run in parallel", async () => {
    const sink = new MemorySink();
    const ch = new Channel({ maxBatches: 2 });
    const op = new WorkerOperator("scale", pool, { module: processor, options: { factor: 2 } });
    const schema = tableFromArrays({ x: new Float64Array(0) }).schema;
    const job = new Job(
      [
        { name: "src", input: { kind: "source", source: rangeSource(300), batchRows: 7, step: "source" }, operators: [op], output: { kind: "channel", channel: ch } },
        { name: "out", input: { kind: "channel", channel: ch }, operators: [], output: { kind: "sink", sink, schema, step: "sink", open: { jobId: "t", subtask: 0 } } },
      ],
      { deadLetters: new MemoryDeadLetters(), channels: [ch] },
    );
    const res = await job.run();
    expect(sink.committed).toEqual(Array.from({ length: 300 }, (_, i) => i * 2));
    expect(res.steps.get("scale")!.rowsIn).toBe(300);
  });

  it("fails the job with the step name when a worker task throws", async () => {
    const sink = new MemorySink();
    const ch = new Channel();
    const op = new WorkerOperator("scale", pool, { module: processor, options: { factor: 2, poison: 42 } });
    const schema = tableFromArrays({ x: new Float64Array(0) }).schema;
    const job = new Job(
      [
        { name: "src", input: { kind: "source", source: rangeSource(100), batchRows: 10, step: "source" }, operators: [op], output: { kind: "channel", channel: ch } },
        { name: "out", input: { kind: "channel", channel: ch }, operators: [], output: { kind: "sink", sink, schema, step: "sink", open: { jobId: "t", subtask: 0 } } },
      ],
      { deadLetters: new MemoryDeadLetters(), channels: [ch] },
    );
    await expect(job.run()).rejects.toThrow(/step 'scale': poisoned value 42/);
    expect(sink.committed).toEqual([]);
  });

  it("reports a processor module that has no createProcessor", async () => {
    const batch = tableFromArrays({ x: new Float64Array([1]) }).batches[0]!;
    await expect(pool.run({ module: new URL("./fixtures/no-processor.mjs", import.meta.url).href, options: null }, batch)).rejects.toThrow(/no-processor\.mjs does not export createProcessor/);
  });
});

describe("worker operator snapshots", () => {
  it("emit every batch in flight before the snapshot returns", async () => {
    const op = new WorkerOperator("scale", pool, { module: processor, options: { factor: 3 } }, 4);
    const out: number[] = [];
    const ctx = {
      step: "scale",
      metrics: { rowsIn: 0, rowsOut: 0, batchesIn: 0, batchesOut: 0, deadLettered: 0, busyMs: 0, latencies: [] },
      signal: new AbortController().signal,
      emit: async (b: import("apache-arrow").RecordBatch) => void out.push(...(b.getChild("x")!.toArray() as Float64Array)),
      deadLetter: async () => {},
    };
    for (let i = 0; i < 3; i++) await op.processBatch(tableFromArrays({ x: new Float64Array([i]) }).batches[0]!, ctx);
    expect(out).toEqual([]); // three batches in a window of four: none emitted yet
    expect(await op.snapshot(1, ctx)).toBeUndefined();
    expect(out).toEqual([0, 3, 6]);
  });
});
