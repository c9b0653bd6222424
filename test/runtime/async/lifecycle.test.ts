import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { AsyncInvoker, InvokerClosedError } from "../../../runtime/async/index.js";
import { manualFn, numberItems, settleTasks, track, transient } from "./harness.js";

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

function setup() {
  const m = manualFn<number, number>();
  const inv = new AsyncInvoker<number, number>({
    step: "fetch",
    fn: m.fn,
    config: { batch: { maxRows: 4, maxDelayMs: 60_000 }, concurrency: 1, capacity: 4, timeoutMs: 0, retry: { backoff: { initialMs: 30 }, jitter: 0 } },
  });
  return { m, inv };
}

describe("drain", () => {
  it("sends the partial batch without waiting for the delay and resolves once everything settled", async () => {
    const { m, inv } = setup();
    void inv.submitMany(numberItems(0, 6));
    const drained = track(inv.drain());
    await settleTasks();
    expect(m.calls.map((c) => c.inputs)).toEqual([[0, 1, 2, 3]]);
    m.calls[0]!.resolve([0, 1, 2, 3]);
    await settleTasks();
    expect(m.calls[1]?.inputs).toEqual([4, 5]); // partial, well before maxDelayMs
    expect(drained.settled()).toBe(false);
    m.calls[1]!.resolve([4, 5]);
    await settleTasks();
    expect(drained.settled()).toBe(true);
    expect(inv.take()).toHaveLength(6);
  });

  it("waits for retries to finish their backoff", async () => {
    const { m, inv } = setup();
    void inv.submit({ key: 0, value: 0, bytes: 0 });
    const drained = track(inv.drain());
    await settleTasks();
    m.calls[0]!.reject(transient());
    await vi.advanceTimersByTimeAsync(29);
    expect(drained.settled()).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    m.calls[1]!.resolve([7]);
    await settleTasks();
    expect(drained.settled()).toBe(true);
    expect(inv.take().map((r) => r.kind)).toEqual(["ok"]);
  });

  it("resolves at once when idle", async () => {
    const { inv } = setup();
    await expect(inv.drain()).resolves.toBeUndefined();
  });
});

describe("close", () => {
  it("aborts in-flight calls, rejects waiting promises, refuses new work, and drops late answers", async () => {
    const { m, inv } = setup();
    void inv.submitMany(numberItems(0, 4));
    const blocked = track(inv.submit({ key: 4, value: 4, bytes: 0 }));
    const ready = track(inv.whenReady());
    const drained = track(inv.drain());
    await settleTasks();
    const call = m.calls[0]!;
    inv.close();
    await settleTasks();
    expect(inv.state).toBe("closed");
    expect(call.ctx.signal.aborted).toBe(true);
    expect(call.ctx.signal.reason).toBeInstanceOf(InvokerClosedError);
    for (const p of [blocked, ready, drained]) expect(p.rejected()).toBeInstanceOf(InvokerClosedError);
    expect((blocked.rejected() as Error).message).toBe("step 'fetch': async invoker closed");
    await expect(inv.submit({ key: 5, value: 5, bytes: 0 })).rejects.toBeInstanceOf(InvokerClosedError);
    await expect(inv.drain()).rejects.toBeInstanceOf(InvokerClosedError);
    call.resolve([0, 1, 2, 3]);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(inv.take()).toEqual([]);
    expect(m.calls).toHaveLength(1);
    expect(inv.metrics().inFlight).toBe(0);
    expect(inv.snapshot().map((p) => p.seq)).toEqual([0, 1, 2, 3, 4]);
    inv.close(); // idempotent
  });
});

describe("metrics", () => {
  it("records per-item latency from the injected clock", async () => {
    let now = 0;
    const timers: (() => void)[] = [];
    const clock = { now: () => now, setTimeout: (f: () => void) => timers.push(f), clearTimeout: () => {} };
    const m = manualFn<number, number>();
    const inv = new AsyncInvoker<number, number>({ step: "s", fn: m.fn, clock, config: { batch: { maxRows: 2 }, timeoutMs: 0 } });
    void inv.submit({ key: 0, value: 0, bytes: 0 });
    now = 10;
    void inv.submit({ key: 1, value: 1, bytes: 0 });
    await Promise.resolve();
    now = 40;
    m.calls[0]!.resolve([0, 1]);
    await settleTasks();
    expect(inv.metrics().latencyMs).toEqual({ count: 2, p50: 30, p99: 40, max: 40 });
  });
});
