import { describe, expect, it } from "vitest";
import { SluiceError } from "../../../kernels/errors.js";
import { ConcurrencyLimit, resolveRetry, withRetry } from "../../../runtime/objects/index.js";

const fast = resolveRetry({ attempts: 4, backoff: { initialMs: 1, maxMs: 2 }, jitter: 0 }, "test");

describe("resolveRetry", () => {
  it("fills the engine's defaults and rejects nonsense naming the step", () => {
    expect(resolveRetry(undefined, "fetch")).toEqual({ attempts: 3, backoff: { initialMs: 100, maxMs: 10_000, multiplier: 2 }, jitter: 0.2 });
    expect(() => resolveRetry({ attempts: 0 }, "fetch")).toThrow(/fetch.*retry\.attempts must be/);
    expect(() => resolveRetry({ jitter: 2 }, "fetch")).toThrow(/retry\.jitter must be/);
  });
});

describe("withRetry", () => {
  it("retries retriable failures until one succeeds", async () => {
    const seen: number[] = [];
    const out = await withRetry(async (n) => {
      seen.push(n);
      if (n < 2) throw new SluiceError("blip", { retriable: true });
      return "ok";
    }, fast);
    expect(out).toBe("ok");
    expect(seen).toEqual([0, 1, 2]);
  });

  it("does not retry a non-retriable failure or a plain Error", async () => {
    let calls = 0;
    await expect(withRetry(async () => { calls++; throw new SluiceError("bad", { retriable: false }); }, fast)).rejects.toThrow("bad");
    await expect(withRetry(async () => { calls++; throw new TypeError("bug"); }, fast)).rejects.toThrow("bug");
    expect(calls).toBe(2);
  });

  it("gives up after the configured attempts, through the exhausted hook", async () => {
    let calls = 0;
    const err = await withRetry(async () => { calls++; throw new SluiceError("blip", { retriable: true }); }, fast, {
      exhausted: (e, attempts) => new Error(`${(e as Error).message} x${attempts}`),
    }).catch((e: unknown) => e);
    expect(calls).toBe(4);
    expect((err as Error).message).toBe("blip x4");
  });

  it("stops waiting when aborted", async () => {
    const ac = new AbortController();
    const slow = resolveRetry({ attempts: 6, backoff: { initialMs: 60_000, maxMs: 60_000 }, jitter: 0 }, "test");
    const p = withRetry(async () => { throw new SluiceError("blip", { retriable: true }); }, slow, {
      signal: ac.signal,
      onRetry: () => ac.abort(new Error("cancelled")),
    });
    await expect(p).rejects.toThrow("cancelled");
  });
});

describe("ConcurrencyLimit", () => {
  it("never runs more than max at once and runs everything", async () => {
    const limit = new ConcurrencyLimit(3);
    let running = 0, peak = 0;
    const gates: (() => void)[] = [];
    const jobs = Array.from({ length: 10 }, (_, i) =>
      limit.run(async () => {
        running++;
        peak = Math.max(peak, running);
        await new Promise<void>((r) => gates.push(r));
        running--;
        return i;
      }),
    );
    while (gates.length > 0 || limit.active > 0) {
      await new Promise((r) => setImmediate(r));
      gates.splice(0).forEach((g) => g());
    }
    expect(await Promise.all(jobs)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(peak).toBe(3);
  });

  it("releases the slot when the job throws", async () => {
    const limit = new ConcurrencyLimit(1);
    await expect(limit.run(async () => { throw new Error("x"); })).rejects.toThrow("x");
    expect(await limit.run(async () => 7)).toBe(7);
    expect(limit.active).toBe(0);
  });
});
