import { Field, Int32, Utf8, vectorFromArray } from "apache-arrow";
import { describe, expect, it } from "vitest";
import type { DeadLetter } from "../../../runtime/api/dead-letter.js";
import type { Batch } from "../../../runtime/api/stream.js";
import { failItem, resolveAsyncConfig, type AsyncConfigInput, type InvokeFn } from "../../../runtime/async/index.js";
import { newMetrics, type OperatorContext } from "../../../runtime/executor/operator.js";
import { AsyncRowOperator, type AsyncRowState } from "../../../runtime/operators/async-row-operator.js";
import { OutputLayout } from "../../../runtime/operators/output-layout.js";
import type { RowRange } from "../../../runtime/operators/row-ranges.js";
import { recordBatchFromColumns, type ExtensionColumn } from "../../../runtime/types/index.js";
import { runOperator } from "../../helpers/plan-step.js";

function ids(from: number, n: number): Batch {
  const id = vectorFromArray(Array.from({ length: n }, (_, i) => from + i), new Int32());
  return recordBatchFromColumns([{ field: new Field("id", new Int32(), true), vector: id } as ExtensionColumn]);
}

const OUT = new Field("tag", new Utf8(), true);

/** An operator tagging each row `id → "t<id>"`; `fn` decides per range (ranges of one micro-batch). */
function tagger(unit: "row" | "range", config: AsyncConfigInput, fn?: InvokeFn<RowRange, string[]>, calls: number[][] = []): AsyncRowOperator<string[]> {
  const layout = new OutputLayout(ids(0, 1).schema, [OUT]);
  const tag: InvokeFn<RowRange, string[]> = (ranges) =>
    ranges.map((r) => Array.from({ length: r.count }, (_, i) => `t${r.batch.getChild("id")!.get(r.start + i) as number}`));
  return new AsyncRowOperator<string[]>({
    step: "tag",
    config: resolveAsyncConfig(config, "tag"),
    unit,
    invoke: (ranges, ctx) => {
      calls.push(ranges.map((r) => r.count));
      return (fn ?? tag)(ranges, ctx);
    },
    assemble: (run) => layout.build(run.batch, run.start, run.count, [vectorFromArray(run.outputs.flat(), new Utf8()).data[0]!]),
    keyColumn: "id",
  });
}

/** A context whose emit can be held closed, to catch the operator mid-emit. */
function gatedContext() {
  const out: Batch[] = [];
  const letters: DeadLetter[] = [];
  let gate: Promise<void> | undefined;
  let open: () => void = () => {};
  const ctx: OperatorContext = {
    step: "tag",
    emit: async (b) => {
      out.push(b);
      if (gate) await gate;
    },
    deadLetter: async (l) => {
      letters.push(...l);
    },
    metrics: newMetrics(),
    signal: new AbortController().signal,
  };
  return {
    ctx,
    out,
    letters,
    hold() {
      gate = new Promise((r) => (open = r));
    },
    release() {
      gate = undefined;
      open();
    },
  };
}

const column = (batches: readonly Batch[], name: string): unknown[] => batches.flatMap((b) => [...b.getChild(name)!]);
const tick = () => new Promise((r) => setTimeout(r, 0));

describe("AsyncRowOperator", () => {
  it("cuts ranges on maxRows boundaries so calls carry full micro-batches across odd input batches", async () => {
    const calls: number[][] = [];
    const op = tagger("range", { batch: { maxRows: 8, maxDelayMs: 60_000 }, concurrency: 1 }, undefined, calls);
    const run = await runOperator(op, [ids(0, 5), ids(5, 5), ids(10, 7), ids(17, 3)]);
    // 20 rows: two full calls of 8, then the rest at end of input.
    expect(calls.map((c) => c.reduce((a, b) => a + b, 0))).toEqual([8, 8, 4]);
    expect(calls[0]).toEqual([5, 3]);
    expect(column(run.out, "tag")).toEqual(Array.from({ length: 20 }, (_, i) => `t${i}`));
    // One output batch per contiguous run of an input batch: the input batching survives.
    expect(run.out.map((b) => b.numRows)).toEqual([5, 3, 2, 6, 1, 3]);
  });

  it("dead-letters every row of a failed range with its own key", async () => {
    const fail: InvokeFn<RowRange, string[]> = () => {
      throw new Error("model exploded");
    };
    const op = tagger("range", { batch: { maxRows: 4 }, retry: { attempts: 1 } }, fail);
    const run = await runOperator(op, [ids(100, 3)]);
    expect(run.out).toEqual([]);
    expect(run.deadLetters.map((l) => [l.key, l.step, l.reason])).toEqual([
      [100, "tag", "model exploded"],
      [101, "tag", "model exploded"],
      [102, "tag", "model exploded"],
    ]);
  });

  it("snapshots while processBatch waits on a full queue, and a restored operator emits every row exactly once", async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const slow: InvokeFn<RowRange, string[]> = async (ranges) => {
      await gate;
      return ranges.map((r) => [`t${r.batch.getChild("id")!.get(r.start) as number}`]);
    };
    const config = { batch: { maxRows: 2, maxDelayMs: 0 }, concurrency: 1, capacity: 3 };
    const first = tagger("row", config, slow);
    const g1 = gatedContext();
    await first.open(g1.ctx);
    const waiting = Promise.resolve(first.processBatch(ids(0, 10), g1.ctx));
    let returned = false;
    void waiting.then(() => (returned = true), () => (returned = true));
    await tick();
    expect(returned).toBe(false); // 10 rows held, capacity 3: processBatch pushes back…
    const state = JSON.parse(JSON.stringify(first.snapshot())) as AsyncRowState; // …and the snapshot does not wait
    expect(state.pending.map((p) => p.key)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    first.close();
    await expect(waiting).rejects.toThrow(/closed/);
    release();

    const second = tagger("row", config);
    second.restore(state);
    const run = await runOperator(second, [ids(10, 2)]);
    expect(column(run.out, "tag")).toEqual(Array.from({ length: 12 }, (_, i) => `t${i}`));
  });

  it("keeps built batches and dead letters not yet emitted in the snapshot and emits them first after restore", async () => {
    const config = { batch: { maxRows: 4, maxDelayMs: 0 }, concurrency: 1, capacity: 100, retry: { attempts: 1 } };
    const failOne: InvokeFn<RowRange, string[]> = (ranges) =>
      ranges.map((r) => {
        const id = r.batch.getChild("id")!.get(r.start) as number;
        return id === 1 ? failItem(new Error("one is bad")) : [`t${id}`];
      });
    const first = tagger("row", config, failOne);
    const g = gatedContext();
    await first.open(g.ctx);
    await first.processBatch(ids(0, 4), g.ctx);
    while (first.asyncMetrics().awaitingTake < 4) await tick();
    // The next turn takes [ok 0, failed 1, ok 2, ok 3]: two runs and a letter between them.
    g.hold();
    const turn = Promise.resolve(first.processBatch(ids(4, 2), g.ctx));
    await tick();
    expect(g.out.map((b) => column([b], "id"))).toEqual([[0]]); // first run handed over, emit blocked
    const state = JSON.parse(JSON.stringify(first.snapshot())) as AsyncRowState;
    const before = g.out.length;
    expect(state.unemitted.map((u) => Object.keys(u)[0])).toEqual(["letters", "batch"]);
    expect(state.pending.map((p) => p.key)).toEqual([4, 5]);
    first.close();
    g.release();
    await expect(turn).rejects.toThrow(/closed/);
    expect(g.out.length).toBe(before); // a closed operator emits nothing more

    const second = tagger("row", config, failOne);
    second.restore(state);
    const run = await runOperator(second, []);
    expect(run.deadLetters.map((l) => [l.key, l.reason])).toEqual([[1, "one is bad"]]);
    expect([...column(g.out, "tag"), ...column(run.out, "tag")]).toEqual(["t0", "t2", "t3", "t4", "t5"]);
  });

  it("refuses a snapshot that is not its own", () => {
    expect(() => tagger("row", {}).restore({ pending: [] })).toThrow(/not an async operator snapshot/);
  });
});
