import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  AsyncContractError,
  AsyncInvokeError,
  AsyncInvoker,
  AsyncTimeoutError,
  failItem,
  type AsyncConfigInput,
} from "../../../runtime/async/index.js";
import { RecordError } from "../../../runtime/api/runtime-errors.js";
import { manualFn, numberItems, settleTasks, track, transient } from "./harness.js";

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

function setup(config: AsyncConfigInput, random: () => number = () => 0) {
  const m = manualFn<number, number>();
  const inv = new AsyncInvoker<number, number>({
    step: "embed",
    fn: m.fn,
    random,
    config: { batch: { maxRows: 4, maxDelayMs: 0 }, ...config },
    deadLetterInput: (v) => ({ value: v }),
  });
  return { m, inv };
}

describe("timeouts and retries", () => {
  it("a timed-out call is aborted, retried after its backoff, and its late answer ignored", async () => {
    const { m, inv } = setup({ timeoutMs: 50, retry: { attempts: 3, backoff: { initialMs: 10 }, jitter: 0 } });
    void inv.submitMany(numberItems(0, 2));
    await settleTasks();
    const first = m.calls[0]!;
    await vi.advanceTimersByTimeAsync(49);
    expect(first.ctx.signal.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(first.ctx.signal.aborted).toBe(true);
    expect(first.ctx.signal.reason).toBeInstanceOf(AsyncTimeoutError);
    expect(inv.metrics()).toMatchObject({ timeouts: 1, retried: 2, backingOff: 2, inFlight: 0 });
    await vi.advanceTimersByTimeAsync(9);
    expect(m.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    const second = m.calls[1]!;
    expect(second.inputs).toEqual([0, 1]);
    expect(second.ctx.attempts).toEqual([2, 2]);
    first.resolve([-1, -1]); // late: dropped
    second.resolve([10, 11]);
    await settleTasks();
    expect(inv.take().map((r) => (r.kind === "ok" ? r.output : r.kind))).toEqual([10, 11]);
    expect(inv.metrics()).toMatchObject({ completed: 2, failed: 0 });
  });

  it("waits the computed backoff (deterministic jitter) between attempts, then dead-letters", async () => {
    const draws = [0.5, 0.25, 0.75];
    const config = { timeoutMs: 0, retry: { attempts: 4, backoff: { initialMs: 100, maxMs: 500, multiplier: 3 }, jitter: 0.4 } };
    const { m, inv } = setup(config, () => draws.shift()!);
    // 100·(1−0.4·0.5), 300·(1−0.4·0.25), min(500, 900)·(1−0.4·0.75)
    const expected = [80, 270, 350];
    void inv.submit({ key: "x", value: 7, bytes: 0 });
    await settleTasks();
    for (let i = 0; i < 3; i++) {
      m.calls[i]!.reject(transient(`busy ${i}`));
      await vi.advanceTimersByTimeAsync(expected[i]! - 1);
      expect(m.calls).toHaveLength(i + 1);
      await vi.advanceTimersByTimeAsync(1);
      expect(m.calls).toHaveLength(i + 2);
      expect(m.calls[i + 1]!.ctx.attempts).toEqual([i + 2]);
    }
    m.calls[3]!.reject(transient("busy 3"));
    await settleTasks();
    const [r] = inv.take();
    if (r?.kind !== "dead-letter") throw new Error(`expected a dead letter, got ${r?.kind}`);
    expect(r.letter).toMatchObject({ step: "embed", key: "x", reason: "after 4 attempts: busy 3", error: "SluiceError", input: { value: 7 } });
    expect(inv.metrics()).toMatchObject({ retried: 3, failed: 1, deadLettered: 1, callFailures: 4 });
  });

  it("retries only the failed items of a partial failure; non-retriable ones fail at once", async () => {
    const { m, inv } = setup({ timeoutMs: 0, retry: { attempts: 2, backoff: { initialMs: 5 } } });
    void inv.submitMany(numberItems(0, 4));
    await settleTasks();
    m.calls[0]!.resolve([0, failItem(transient()), failItem(new RecordError("corrupt JPEG")), 30]);
    await vi.advanceTimersByTimeAsync(5);
    expect(m.calls[1]?.inputs).toEqual([1]);
    expect(m.calls[1]?.ctx.attempts).toEqual([2]);
    expect(m.calls[1]?.ctx.keys).toEqual(["k1"]);
    m.calls[1]!.resolve([10]);
    await settleTasks();
    const out = inv.take();
    expect(out.map((r) => (r.kind === "ok" ? r.output : r.kind))).toEqual([0, 10, "dead-letter", 30]);
    expect(out[2]).toMatchObject({ letter: { reason: "corrupt JPEG", error: "RecordError", key: "k2" } });
    expect(inv.metrics()).toMatchObject({ completed: 3, retried: 1, deadLettered: 1, callFailures: 0 });
  });

  it("a plain Error is not retried; a wrong-length answer is a contract error", async () => {
    const { m, inv } = setup({ timeoutMs: 0, onError: "skip", retry: { attempts: 5 } });
    void inv.submit({ key: 0, value: 0, bytes: 0 });
    await settleTasks();
    m.calls[0]!.reject(new Error("boom"));
    await settleTasks();
    void inv.submitMany(numberItems(1, 3));
    await settleTasks();
    m.calls[1]!.resolve([1]);
    await settleTasks();
    expect(m.calls).toHaveLength(2);
    const out = inv.take();
    expect(out.map((r) => r.kind)).toEqual(["skipped", "skipped", "skipped"]);
    if (out[1]?.kind !== "skipped") throw new Error("unreachable");
    expect(out[1].error).toBeInstanceOf(AsyncContractError);
    expect((out[1].error as Error).message).toBe("step 'embed': function returned 1 results for 2 inputs");
    expect(inv.metrics()).toMatchObject({ skipped: 3, failed: 3, retried: 0 });
  });
});

describe("onError", () => {
  it("fail: the invoker fails with an error naming the step, record and cause; everything waiting rejects", async () => {
    const { m, inv } = setup({ timeoutMs: 0, onError: "fail", batch: { maxRows: 1, maxDelayMs: 0 }, capacity: 2 });
    const waiting = track(inv.submitMany(numberItems(0, 3)));
    const drained = track(inv.drain());
    await settleTasks();
    const cause = new RecordError("cannot decode");
    m.calls[1]!.reject(cause);
    await settleTasks();
    expect(inv.state).toBe("failed");
    const err = inv.error;
    expect(err).toBeInstanceOf(AsyncInvokeError);
    expect(err?.message).toBe("step 'embed' failed on record \"k1\" after 1 attempt(s): RecordError: cannot decode");
    expect((err as AsyncInvokeError).cause).toBe(cause);
    expect((err as AsyncInvokeError).step).toBe("embed");
    expect(waiting.rejected()).toBe(err);
    expect(drained.rejected()).toBe(err);
    expect(m.calls[0]!.ctx.signal.aborted).toBe(true);
    await expect(inv.submit({ key: 9, value: 9, bytes: 0 })).rejects.toBe(err);
    await expect(inv.whenReady()).rejects.toBe(err);
    m.calls[0]!.resolve([0]);
    await settleTasks();
    expect(inv.take()).toEqual([]);
  });

  it("skip: drops the item, counts it, and carries on", async () => {
    const { m, inv } = setup({ timeoutMs: 0, onError: "skip" });
    void inv.submitMany(numberItems(0, 2));
    await settleTasks();
    m.calls[0]!.resolve([failItem(new RecordError("empty")), 1]);
    await settleTasks();
    const out = inv.take();
    expect(out.map((r) => r.kind)).toEqual(["skipped", "ok"]);
    expect(inv.metrics()).toMatchObject({ skipped: 1, deadLettered: 0, completed: 1 });
    expect(inv.state).toBe("open");
  });

  it("dead-letter: emits a DeadLetter with step, key, reason, error class and input excerpt", async () => {
    vi.setSystemTime(new Date("2026-01-02T03:04:05.000Z"));
    const { m, inv } = setup({ timeoutMs: 0 });
    void inv.submit({ key: { file: "a.jpg" }, value: 5, bytes: 0 });
    await settleTasks();
    m.calls[0]!.resolve([failItem(new RecordError("corrupt JPEG: premature end of data\nat offset 12"))]);
    await settleTasks();
    const [r] = inv.take();
    if (r?.kind !== "dead-letter") throw new Error(`expected a dead letter, got ${r?.kind}`);
    expect(r.letter).toEqual({
      step: "embed",
      key: { file: "a.jpg" },
      reason: "corrupt JPEG: premature end of data …",
      error: "RecordError",
      at: "2026-01-02T03:04:05.000Z",
      input: { value: 5 },
    });
    expect(inv.metrics().deadLettered).toBe(1);
  });
});
