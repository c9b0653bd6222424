import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { AsyncInvoker, type AsyncConfigInput } from "../../../runtime/async/index.js";
import { manualFn, numberItems, settleTasks } from "./harness.js";

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

function setup(config: AsyncConfigInput) {
  const m = manualFn<number, number>();
  const inv = new AsyncInvoker<number, number>({ step: "udf", fn: m.fn, config });
  return { m, inv };
}

describe("micro-batching", () => {
  it("cuts full batches by rows at once and sends the remainder after maxDelayMs", async () => {
    const { m, inv } = setup({ batch: { maxRows: 4, maxDelayMs: 1000 }, concurrency: 10 });
    void inv.submitMany(numberItems(0, 10));
    await settleTasks();
    expect(m.calls.map((c) => c.inputs)).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
    ]);
    await vi.advanceTimersByTimeAsync(999);
    expect(m.calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(m.calls[2]?.inputs).toEqual([8, 9]);
    expect(inv.metrics().rowsPerBatch).toMatchObject({ count: 3, histogram: { 2: 1, 4: 2 }, p50: 4, max: 4 });
  });

  it("counts rows per call exactly when metrics are read between calls of the same size", async () => {
    const { m, inv } = setup({ batch: { maxRows: 2, maxDelayMs: 1000 }, concurrency: 10 });
    void inv.submitMany(numberItems(0, 4));
    await settleTasks();
    expect(inv.metrics().rowsPerBatch).toMatchObject({ count: 2, histogram: { 2: 2 } });
    void inv.submitMany(numberItems(4, 7));
    await settleTasks();
    await vi.advanceTimersByTimeAsync(1000);
    expect(m.calls.map((c) => c.inputs.length)).toEqual([2, 2, 2, 1]);
    expect(inv.metrics().rowsPerBatch).toMatchObject({ count: 4, histogram: { 1: 1, 2: 3 }, p50: 2, max: 2 });
    expect(inv.metrics().rowsPerBatch.histogram).toEqual({ 1: 1, 2: 3 });
  });

  it("cuts by bytes; an item larger than maxBytes goes alone", async () => {
    const { m, inv } = setup({ batch: { maxRows: 100, maxBytes: 100, maxDelayMs: 50 }, concurrency: 10 });
    const sizes = [40, 40, 40, 10, 200, 5];
    void inv.submitMany(sizes.map((bytes, i) => ({ key: i, value: i, bytes })));
    await settleTasks();
    expect(m.calls.map((c) => c.inputs)).toEqual([[0, 1], [2, 3], [4]]);
    expect(inv.metrics().queued).toBe(1); // 5 bytes: not full, waits for its delay
    await vi.advanceTimersByTimeAsync(50);
    expect(m.calls[3]?.inputs).toEqual([5]);
  });

  it("times the delay from the oldest waiting item", async () => {
    const { m, inv } = setup({ batch: { maxRows: 10, maxDelayMs: 100 } });
    void inv.submit({ key: "a", value: 1, bytes: 0 });
    await vi.advanceTimersByTimeAsync(60);
    void inv.submit({ key: "b", value: 2, bytes: 0 });
    await vi.advanceTimersByTimeAsync(39);
    expect(m.calls).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(m.calls.map((c) => c.inputs)).toEqual([[1, 2]]);
    void inv.submit({ key: "c", value: 3, bytes: 0 });
    await vi.advanceTimersByTimeAsync(99);
    expect(m.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(m.calls[1]?.inputs).toEqual([3]);
  });

  it("a synchronous burst of submits fills one batch (maxDelayMs 0)", async () => {
    const { m, inv } = setup({ batch: { maxRows: 8, maxDelayMs: 0 } });
    for (const item of numberItems(0, 5)) void inv.submit(item);
    await settleTasks();
    expect(m.calls.map((c) => c.inputs)).toEqual([[0, 1, 2, 3, 4]]);
  });
});

describe("concurrency", () => {
  it("never has more than `concurrency` calls in flight, and a freed slot is used at once", async () => {
    const { m, inv } = setup({ batch: { maxRows: 2, maxDelayMs: 0 }, concurrency: 3, capacity: 100 });
    void inv.submitMany(numberItems(0, 20));
    await settleTasks();
    expect(m.calls).toHaveLength(3);
    expect(inv.metrics()).toMatchObject({ inFlight: 3, inFlightItems: 6, queued: 14 });
    for (let i = 0; i < 10; i++) {
      expect(m.active()).toBeLessThanOrEqual(3);
      const call = m.calls[i]!;
      call.resolve(call.inputs.map((x) => x * 10));
      await settleTasks();
    }
    expect(m.calls).toHaveLength(10);
    expect(m.maxActive()).toBe(3);
    expect(inv.take().map((r) => (r.kind === "ok" ? r.output : null))).toEqual(numberItems(0, 20).map((it) => it.value * 10));
    expect(inv.metrics()).toMatchObject({ submitted: 20, completed: 20, emitted: 20, inFlight: 0, queued: 0 });
  });

  it("an overdue partial batch goes as soon as a slot frees", async () => {
    const { m, inv } = setup({ batch: { maxRows: 4, maxDelayMs: 10 }, concurrency: 1, timeoutMs: 0 });
    void inv.submitMany(numberItems(0, 5));
    await settleTasks();
    expect(m.calls).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0); // no slot: no delay timer either
    await vi.advanceTimersByTimeAsync(500); // item 4 overdue, but no slot
    expect(m.calls).toHaveLength(1);
    m.calls[0]!.resolve([0, 1, 2, 3]);
    await settleTasks();
    expect(m.calls[1]?.inputs).toEqual([4]);
  });
});

describe("backpressure", () => {
  it("submit resolves while at most `capacity` items are held, then waits for take()", async () => {
    const { m, inv } = setup({ batch: { maxRows: 2, maxDelayMs: 0 }, concurrency: 1, capacity: 3 });
    const done: number[] = [];
    for (const item of numberItems(0, 4)) void inv.submit(item).then(() => done.push(item.value));
    await settleTasks();
    expect(done).toEqual([0, 1, 2]);
    expect(inv.hasCapacity).toBe(false);
    m.calls[0]!.resolve([0, 1]);
    await settleTasks();
    expect(done).toEqual([0, 1, 2]); // settled but not taken: still held
    expect(inv.take()).toHaveLength(2);
    await settleTasks();
    expect(done).toEqual([0, 1, 2, 3]);
    expect(inv.outstanding).toBe(2);
  });
});
