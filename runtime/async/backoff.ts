/**
 * Retry delays: exponential growth capped at `maxMs`, with jitter taken off the top
 * (`jitter: 1` is "full jitter", `0` is none). Subtracting instead of adding keeps `maxMs` a
 * true upper bound, which kafkajs' symmetric jitter does not. The random source is injected so
 * tests can compute the exact delays.
 */

import type { RetryConfig } from "./async-config.js";

/** A source of uniform numbers in [0, 1); `Math.random` by default. */
export type RandomSource = () => number;

/**
 * Milliseconds to wait before the next attempt, after `failures` failed attempts (≥ 1):
 * `round(min(maxMs, initialMs · multiplier^(failures−1)) · (1 − jitter · random()))`.
 */
export function backoffDelay(failures: number, retry: RetryConfig, random: RandomSource): number {
  const { initialMs, maxMs, multiplier } = retry.backoff;
  const grown = initialMs * multiplier ** Math.max(0, failures - 1);
  const base = Math.min(maxMs, grown);
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.round(base * (1 - retry.jitter * r));
}
