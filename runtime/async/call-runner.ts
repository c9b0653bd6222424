/**
 * One micro-batch call: its abort signal, its timeout, and the check of what came back. The
 * outcome is reported exactly once — unless the call is aborted from outside (close, failure),
 * after which a late answer is dropped.
 */

import { AsyncContractError, AsyncTimeoutError } from "./async-errors.js";
import type { InvokeContext, InvokeFn, ItemFailure } from "./async-types.js";
import type { Clock, TimerHandle } from "./clock.js";

export type CallOutcome<Out> =
  | { ok: true; outputs: readonly (Out | ItemFailure)[] }
  | { ok: false; error: unknown; timedOut: boolean };

export interface RunningCall {
  /** Aborts the signal with `reason`; the outcome will not be reported. */
  abort(reason: Error): void;
}

export interface CallTimeout {
  /** `0`: none. */
  ms: number;
  clock: Clock;
}

export function startCall<In, Out>(
  fn: InvokeFn<In, Out>,
  inputs: readonly In[],
  meta: Omit<InvokeContext, "signal">,
  timeout: CallTimeout,
  onDone: (outcome: CallOutcome<Out>) => void,
): RunningCall {
  // The controller is made on first use of the signal: most functions never look at it, and an
  // AbortController costs more than the rest of a call's bookkeeping. An abort before that is
  // remembered and shows on the signal when it is first read.
  let controller: AbortController | undefined;
  let abortReason: Error | undefined;
  const abort = (reason: Error): void => {
    if (abortReason) return;
    abortReason = reason;
    controller?.abort(reason);
  };
  const ctx: InvokeContext = {
    attempts: meta.attempts,
    keys: meta.keys,
    step: meta.step,
    get signal() {
      if (!controller) {
        controller = new AbortController();
        if (abortReason) controller.abort(abortReason);
      }
      return controller.signal;
    },
  };
  let done = false;
  let timer: TimerHandle | undefined;
  const finish = (outcome: CallOutcome<Out> | undefined) => {
    if (done) return;
    done = true;
    if (timer !== undefined) timeout.clock.clearTimeout(timer);
    if (outcome) onDone(outcome);
  };

  if (timeout.ms > 0) {
    timer = timeout.clock.setTimeout(() => {
      const error = new AsyncTimeoutError(meta.step, timeout.ms);
      abort(error);
      finish({ ok: false, error, timedOut: true });
    }, timeout.ms);
  }

  let result: Promise<unknown>;
  try {
    result = Promise.resolve(fn(inputs, ctx));
  } catch (error) {
    result = Promise.reject(error);
  }
  result.then(
    (outputs) => finish(checkOutputs<Out>(outputs, inputs.length, meta.step)),
    (error: unknown) => finish({ ok: false, error, timedOut: false }),
  );

  return {
    abort(reason) {
      if (done) return;
      finish(undefined);
      abort(reason);
    },
  };
}

/** The function must answer one entry per input; anything else is a bug in it, not retriable. */
function checkOutputs<Out>(outputs: unknown, expected: number, step: string): CallOutcome<Out> {
  if (Array.isArray(outputs) && outputs.length === expected) {
    return { ok: true, outputs: outputs as readonly (Out | ItemFailure)[] };
  }
  const got = Array.isArray(outputs) ? `${outputs.length} results` : outputs === null ? "null" : `a ${typeof outputs}`;
  return { ok: false, error: new AsyncContractError(step, `function returned ${got} for ${expected} inputs`), timedOut: false };
}
