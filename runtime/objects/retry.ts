/**
 * Retry with exponential backoff and jitter, for calls whose failures say whether trying again
 * may help (`SluiceError.retriable`). Only errors that declare themselves retriable are retried:
 * a programming error or a 404 fails at once instead of being hammered.
 */

import { SluiceError } from "../../kernels/errors.js";

export interface RetryPolicy {
  /** Retries after the first attempt (so `retries + 1` attempts at most). Default 3. */
  readonly retries: number;
  /** Delay before the first retry, in ms. Default 100. */
  readonly initialDelayMs: number;
  /** Upper bound of any one delay, in ms. Default 5000. */
  readonly maxDelayMs: number;
  /** Growth of the delay per retry. Default 2. */
  readonly multiplier: number;
  /**
   * Spread of each delay: a delay d becomes uniform in [d·(1−jitter), d·(1+jitter)], so many
   * clients that failed together do not retry together. 0..1, default 0.2.
   */
  readonly jitter: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { retries: 3, initialDelayMs: 100, maxDelayMs: 5000, multiplier: 2, jitter: 0.2 };

/** Fills defaults and validates; bad values fail here, not in the middle of a run. */
export function retryPolicy(overrides: Partial<RetryPolicy> = {}): RetryPolicy {
  const p = { ...DEFAULT_RETRY_POLICY, ...overrides };
  const bad = (what: string, v: number): never => {
    throw new SluiceError(`retry policy: ${what}, got ${v}`);
  };
  if (!Number.isInteger(p.retries) || p.retries < 0) bad("retries must be a non-negative integer", p.retries);
  if (!(p.initialDelayMs >= 0)) bad("initialDelayMs must be >= 0", p.initialDelayMs);
  if (!(p.maxDelayMs >= 0)) bad("maxDelayMs must be >= 0", p.maxDelayMs);
  if (!(p.multiplier >= 1)) bad("multiplier must be >= 1", p.multiplier);
  if (!(p.jitter >= 0 && p.jitter <= 1)) bad("jitter must be in [0, 1]", p.jitter);
  return p;
}

/** The delay before retry number `retry` (0 for the first), with jitter drawn from `random`. */
export function backoffDelay(retry: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const base = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.multiplier ** retry);
  const spread = base * policy.jitter * (2 * random() - 1);
  return Math.max(0, Math.min(policy.maxDelayMs, Math.round(base + spread)));
}

export function isRetriable(err: unknown): boolean {
  return err instanceof SluiceError && err.retriable;
}

export interface RetryHooks {
  /** Cancels waiting between attempts; the abort reason is thrown. */
  readonly signal?: AbortSignal;
  /** Called before each wait, e.g. to log or count retries. */
  readonly onRetry?: (error: unknown, retry: number, delayMs: number) => void;
  /**
   * Turns the last error into the one thrown once retries are spent (default: the last error
   * itself). Lets a caller say "gave up after N attempts" and stop outer layers retrying again.
   */
  readonly exhausted?: (error: unknown, attempts: number) => unknown;
  /** Jitter source, for tests. */
  readonly random?: () => number;
}

/**
 * Calls `attempt(n)` (n = 0, 1, …) until it resolves, a failure is not retriable, or the policy's
 * retries are spent. A non-retriable failure is thrown as is, on the first attempt or any later.
 */
export async function withRetry<T>(attempt: (n: number) => Promise<T>, policy: RetryPolicy, hooks: RetryHooks = {}): Promise<T> {
  for (let n = 0; ; n++) {
    try {
      return await attempt(n);
    } catch (err) {
      if (!isRetriable(err) || hooks.signal?.aborted) throw err;
      if (n >= policy.retries) throw hooks.exhausted ? hooks.exhausted(err, n + 1) : err;
      const delay = backoffDelay(n, policy, hooks.random);
      hooks.onRetry?.(err, n, delay);
      await sleep(delay, hooks.signal);
    }
  }
}

/** setTimeout as a promise that rejects with the signal's reason when aborted. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
