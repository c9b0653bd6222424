import { tableFromArrays, type RecordBatch } from "apache-arrow";
import { describe, expect, it } from "vitest";
import { Channel } from "../../../runtime/executor/channel.js";
import { Job } from "../../../runtime/executor/job.js";
import { MapOperator, Operator, type OperatorContext } from "../../../runtime/executor/operator.js";
import type { TaskSpec } from "../../../runtime/executor/task.js";
import { MemoryDeadLetters, MemorySink, rangeSource } from "../../helpers/memory-connectors.js";

const double = new MapOperator("double", (b) => tableFromArrays({ x: Int32Array.from(b.getChild("x")!.toArray() as Int32Array, (v) => v * 2) }).batches[0]!);

/** Drops odd inputs to the dead-letter output, passes even ones. */
class RejectOdd extends Operator {
  readonly step = "reject_odd";
  async processBatch(batch: RecordBatch, ctx: OperatorContext): Promise<void> {
    const xs = [...(batch.getChild("x")!.toArray() as Int32Array)];
    const odd = xs.filter((v) => v % 2 !== 0);
    if (odd.length) await ctx.deadLetter(odd.map((v) => ({ step: this.step, key: v, reason: "odd", error: "RecordError", at: new Date(0).toISOString() })));
    await ctx.emit(tableFromArrays({ x: Int32Array.from(xs.filter((v) => v % 2 === 0)) }).batches[0]!);
  }
}

async function schemaOf() {
  return tableFromArrays({ x: new Int32Array(0) }).schema;
}

function twoTaskJob(rows: number, ops1: Operator[], ops2: Operator[], sink: MemorySink, opts: { failAtRow?: number; maxBatches?: number } = {}) {
  const ch = new Channel({ maxBatches: opts.maxBatches ?? 2, name: "a → b" });
  const dl = new MemoryDeadLetters();
  const specs: TaskSpec[] = [
    { name: "t1", input: { kind: "source", source: rangeSource(rows, opts), batchRows: 10, step: "source" }, operators: ops1, output: { kind: "channel", channel: ch } },
    { name: "t2", input: { kind: "channel", channel: ch }, operators: ops2, output: { kind: "sink", sink, schema: null as never, step: "sink", open: { jobId: "test", subtask: 0 } } },
  ];
  return { job: new Job(specs, { deadLetters: dl, channels: [ch] }), dl, ch, specs };
}

describe("job execution", () => {
  it("runs a chained, two-task pipeline to the end and commits every row once", async () => {
    const sink = new MemorySink();
    const { job, specs } = twoTaskJob(95, [double], [], sink);
    (specs[1]!.output as { schema: unknown }).schema = await schemaOf();
    const res = await job.run();
    expect(sink.finished).toBe(true);
    expect(sink.committed).toEqual(Array.from({ length: 95 }, (_, i) => i * 2));
    expect(res.steps.get("double")!.rowsIn).toBe(95);
    expect(res.steps.get("double")!.batchesIn).toBe(10);
    expect(res.steps.get("sink")!.rowsIn).toBe(95);
  });

  it("sends rejected records to the dead-letter output and keeps the good ones", async () => {
    const sink = new MemorySink();
    const { job, dl } = twoTaskJob(20, [new RejectOdd()], [], sink);
    const res = await job.run();
    expect(sink.committed).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
    expect(res.deadLettered).toBe(10);
    expect(dl.letters.map((l) => l.key)).toEqual([1, 3, 5, 7, 9, 11, 13, 15, 17, 19]);
    expect(dl.letters[0]!.step).toBe("reject_odd");
  });

  it("holds the source back when the sink is slow (bounded channel)", async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const sink = new MemorySink(() => gate);
    const src = rangeSource(1000);
    const ch = new Channel({ maxBatches: 2 });
    const job = new Job(
      [
        { name: "t1", input: { kind: "source", source: src, batchRows: 10, step: "source" }, operators: [], output: { kind: "channel", channel: ch } },
        { name: "t2", input: { kind: "channel", channel: ch }, operators: [], output: { kind: "sink", sink, schema: await schemaOf(), step: "sink", open: { jobId: "t", subtask: 0 } } },
      ],
      { deadLetters: new MemoryDeadLetters(), channels: [ch] },
    );
    const run = job.run();
    await new Promise((r) => setTimeout(r, 30));
    // One batch is in the sink's write, two wait in the channel, one waits to be sent.
    expect(src.reads).toBeLessThanOrEqual(4);
    release();
    await run;
    expect(sink.committed.length).toBe(1000);
    expect(ch.stats.blockedMs).toBeGreaterThan(0);
  });

  it("fails the whole job with an error naming the failing step, and commits nothing", async () => {
    const sink = new MemorySink();
    const boom = new MapOperator("explode", () => {
      throw new Error("kaboom");
    });
    const { job } = twoTaskJob(50, [], [boom], sink);
    await expect(job.run()).rejects.toThrow(/step 'explode': kaboom/);
    expect(sink.committed).toEqual([]);
    expect(sink.finished).toBe(false);
    expect(sink.closed).toBe(true);
  });

  it("names the source when reading fails", async () => {
    const sink = new MemorySink();
    const { job } = twoTaskJob(50, [], [], sink, { failAtRow: 25 });
    await expect(job.run()).rejects.toThrow(/step 'source': disk on fire at row 25/);
  });

  it("stops promptly on cancellation", async () => {
    const never = new Promise<void>(() => {});
    const sink = new MemorySink(() => never);
    const ac = new AbortController();
    const ch = new Channel({ maxBatches: 1 });
    const job = new Job(
      [
        { name: "t1", input: { kind: "source", source: rangeSource(10_000), batchRows: 10, step: "source" }, operators: [], output: { kind: "channel", channel: ch } },
        { name: "t2", input: { kind: "channel", channel: ch }, operators: [], output: { kind: "sink", sink, schema: await schemaOf(), step: "sink", open: { jobId: "t", subtask: 0 } } },
      ],
      { deadLetters: new MemoryDeadLetters(), channels: [ch], signal: ac.signal, cancelGraceMs: 50 },
    );
    const run = job.run();
    setTimeout(() => ac.abort(), 10);
    // The sink's write never returns: cancellation must not wait for it forever.
    await expect(Promise.race([run, new Promise((_, rej) => setTimeout(() => rej(new Error("hung")), 2000))])).rejects.toThrow(/cancelled/);
  });
});
