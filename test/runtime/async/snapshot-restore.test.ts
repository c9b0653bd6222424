import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  AsyncInvoker,
  AsyncStateError,
  InvokerClosedError,
  failItem,
  type AsyncConfigInput,
  type AsyncResult,
  type Codec,
  type PendingRequest,
} from "../../../runtime/async/index.js";
import { manualFn, numberItems, settleTasks, track, transient } from "./harness.js";

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

const config: AsyncConfigInput = {
  batch: { maxRows: 2, maxDelayMs: 0 },
  concurrency: 1,
  capacity: 4,
  timeoutMs: 0,
  retry: { attempts: 3, backoff: { initialMs: 1000 }, jitter: 0 },
};

function fail(): never {
  throw new Error("not a number");
}

const numberCodec: Codec<number> = { encode: (n) => n, decode: (j) => j as number };

function invoker(outputCodec?: Codec<number>) {
  const m = manualFn<number, number>();
  const inv = new AsyncInvoker<number, number>({ step: "infer", fn: m.fn, config, ...(outputCodec ? { outputCodec } : {}) });
  return { m, inv };
}

const okOutputs = (rs: AsyncResult<number, number>[]) => rs.map((r) => (r.kind === "ok" ? [r.input, r.output] : [r.input, r.kind]));

/**
 * Items 0,1 are taken; item 2 succeeded but is not taken; item 3 is backing off after a failed
 * attempt; items 4,5 are in flight; item 6 came in while the invoker was full (its submit blocks).
 */
async function fillAndBlock(outputCodec?: Codec<number>) {
  const { m, inv } = invoker(outputCodec);
  void inv.submitMany(numberItems(0, 2));
  await settleTasks();
  m.calls[0]!.resolve([0, 100]);
  await settleTasks();
  const taken = inv.take();
  const admitted = track(inv.submitMany(numberItems(2, 6)));
  await settleTasks();
  expect(admitted.settled()).toBe(true);
  expect(m.calls[1]!.inputs).toEqual([2, 3]);
  m.calls[1]!.resolve([200, failItem(transient())]);
  await settleTasks();
  expect(m.calls[2]!.inputs).toEqual([4, 5]);
  const blocked = track(inv.submit({ key: "k6", value: 6, bytes: 0 }));
  await settleTasks();
  expect(blocked.settled()).toBe(false);
  return { m, inv, taken, blocked };
}

describe("snapshot", () => {
  it("returns at once while the queue is full and a submit is blocked, holding exactly the items not taken", async () => {
    const { inv, taken, blocked } = await fillAndBlock();
    expect(okOutputs(taken)).toEqual([
      [0, 0],
      [1, 100],
    ]);
    expect(inv.metrics()).toMatchObject({ inFlight: 1, backingOff: 1, awaitingTake: 1 });
    const pending = inv.snapshot();
    expect(blocked.settled()).toBe(false);
    expect(pending).toEqual([
      { seq: 2, key: "k2", bytes: 0, attempts: 0, input: 2, output: null },
      { seq: 3, key: "k3", bytes: 0, attempts: 1, input: 3, output: null },
      { seq: 4, key: "k4", bytes: 0, attempts: 0, input: 4, output: null },
      { seq: 5, key: "k5", bytes: 0, attempts: 0, input: 5, output: null },
      { seq: 6, key: "k6", bytes: 0, attempts: 0, input: 6, output: null },
    ]);
    expect(JSON.parse(JSON.stringify(pending))).toEqual(pending);
  });

  it("restore re-issues the pending items first; with the items taken before, each is emitted exactly once", async () => {
    const { inv, taken, blocked } = await fillAndBlock();
    const saved = JSON.parse(JSON.stringify(inv.snapshot())) as PendingRequest[];
    inv.close(); // the crash
    await settleTasks();
    expect(blocked.rejected()).toBeInstanceOf(InvokerClosedError);

    const { m, inv: next } = invoker();
    next.restore(saved);
    void next.submit({ key: "k7", value: 7, bytes: 0 });
    const drained = next.drain();
    for (let i = 0; i < 3; i++) {
      await settleTasks();
      const call = m.calls[i]!;
      call.resolve(call.inputs.map((x) => x * 100));
    }
    await drained;
    expect(m.calls.map((c) => c.inputs)).toEqual([[2, 3], [4, 5], [6, 7]]);
    expect(m.calls[0]!.ctx.attempts).toEqual([1, 2]); // item 3 keeps its failed attempt
    const after = next.take();
    expect(after.map((r) => r.seq)).toEqual([2, 3, 4, 5, 6, 7]);
    const all = [...taken, ...after].map((r) => r.input);
    expect(all).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(next.metrics()).toMatchObject({ restored: 5, submitted: 1 });
  });

  it("with an output codec, an item that succeeded but was not taken is restored done, not called again", async () => {
    const { inv } = await fillAndBlock(numberCodec);
    const saved = inv.snapshot();
    expect(saved[0]).toEqual({ seq: 2, key: "k2", bytes: 0, attempts: 0, input: 2, output: { value: 200 } });
    inv.close();
    const { m, inv: next } = invoker(numberCodec);
    next.restore(saved);
    expect(next.take().map((r) => [r.seq, r.kind === "ok" ? r.output : null])).toEqual([[2, 200]]);
    await settleTasks();
    expect(m.calls[0]!.inputs).toEqual([3, 4]);
  });

  it("snapshot after a take no longer holds what was taken", async () => {
    const { m, inv } = invoker();
    void inv.submitMany(numberItems(0, 2));
    await settleTasks();
    m.calls[0]!.resolve([1, 2]);
    await settleTasks();
    expect(inv.snapshot().map((p) => p.seq)).toEqual([0, 1]);
    inv.take(1);
    expect(inv.snapshot().map((p) => p.seq)).toEqual([1]);
  });
});

describe("restore", () => {
  it("only on a fresh invoker", async () => {
    const { inv } = invoker();
    void inv.submit({ key: 0, value: 0, bytes: 0 });
    expect(() => inv.restore([])).toThrow(AsyncStateError);
    expect(() => inv.restore([])).toThrow("step 'infer': restore must come before the first submit");
  });

  it("rejects malformed checkpoint data, naming the entry and field", () => {
    const bad = (value: unknown) => () => invoker().inv.restore(value as PendingRequest[]);
    expect(bad({})).toThrow("cannot restore pending requests: expected an array, got object");
    expect(bad([{ seq: -1 }])).toThrow("pending[0].seq must be a non-negative integer");
    const ok = { seq: 1, key: "a", bytes: 0, attempts: 0, input: 1, output: null };
    expect(bad([ok, { ...ok }])).toThrow("pending[1].seq 1 appears twice");
    expect(bad([{ ...ok, attempts: 1.5 }])).toThrow("pending[0].attempts must be a non-negative integer");
    expect(bad([{ seq: 0, key: "a", bytes: 0, attempts: 0 }])).toThrow("pending[0].input is missing");
    expect(bad([{ ...ok, output: 5 }])).toThrow("pending[0].output must be null or { value }");
    const strict = new AsyncInvoker<number, number>({
      step: "infer",
      fn: (xs) => xs,
      inputCodec: { encode: (n) => n, decode: (j) => (typeof j === "number" ? j : Number.parseInt("x" + String(j), 10) || fail()) },
    });
    expect(() => strict.restore([{ ...ok, input: "zz" }])).toThrow(
      "step 'infer': cannot restore pending request seq 1 (key \"a\"): its input does not decode: not a number",
    );
  });

  it("keeps seq order and continues numbering after the highest restored seq", async () => {
    const { m, inv } = invoker();
    inv.restore([
      { seq: 9, key: "b", bytes: 0, attempts: 0, input: 9, output: null },
      { seq: 4, key: "a", bytes: 0, attempts: 0, input: 4, output: null },
    ]);
    void inv.submit({ key: "c", value: 1, bytes: 0 });
    await settleTasks();
    m.calls[0]!.resolve([4, 9]);
    await settleTasks();
    m.calls[1]!.resolve([1]);
    await settleTasks();
    expect(inv.take().map((r) => [r.seq, r.key])).toEqual([
      [4, "a"],
      [9, "b"],
      [10, "c"],
    ]);
  });
});
