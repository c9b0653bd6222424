import { describe, expect, it } from "vitest";
import { backoffDelay, resolveAsyncConfig } from "../../../runtime/async/index.js";

const retry = resolveAsyncConfig({ retry: { backoff: { initialMs: 100, maxMs: 1000, multiplier: 3 }, jitter: 0.5 } }, "s").retry;

describe("backoffDelay", () => {
  it("grows exponentially without jitter (random 0) and caps at maxMs", () => {
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, retry, () => 0))).toEqual([100, 300, 900, 1000, 1000]);
  });

  it("takes jitter off the top, so maxMs stays an upper bound", () => {
    expect(backoffDelay(1, retry, () => 0.5)).toBe(75); // 100 · (1 − 0.5·0.5)
    expect(backoffDelay(4, retry, () => 0.999)).toBe(Math.round(1000 * (1 - 0.5 * 0.999)));
    for (const r of [0, 0.3, 0.99]) expect(backoffDelay(9, retry, () => r)).toBeLessThanOrEqual(1000);
  });

  it("full jitter (1) spans [0, base]; no jitter ignores the random source", () => {
    const full = { ...retry, jitter: 1 };
    expect(backoffDelay(2, full, () => 0.25)).toBe(225);
    const none = { ...retry, jitter: 0 };
    expect(backoffDelay(2, none, () => 0.9)).toBe(300);
  });

  it("does not overflow for huge attempt counts", () => {
    expect(backoffDelay(10_000, retry, () => 0)).toBe(1000);
  });
});
