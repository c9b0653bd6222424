/**
 * Time as the async engine sees it. Batching delays, call timeouts, retry backoff and latency
 * samples all go through one injectable clock, so tests drive them deterministically (vitest
 * fake timers or a hand-rolled clock) and never depend on wall time.
 */

/** An opaque timer handle; only ever passed back to the clock that made it. */
export type TimerHandle = unknown;

export interface Clock {
  /** Monotonic milliseconds. */
  now(): number;
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** `performance.now` and the global timers (both replaced by vitest's fake timers). */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof globalThis.setTimeout>),
};
