import { Field, Int32, Schema } from "apache-arrow";
import { describe, expect, it } from "vitest";
import type { Source } from "../../../runtime/api/source.js";
import type { BarrierControl } from "../../../runtime/executor/barrier-control.js";
import { MemoryDeadLetters, MemorySink } from "../../../runtime/executor/in-memory-outputs.js";
import { Job } from "../../../runtime/executor/job.js";

const schema = new Schema([new Field("x", new Int32())]);

/** A source with nothing to give until the job is cancelled (a region log waiting for commits). */
const idleSource: Source = {
  name: "idle",
  schema: async () => schema,
  async *read(_from, { signal }) {
    await new Promise<void>((_, reject) => signal.addEventListener("abort", () => reject(signal.reason as Error), { once: true }));
  },
};

describe("task barriers", () => {
  it("a barrier taken while the source waits; a failing one fails the job instead of hanging it", async () => {
    const taken: number[] = [];
    const barriers: BarrierControl = {
      unaligned: false,
      pending: () => ({ checkpointId: taken.length + 1, unaligned: false, requestedAt: 0 }),
      requested: () => Promise.resolve(),
      taken: async (s) => {
        taken.push(s.checkpointId);
        if (taken.length === 2) throw new Error("store down");
      },
      finalBarrier: async () => ({ checkpointId: 99, unaligned: false, requestedAt: 0 }),
    };
    const job = new Job(
      [{ name: "r1", input: { kind: "source", source: idleSource, batchRows: 8, step: "idle" }, operators: [], output: { kind: "sink", sink: new MemorySink(), schema, step: "collect", open: { jobId: "t", subtask: 0 } }, barriers }],
      { deadLetters: new MemoryDeadLetters(), channels: [], cancelGraceMs: 100 },
    );
    await expect(job.run()).rejects.toThrow(/store down/);
    expect(taken).toEqual([1, 2]);
  }, 10_000);
});
