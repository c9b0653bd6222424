import { describe, expect, it } from "vitest";
import { PlanError } from "../../../runtime/api/runtime-errors.js";
import { AsyncInvoker, DEFAULT_ASYNC_CONFIG, resolveAsyncConfig } from "../../../runtime/async/index.js";

describe("resolveAsyncConfig", () => {
  it("fills defaults, deriving capacity from concurrency × maxRows", () => {
    const c = resolveAsyncConfig({ batch: { maxRows: 8 }, concurrency: 3, retry: { backoff: { maxMs: 500 } } }, "embed");
    expect(c.batch).toEqual({ ...DEFAULT_ASYNC_CONFIG.batch, maxRows: 8 });
    expect(c.capacity).toBe(24);
    expect(c.retry.backoff).toEqual({ ...DEFAULT_ASYNC_CONFIG.retry.backoff, maxMs: 500 });
    expect(c.onError).toBe("dead-letter");
    expect(c.ordered).toBe(true);
    expect(resolveAsyncConfig(undefined, "s").capacity).toBe(DEFAULT_ASYNC_CONFIG.concurrency * DEFAULT_ASYNC_CONFIG.batch.maxRows);
  });

  it("accepts a resolved config unchanged (it is JSON and round-trips)", () => {
    const c = resolveAsyncConfig({ capacity: 7, timeoutMs: 0, ordered: false, onError: "fail" }, "s");
    expect(resolveAsyncConfig(JSON.parse(JSON.stringify(c)), "s")).toEqual(c);
  });

  it("reports every problem at once, naming the step and each path", () => {
    let err: unknown;
    try {
      resolveAsyncConfig(
        { batch: { maxRows: 0, maxDelayMs: -1 }, concurrency: 1.5, retry: { jitter: 2, attempts: "3" }, onError: "ignore", ordered: "yes" },
        "embed",
      );
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PlanError);
    const msg = (err as Error).message;
    expect(msg).toMatch(/^step 'embed': invalid async config: /);
    expect(msg).toContain("batch.maxRows must be an integer ≥ 1 (got 0)");
    expect(msg).toContain("batch.maxDelayMs must be a number ≥ 0 (got -1)");
    expect(msg).toContain("concurrency must be an integer ≥ 1 (got 1.5)");
    expect(msg).toContain("retry.jitter must be a number in [0, 1] (got 2)");
    expect(msg).toContain('retry.attempts must be an integer ≥ 1 (got "3")');
    expect(msg).toContain("onError must be one of 'fail', 'skip', 'dead-letter' (got \"ignore\")");
    expect(msg).toContain('ordered must be true or false (got "yes")');
  });

  it("names unknown keys and suggests the near one", () => {
    expect(() => resolveAsyncConfig({ concurency: 2, batch: { maxrows: 3 } }, "s")).toThrow(
      "unknown key 'concurency' (did you mean 'concurrency'?); unknown key 'batch.maxrows' (did you mean 'batch.maxRows'?)",
    );
    expect(() => resolveAsyncConfig({ zzz: 1 }, "s")).toThrow(/unknown key 'zzz'$/);
  });

  it("rejects non-objects and a backoff cap below its start", () => {
    expect(() => resolveAsyncConfig([], "s")).toThrow("config must be an object (got [])");
    expect(() => resolveAsyncConfig({ batch: 5 }, "s")).toThrow("batch must be an object (got 5)");
    expect(() => resolveAsyncConfig({ retry: { backoff: { initialMs: 200, maxMs: 100 } } }, "s")).toThrow(
      "retry.backoff.maxMs (100) must be ≥ retry.backoff.initialMs (200)",
    );
    expect(() => resolveAsyncConfig({ timeoutMs: Number.POSITIVE_INFINITY }, "s")).toThrow("timeoutMs must be a number ≥ 0 (got Infinity)");
  });

  it("is applied by the invoker's constructor", () => {
    expect(() => new AsyncInvoker<number, number>({ step: "udf", fn: (xs) => xs, config: { concurrency: 0 } })).toThrow(PlanError);
  });
});
