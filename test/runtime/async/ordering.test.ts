import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { AsyncInvoker, failItem } from "../../../runtime/async/index.js";
import { RecordError } from "../../../runtime/api/runtime-errors.js";
import { manualFn, numberItems, settleTasks } from "./harness.js";

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

function setup(ordered: boolean) {
  const m = manualFn<number, string>();
  const inv = new AsyncInvoker<number, string>({
    step: "udf",
    fn: m.fn,
    config: { batch: { maxRows: 1, maxDelayMs: 0 }, concurrency: 3, ordered, retry: { attempts: 1 } },
  });
  return { m, inv };
}

const seqs = (rs: { seq: number }[]) => rs.map((r) => r.seq);

describe("result order", () => {
  it("ordered: a later completion waits for every earlier item", async () => {
    const { m, inv } = setup(true);
    void inv.submitMany(numberItems(0, 3));
    await settleTasks();
    const ready = vi.fn();
    void inv.whenReady().then(ready);
    m.calls[2]!.resolve(["c"]);
    await settleTasks();
    expect(inv.take()).toEqual([]);
    expect(ready).not.toHaveBeenCalled();
    expect(inv.metrics().awaitingTake).toBe(1);
    m.calls[1]!.resolve(["b"]);
    await settleTasks();
    expect(inv.take()).toEqual([]);
    m.calls[0]!.resolve(["a"]);
    await settleTasks();
    expect(ready).toHaveBeenCalledOnce();
    const out = inv.take();
    expect(seqs(out)).toEqual([0, 1, 2]);
    expect(out.map((r) => (r.kind === "ok" ? r.output : r.kind))).toEqual(["a", "b", "c"]);
    expect(out[0]).toMatchObject({ key: "k0", input: 0 });
  });

  it("ordered: a dead-lettered item keeps its place", async () => {
    const { m, inv } = setup(true);
    void inv.submitMany(numberItems(0, 3));
    await settleTasks();
    m.calls[2]!.resolve(["c"]);
    m.calls[1]!.resolve([failItem(new RecordError("bad"))]);
    await settleTasks();
    expect(inv.take()).toEqual([]);
    m.calls[0]!.resolve(["a"]);
    await settleTasks();
    expect(inv.take().map((r) => r.kind)).toEqual(["ok", "dead-letter", "ok"]);
  });

  it("unordered: results come out as they complete", async () => {
    const { m, inv } = setup(false);
    void inv.submitMany(numberItems(0, 3));
    await settleTasks();
    m.calls[2]!.resolve(["c"]);
    await settleTasks();
    expect(seqs(inv.take())).toEqual([2]);
    m.calls[0]!.resolve(["a"]);
    m.calls[1]!.resolve(["b"]);
    await settleTasks();
    expect(seqs(inv.take())).toEqual([0, 1]);
  });

  it("take(max) hands over at most max results, in order", async () => {
    const { m, inv } = setup(true);
    void inv.submitMany(numberItems(0, 3));
    await settleTasks();
    for (const c of m.calls) c.resolve(["x"]);
    await settleTasks();
    expect(seqs(inv.take(2))).toEqual([0, 1]);
    expect(seqs(inv.take(2))).toEqual([2]);
  });
});
