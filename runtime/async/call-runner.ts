/**
 * One micro-batch call: its abort signal, its timeout, and the check of what came back. The
 * outcome is reported exactly once — unless the call is aborted from outside (close, failure),
 * after which a late answer is dropped.
 *
 * Classes, not closures over an object literal: a literal with a `get signal()` made per call
 * gives every call's context its own hidden class, which V8 allocates in old space; that old
 * object then kept each call's young objects alive through scavenges, so they were promoted and
 * every scavenge copied megabytes (measured on the invoker alone, with a function that answers
 * after one event-loop turn: ~8 µs per call and scavenges of several ms, against ~3 µs and
 * under 1 ms with a shared class).
 */

import { AsyncContractError, AsyncTimeoutError } from "./async-errors.js";
import type { Json } from "../api/stream.js";
import type { InvokeContext, InvokeFn, ItemFailure } from "./async-types.js";
import type { Clock, TimerHandle } from "./clock.js";

export type CallOutcome<Out> =
  | { ok: true; outputs: readonly (Out | ItemFailure)[] }
  | { ok: false; error: unknown; timedOut: boolean };

export interface RunningCall<Tag> {
  /** What the caller attached to the call (the invoker: its entries). */
  readonly tag: Tag;
  /** Aborts the signal with `reason`; the outcome will not be reported. */
  abort(reason: Error): void;
}

export interface CallTimeout {
  /** `0`: none. */
  ms: number;
  clock: Clock;
}

/** What every call of one invoker shares, made once: a call then allocates only itself and its context. */
export interface CallSite<In, Out, Tag> {
  fn: InvokeFn<In, Out>;
  step: string;
  timeout: CallTimeout;
  /** Called once per call with its outcome, unless the call was aborted first. */
  onDone(call: RunningCall<Tag>, outcome: CallOutcome<Out>): void;
}

/** Calls `site.fn` on `inputs` now (synchronously up to its first await). */
export function startCall<In, Out, Tag>(site: CallSite<In, Out, Tag>, inputs: readonly In[], attempts: readonly number[], keys: readonly Json[], tag: Tag): RunningCall<Tag> {
  return new Call(site, inputs, attempts, keys, tag);
}

/** What the function sees. The AbortController is made on first use of the signal (see `Call.signal`). */
class CallContext implements InvokeContext {
  readonly #call: Call<unknown, unknown, unknown>;

  constructor(
    call: Call<unknown, unknown, unknown>,
    readonly attempts: readonly number[],
    readonly keys: readonly Json[],
    readonly step: string,
  ) {
    this.#call = call;
  }

  get signal(): AbortSignal {
    return this.#call.signal();
  }
}

class Call<In, Out, Tag> implements RunningCall<Tag> {
  // Most functions never look at the signal, and an AbortController costs more than the rest of
  // a call's bookkeeping. An abort before it exists is remembered and shows when it is first read.
  private controller: AbortController | undefined;
  private abortReason: Error | undefined;
  private done = false;
  private timer: TimerHandle | undefined;

  constructor(
    private readonly site: CallSite<In, Out, Tag>,
    inputs: readonly In[],
    attempts: readonly number[],
    keys: readonly Json[],
    readonly tag: Tag,
  ) {
    const { ms, clock } = site.timeout;
    if (ms > 0) {
      this.timer = clock.setTimeout(() => {
        const error = new AsyncTimeoutError(site.step, ms);
        this.abortSignal(error);
        this.finish({ ok: false, error, timedOut: true });
      }, ms);
    }
    let result: Promise<unknown>;
    try {
      result = Promise.resolve(site.fn(inputs, new CallContext(this as Call<unknown, unknown, unknown>, attempts, keys, site.step)));
    } catch (error) {
      result = Promise.reject(error);
    }
    const expected = inputs.length;
    result.then(
      (outputs) => this.finish(checkOutputs<Out>(outputs, expected, site.step)),
      (error: unknown) => this.finish({ ok: false, error, timedOut: false }),
    );
  }

  signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.abortReason) this.controller.abort(this.abortReason);
    }
    return this.controller.signal;
  }

  abort(reason: Error): void {
    if (this.done) return;
    this.finish(undefined);
    this.abortSignal(reason);
  }

  private abortSignal(reason: Error): void {
    if (this.abortReason) return;
    this.abortReason = reason;
    this.controller?.abort(reason);
  }

  private finish(outcome: CallOutcome<Out> | undefined): void {
    if (this.done) return;
    this.done = true;
    if (this.timer !== undefined) this.site.timeout.clock.clearTimeout(this.timer);
    if (outcome) this.site.onDone(this, outcome);
  }
}

/** The function must answer one entry per input; anything else is a bug in it, not retriable. */
function checkOutputs<Out>(outputs: unknown, expected: number, step: string): CallOutcome<Out> {
  if (Array.isArray(outputs) && outputs.length === expected) {
    return { ok: true, outputs: outputs as readonly (Out | ItemFailure)[] };
  }
  const got = Array.isArray(outputs) ? `${outputs.length} results` : outputs === null ? "null" : `a ${typeof outputs}`;
  return { ok: false, error: new AsyncContractError(step, `function returned ${got} for ${expected} inputs`), timedOut: false };
}
