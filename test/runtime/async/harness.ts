/** A user function whose calls the test settles by hand, and small helpers around the invoker. */

import { vi } from "vitest";
import type { AsyncItem, InvokeContext, ItemFailure } from "../../../runtime/async/index.js";
import { SluiceError } from "../../../kernels/errors.js";

export interface ManualCall<In, Out> {
  inputs: In[];
  ctx: InvokeContext;
  /** Clock time (fake) when the call started. */
  startedAt: number;
  resolve(outputs: readonly (Out | ItemFailure)[]): void;
  reject(error: unknown): void;
}

export interface ManualFn<In, Out> {
  fn: (inputs: readonly In[], ctx: InvokeContext) => Promise<readonly (Out | ItemFailure)[]>;
  calls: ManualCall<In, Out>[];
  /** Calls not yet settled or aborted. */
  active(): number;
  /** Highest number of calls active at once. */
  maxActive(): number;
}

export function manualFn<In, Out>(): ManualFn<In, Out> {
  const calls: ManualCall<In, Out>[] = [];
  let active = 0;
  let maxActive = 0;
  const fn = (inputs: readonly In[], ctx: InvokeContext) =>
    new Promise<readonly (Out | ItemFailure)[]>((resolve, reject) => {
      let open = true;
      const end = () => {
        if (open) active--;
        open = false;
      };
      active++;
      maxActive = Math.max(maxActive, active);
      ctx.signal.addEventListener("abort", end);
      calls.push({
        inputs: [...inputs],
        ctx,
        startedAt: performance.now(),
        resolve: (o) => {
          end();
          resolve(o);
        },
        reject: (e) => {
          end();
          reject(e);
        },
      });
    });
  return { fn, calls, active: () => active, maxActive: () => maxActive };
}

export function numberItems(from: number, to: number, bytes = 0): AsyncItem<number>[] {
  return Array.from({ length: to - from }, (_, i) => ({ key: `k${from + i}`, value: from + i, bytes }));
}

/** Runs due timers and queued micro-tasks at the current fake time. */
export async function settleTasks(): Promise<void> {
  await vi.advanceTimersByTimeAsync(0);
}

export function transient(message = "busy"): SluiceError {
  return new SluiceError(message, { retriable: true });
}

/** Tracks whether a promise has settled, without awaiting it. */
export function track(p: Promise<unknown>): { settled: () => boolean; rejected: () => unknown } {
  let settled = false;
  let rejected: unknown;
  p.then(
    () => (settled = true),
    (e: unknown) => {
      settled = true;
      rejected = e;
    },
  );
  return { settled: () => settled, rejected: () => rejected };
}
