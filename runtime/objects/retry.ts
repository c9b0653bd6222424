/**
 * Retrying one call, for object fetches that run outside the async invocation engine (a plain
 * `ObjectStore.get`). It speaks the engine's retry config (`{ attempts, backoff, jitter }`) and
 * uses its backoff and its notion of retriable, so a fetch retries the way every other call in a
 * job does: only errors that declare themselves retriable are tried again — a programming error
 * or a 404 fails at once instead of being hammered.
 */

import { resolveAsyncConfig, type AsyncConfigInput, type RetryConfig } from "../async/async-config.js";
import { isRetriable } from "../async/async-errors.js";
import { backoffDelay, type RandomSource } from "../async/backoff.js";

/** A retry config as a user writes it: every part optional. */
export type RetryInput = NonNullable<AsyncConfigInput["retry"]>;

/** Validates a retry config and fills the engine's defaults; problems are a PlanError naming `step`. */
export function resolveRetry(input: RetryInput | undefined, step: string): RetryConfig {
  return resolveAsyncConfig(input === undefined ? {} : { retry: input }, step).retry;
}

export interface RetryHooks {
  /** Cancels waiting between attempts; the abort reason is thrown. */
  readonly signal?: AbortSignal;
  /** Called before each wait, e.g. to log or count retries. */
  readonly onRetry?: (error: unknown, failures: number, delayMs: number) => void;
  /**
   * Turns the last error into the one thrown once attempts are spent (default: the last error
   * itself). Lets a caller say "gave up after N attempts" and stop outer layers retrying again.
   */
  readonly exhausted?: (error: unknown, attempts: number) => unknown;
  /** Jitter source, for tests. */
  readonly random?: RandomSource;
}

/**
 * Calls `attempt(n)` (n = 0, 1, …) until it resolves, a failure is not retriable, or
 * `retry.attempts` attempts have failed. A non-retriable failure is thrown as is.
 */
export async function withRetry<T>(attempt: (n: number) => Promise<T>, retry: RetryConfig, hooks: RetryHooks = {}): Promise<T> {
  for (let n = 0; ; n++) {
    try {
      return await attempt(n);
    } catch (err) {
      if (!isRetriable(err) || hooks.signal?.aborted) throw err;
      if (n + 1 >= retry.attempts) throw hooks.exhausted ? hooks.exhausted(err, n + 1) : err;
      const delay = backoffDelay(n + 1, retry, hooks.random ?? Math.random);
      hooks.onRetry?.(err, n + 1, delay);
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
