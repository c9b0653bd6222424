/**
 * The async invocation engine behind every async operator: items are micro-batched (rows, bytes,
 * delay), up to `concurrency` calls run at once, each under a timeout, failures are retried with
 * backoff, and what fails for good is failed, skipped or dead-lettered. Results come out in input
 * order or as they complete.
 *
 * Unlike Flink's AsyncWaitOperator, a full queue never stalls a checkpoint: `submit` accepts the
 * item at once (from that moment it is in every snapshot) and its promise is only the
 * backpressure signal. `snapshot()` is synchronous and works in any state.
 *
 * Contract with the operator (what keeps output exactly-once):
 * - An item leaves the pending set when `take()` returns it, not before. Everything `take()`
 *   returned before `snapshot()` must reach the operator's output ahead of that barrier (or be in
 *   the operator's own snapshot); everything not yet taken is in the returned pending requests.
 * - On recovery, call `restore(pending)` on a fresh invoker before the first `submit`; the
 *   restored items are re-issued (or, when an output codec was configured and they had already
 *   succeeded, emitted without a call) and never mixed up with new input's order.
 */

import type { DeadLetter } from "../api/dead-letter.js";
import type { Json } from "../api/stream.js";
import { resolveAsyncConfig, type AsyncConfig, type AsyncConfigInput } from "./async-config.js";
import {
  AsyncContractError,
  AsyncInvokeError,
  AsyncStateError,
  AsyncTimeoutError,
  InvokerClosedError,
  describeError,
  isRetriable,
} from "./async-errors.js";
import { AsyncMetrics, type AsyncMetricsSnapshot } from "./async-metrics.js";
import { ItemFailure, type AsyncItem, type AsyncResult, type Codec, type InvokeFn, type PendingRequest } from "./async-types.js";
import { backoffDelay, type RandomSource } from "./backoff.js";
import { systemClock, type Clock, type TimerHandle } from "./clock.js";
import { Fifo } from "./fifo.js";
import { parsePendingRequests } from "./pending-requests.js";

interface InvokerOptionsBase<In, Out> {
  /** The pipeline step, for errors, dead letters and metrics. */
  step: string;
  fn: InvokeFn<In, Out>;
  /** Validated with `resolveAsyncConfig` (defaults filled); a bad one throws `PlanError`. */
  config?: AsyncConfigInput;
  clock?: Clock;
  /** Jitter source, uniform in [0, 1). */
  random?: RandomSource;
  /** With it, items that succeeded but were not yet taken keep their output across a restore. */
  outputCodec?: Codec<Out>;
  /** A small JSON excerpt of an input for its dead letter (no large binaries). */
  deadLetterInput?: (value: In) => Json | undefined;
}

/** Options; an input codec is required unless the input type is already JSON. */
export type AsyncInvokerOptions<In, Out> = InvokerOptionsBase<In, Out> &
  ([In] extends [Json] ? { inputCodec?: Codec<In> } : { inputCodec: Codec<In> });

export type InvokerState = "open" | "failed" | "closed";

type Phase = "queued" | "in-flight" | "backoff" | "settled";

type Outcome<Out> =
  | { kind: "ok"; output: Out }
  | { kind: "skipped"; error: unknown }
  | { kind: "dead-letter"; letter: DeadLetter };

interface Entry<In, Out> {
  readonly seq: number;
  readonly key: Json;
  readonly value: In;
  readonly bytes: number;
  /** Failed attempts so far. */
  attempts: number;
  phase: Phase;
  readonly submittedAt: number;
  queuedAt: number;
  outcome?: Outcome<Out>;
}

interface Call<In, Out> {
  readonly entries: Entry<In, Out>[];
  readonly controller: AbortController;
  timer: TimerHandle | undefined;
  done: boolean;
}

interface Waiter {
  resolve(): void;
  reject(error: Error): void;
}

export class AsyncInvoker<In, Out> {
  readonly step: string;
  readonly config: AsyncConfig;
  private readonly fn: InvokeFn<In, Out>;
  private readonly clock: Clock;
  private readonly random: RandomSource;
  private readonly inputCodec: Codec<In> | undefined;
  private readonly outputCodec: Codec<Out> | undefined;
  private readonly deadLetterInput: ((value: In) => Json | undefined) | undefined;
  private readonly stats = new AsyncMetrics();

  /** Every accepted, not yet taken item, in seq order: exactly what a snapshot holds. */
  private readonly entries = new Map<number, Entry<In, Out>>();
  private readonly queue = new Fifo<Entry<In, Out>>();
  /** Retries whose backoff is over go ahead of new input. */
  private readonly retryQueue = new Fifo<Entry<In, Out>>();
  /** Ordered mode: outstanding items in seq order; the settled head moves to `ready`. */
  private readonly order = new Fifo<Entry<In, Out>>();
  private readonly ready = new Fifo<Entry<In, Out>>();
  private readonly calls = new Set<Call<In, Out>>();
  private readonly backoffTimers = new Set<TimerHandle>();
  private capacityWaiters: Waiter[] = [];
  private readyWaiters: Waiter[] = [];
  private drainWaiters: Waiter[] = [];

  private nextSeq = 0;
  private queuedBytes = 0;
  private unsettled = 0;
  private backingOff = 0;
  private inFlightItems = 0;
  private pumpScheduled = false;
  private delayTimer: TimerHandle | undefined;
  private delayDeadline = Number.NaN;
  private currentState: InvokerState = "open";
  private failure: Error | undefined;

  constructor(options: AsyncInvokerOptions<In, Out>) {
    this.step = options.step;
    this.config = resolveAsyncConfig(options.config ?? {}, options.step);
    this.fn = options.fn;
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.inputCodec = options.inputCodec;
    this.outputCodec = options.outputCodec;
    this.deadLetterInput = options.deadLetterInput;
  }

  get state(): InvokerState {
    return this.currentState;
  }

  /** Why the invoker failed (`AsyncInvokeError`), or undefined. */
  get error(): Error | undefined {
    return this.failure;
  }

  /** Items accepted and not yet taken. */
  get outstanding(): number {
    return this.entries.size;
  }

  /** Whether a `submit` now would resolve at once. */
  get hasCapacity(): boolean {
    return this.entries.size < this.config.capacity;
  }

  /**
   * Accepts an item at once (it is in every snapshot from now on). The promise resolves when
   * the invoker holds no more than `capacity` items — the backpressure signal — and rejects if
   * the invoker fails or is closed first.
   */
  submit(item: AsyncItem<In>): Promise<void> {
    return this.submitMany([item]);
  }

  /** `submit` for several items with one promise (one micro-task hop instead of many). */
  submitMany(items: readonly AsyncItem<In>[]): Promise<void> {
    const refused = this.refusal();
    if (refused) return Promise.reject(refused);
    const now = this.clock.now();
    for (const item of items) {
      if (!(item.bytes >= 0)) {
        return Promise.reject(new AsyncContractError(this.step, `item ${JSON.stringify(item.key)} has bytes ${item.bytes}; expected a number ≥ 0`));
      }
    }
    for (const item of items) {
      const entry: Entry<In, Out> = {
        seq: this.nextSeq++,
        key: item.key,
        value: item.value,
        bytes: item.bytes,
        attempts: 0,
        phase: "queued",
        submittedAt: now,
        queuedAt: now,
      };
      this.accept(entry);
      this.stats.submitted++;
    }
    this.schedulePump();
    if (this.entries.size <= this.config.capacity) return Promise.resolve();
    return new Promise((resolve, reject) => this.capacityWaiters.push({ resolve, reject }));
  }

  /**
   * Hands over settled results (up to `max`), in input order when `ordered`. This is the moment
   * an item stops being pending: see the contract at the top of this file.
   */
  take(max = Number.POSITIVE_INFINITY): AsyncResult<In, Out>[] {
    const out: AsyncResult<In, Out>[] = [];
    while (out.length < max) {
      const e = this.ready.shift();
      if (!e) break;
      this.entries.delete(e.seq);
      out.push(toResult(e));
    }
    this.stats.emitted += out.length;
    if (this.capacityWaiters.length > 0 && this.entries.size <= this.config.capacity) {
      settle(this.capacityWaiters, undefined);
      this.capacityWaiters = [];
    }
    return out;
  }

  /** Resolves when `take()` has something; rejects when the invoker fails or is closed. */
  whenReady(): Promise<void> {
    if (this.ready.size > 0) return Promise.resolve();
    const refused = this.refusal();
    if (refused) return Promise.reject(refused);
    return new Promise((resolve, reject) => this.readyWaiters.push({ resolve, reject }));
  }

  /**
   * Sends partial micro-batches without waiting for `maxDelayMs` and resolves once every accepted
   * item has settled (results may still wait in `take()`). Retries still wait out their backoff.
   */
  drain(): Promise<void> {
    const refused = this.refusal();
    if (refused) return Promise.reject(refused);
    if (this.unsettled === 0) return Promise.resolve();
    const done = new Promise<void>((resolve, reject) => this.drainWaiters.push({ resolve, reject }));
    this.schedulePump();
    return done;
  }

  /** The items not yet taken, queued and in flight alike, as JSON. Synchronous, in any state. */
  snapshot(): PendingRequest[] {
    const pending: PendingRequest[] = [];
    for (const e of this.entries.values()) {
      const ok = e.outcome?.kind === "ok" && this.outputCodec ? e.outcome : undefined;
      pending.push({
        seq: e.seq,
        key: e.key,
        bytes: e.bytes,
        attempts: e.attempts,
        input: this.inputCodec ? this.inputCodec.encode(e.value) : (e.value as Json),
        output: ok && this.outputCodec ? { value: this.outputCodec.encode(ok.output) } : null,
      });
    }
    return pending;
  }

  /**
   * Re-issues the pending requests of a snapshot, ahead of any new input. Only on a fresh
   * invoker. The input is checked field by field, since it comes from a checkpoint file.
   * @throws AsyncStateError when called after `submit` or given something malformed.
   */
  restore(pending: readonly PendingRequest[]): void {
    const refused = this.refusal();
    if (refused) throw refused;
    if (this.nextSeq > 0 || this.entries.size > 0) {
      throw new AsyncStateError(this.step, "restore must come before the first submit");
    }
    const requests = parsePendingRequests(this.step, pending).sort((a, b) => a.seq - b.seq);
    const now = this.clock.now();
    for (const r of requests) {
      const entry: Entry<In, Out> = {
        seq: r.seq,
        key: r.key,
        value: this.inputCodec ? this.inputCodec.decode(r.input) : (r.input as In),
        bytes: r.bytes,
        attempts: r.attempts,
        phase: "queued",
        submittedAt: now,
        queuedAt: now,
      };
      if (r.output && this.outputCodec) {
        entry.outcome = { kind: "ok", output: this.outputCodec.decode(r.output.value) };
        entry.phase = "settled";
        this.entries.set(entry.seq, entry);
        if (this.config.ordered) this.order.push(entry);
        else this.ready.push(entry);
      } else {
        this.accept(entry);
      }
      this.stats.restored++;
      this.nextSeq = Math.max(this.nextSeq, r.seq + 1);
    }
    this.advanceOrder();
    this.schedulePump();
  }

  /**
   * Stops for good: aborts in-flight calls (their signals, reason `InvokerClosedError`), cancels
   * timers, and rejects waiting `submit`, `whenReady` and `drain` promises. Pending items stay
   * readable through `snapshot()`.
   */
  close(): void {
    if (this.currentState !== "open") return;
    this.currentState = "closed";
    this.teardown(new InvokerClosedError(this.step));
  }

  metrics(): AsyncMetricsSnapshot {
    return this.stats.snapshot({
      inFlight: this.calls.size,
      inFlightItems: this.inFlightItems,
      queued: this.queue.size + this.retryQueue.size,
      backingOff: this.backingOff,
      awaitingTake: this.entries.size - this.unsettled,
    });
  }

  // --- internals ---

  private refusal(): Error | undefined {
    if (this.currentState === "failed") return this.failure;
    if (this.currentState === "closed") return new InvokerClosedError(this.step);
    return undefined;
  }

  private accept(entry: Entry<In, Out>): void {
    this.entries.set(entry.seq, entry);
    this.queue.push(entry);
    this.queuedBytes += entry.bytes;
    this.unsettled++;
    if (this.config.ordered) this.order.push(entry);
  }

  private get queuedCount(): number {
    return this.queue.size + this.retryQueue.size;
  }

  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    // A micro-task, so a synchronous burst of submits fills one micro-batch instead of many.
    queueMicrotask(() => this.pump());
  }

  private pump(): void {
    this.pumpScheduled = false;
    if (this.currentState !== "open") return;
    const { maxRows, maxBytes, maxDelayMs } = this.config.batch;
    while (this.calls.size < this.config.concurrency && this.queuedCount > 0) {
      const head = this.queue.peek();
      const due =
        this.queuedCount >= maxRows ||
        this.queuedBytes >= maxBytes ||
        this.retryQueue.size > 0 ||
        this.drainWaiters.length > 0 ||
        (head !== undefined && head.queuedAt + maxDelayMs <= this.clock.now());
      if (!due) break;
      this.dispatch(this.cut());
    }
    this.armDelayTimer();
  }

  /**
   * Keeps one timer, for the oldest queued item's deadline, and only while a slot is free: with
   * every slot busy, the call that frees one pumps, so an overdue head needs no timer (a 0 ms
   * timer would just spin).
   */
  private armDelayTimer(): void {
    const head = this.queue.peek();
    const armed = head !== undefined && this.currentState === "open" && this.calls.size < this.config.concurrency;
    const deadline = armed ? head.queuedAt + this.config.batch.maxDelayMs : Number.NaN;
    if (deadline === this.delayDeadline || (Number.isNaN(deadline) && this.delayTimer === undefined)) return;
    if (this.delayTimer !== undefined) this.clock.clearTimeout(this.delayTimer);
    this.delayTimer = undefined;
    this.delayDeadline = deadline;
    if (Number.isNaN(deadline)) return;
    this.delayTimer = this.clock.setTimeout(() => {
      this.delayTimer = undefined;
      this.delayDeadline = Number.NaN;
      this.pump();
    }, Math.max(0, deadline - this.clock.now()));
  }

  /** Retries first, then new input, up to `maxRows` and `maxBytes` (one oversized item goes alone). */
  private cut(): Entry<In, Out>[] {
    const { maxRows, maxBytes } = this.config.batch;
    const batch: Entry<In, Out>[] = [];
    let bytes = 0;
    while (batch.length < maxRows) {
      const source = this.retryQueue.size > 0 ? this.retryQueue : this.queue;
      const e = source.peek();
      if (!e || (batch.length > 0 && bytes + e.bytes > maxBytes)) break;
      source.shift();
      batch.push(e);
      bytes += e.bytes;
    }
    this.queuedBytes -= bytes;
    return batch;
  }

  private dispatch(batch: Entry<In, Out>[]): void {
    const call: Call<In, Out> = { entries: batch, controller: new AbortController(), timer: undefined, done: false };
    this.calls.add(call);
    this.inFlightItems += batch.length;
    this.stats.recordBatch(batch.length);
    for (const e of batch) e.phase = "in-flight";
    const { timeoutMs } = this.config;
    if (timeoutMs > 0) {
      call.timer = this.clock.setTimeout(() => {
        const err = new AsyncTimeoutError(this.step, timeoutMs);
        this.stats.timeouts++;
        call.controller.abort(err);
        this.finishCall(call, { error: err });
      }, timeoutMs);
    }
    const ctx = {
      signal: call.controller.signal,
      attempts: batch.map((e) => e.attempts + 1),
      keys: batch.map((e) => e.key),
      step: this.step,
    };
    let result: Promise<readonly (Out | ItemFailure)[]>;
    try {
      result = Promise.resolve(this.fn(batch.map((e) => e.value), ctx));
    } catch (error) {
      result = Promise.reject(error);
    }
    result.then(
      (outputs) => this.finishCall(call, { outputs }),
      (error: unknown) => this.finishCall(call, { error }),
    );
  }

  private finishCall(call: Call<In, Out>, result: { outputs: unknown } | { error: unknown }): void {
    // A call that timed out or was aborted by close is already finished; its late answer is dropped.
    if (call.done) return;
    call.done = true;
    if (call.timer !== undefined) this.clock.clearTimeout(call.timer);
    this.calls.delete(call);
    this.inFlightItems -= call.entries.length;
    if (this.currentState !== "open") return;

    let callError: unknown;
    let outputs: readonly unknown[] = [];
    if ("error" in result) {
      callError = result.error;
      this.stats.callFailures++;
    } else if (!Array.isArray(result.outputs) || result.outputs.length !== call.entries.length) {
      const got = Array.isArray(result.outputs) ? `${result.outputs.length} results` : describeValue(result.outputs);
      callError = new AsyncContractError(this.step, `function returned ${got} for ${call.entries.length} inputs`);
      this.stats.callFailures++;
    } else {
      outputs = result.outputs;
    }

    const retries: Entry<In, Out>[] = [];
    for (let i = 0; i < call.entries.length; i++) {
      const e = call.entries[i]!;
      const out = callError === undefined ? outputs[i] : undefined;
      if (callError === undefined && !(out instanceof ItemFailure)) {
        this.stats.completed++;
        this.settle(e, { kind: "ok", output: out as Out });
        continue;
      }
      const error = callError !== undefined ? callError : (out as ItemFailure).error;
      e.attempts++;
      if (isRetriable(error) && e.attempts < this.config.retry.attempts) {
        retries.push(e);
      } else {
        this.failForGood(e, error);
        if (this.currentState !== "open") return;
      }
    }
    this.scheduleRetries(retries);
    this.schedulePump();
  }

  /** One timer per distinct attempt count: items that failed together wait together. */
  private scheduleRetries(entries: readonly Entry<In, Out>[]): void {
    const byAttempts = new Map<number, Entry<In, Out>[]>();
    for (const e of entries) {
      e.phase = "backoff";
      const group = byAttempts.get(e.attempts);
      if (group) group.push(e);
      else byAttempts.set(e.attempts, [e]);
    }
    this.backingOff += entries.length;
    this.stats.retried += entries.length;
    for (const [attempts, group] of byAttempts) {
      const delay = backoffDelay(attempts, this.config.retry, this.random);
      const timer = this.clock.setTimeout(() => {
        this.backoffTimers.delete(timer);
        this.backingOff -= group.length;
        const now = this.clock.now();
        for (const e of group) {
          e.phase = "queued";
          e.queuedAt = now;
          this.retryQueue.push(e);
          this.queuedBytes += e.bytes;
        }
        this.pump();
      }, delay);
      this.backoffTimers.add(timer);
    }
  }

  private failForGood(e: Entry<In, Out>, error: unknown): void {
    this.stats.failed++;
    switch (this.config.onError) {
      case "fail":
        this.currentState = "failed";
        this.failure = new AsyncInvokeError(this.step, e.key, e.attempts, error);
        this.teardown(this.failure);
        return;
      case "skip":
        this.stats.skipped++;
        this.settle(e, { kind: "skipped", error });
        return;
      case "dead-letter": {
        this.stats.deadLettered++;
        const { name, message } = describeError(error);
        const letter: DeadLetter = {
          step: this.step,
          key: e.key,
          reason: e.attempts > 1 ? `after ${e.attempts} attempts: ${message}` : message,
          error: name,
          at: new Date().toISOString(),
        };
        const input = this.deadLetterInput?.(e.value);
        if (input !== undefined) letter.input = input;
        this.settle(e, { kind: "dead-letter", letter });
        return;
      }
    }
  }

  private settle(e: Entry<In, Out>, outcome: Outcome<Out>): void {
    e.phase = "settled";
    e.outcome = outcome;
    this.unsettled--;
    this.stats.recordLatency(this.clock.now() - e.submittedAt);
    if (this.config.ordered) this.advanceOrder();
    else this.ready.push(e);
    if (this.ready.size > 0) {
      settle(this.readyWaiters, undefined);
      this.readyWaiters = [];
    }
    if (this.unsettled === 0) {
      settle(this.drainWaiters, undefined);
      this.drainWaiters = [];
    }
  }

  /** Ordered mode: a settled item becomes ready only once every earlier one has. */
  private advanceOrder(): void {
    while (this.order.peek()?.phase === "settled") this.ready.push(this.order.shift()!);
    if (this.ready.size > 0) {
      settle(this.readyWaiters, undefined);
      this.readyWaiters = [];
    }
  }

  private teardown(reason: Error): void {
    for (const call of this.calls) {
      call.done = true;
      if (call.timer !== undefined) this.clock.clearTimeout(call.timer);
      call.controller.abort(reason);
    }
    this.calls.clear();
    this.inFlightItems = 0;
    for (const t of this.backoffTimers) this.clock.clearTimeout(t);
    this.backoffTimers.clear();
    if (this.delayTimer !== undefined) this.clock.clearTimeout(this.delayTimer);
    this.delayTimer = undefined;
    this.delayDeadline = Number.NaN;
    for (const list of [this.capacityWaiters, this.readyWaiters, this.drainWaiters]) settle(list, reason);
    this.capacityWaiters = [];
    this.readyWaiters = [];
    this.drainWaiters = [];
  }
}

function settle(waiters: readonly Waiter[], error: Error | undefined): void {
  for (const w of waiters) {
    if (error) w.reject(error);
    else w.resolve();
  }
}

function toResult<In, Out>(e: Entry<In, Out>): AsyncResult<In, Out> {
  const base = { seq: e.seq, key: e.key, input: e.value };
  const o = e.outcome!;
  switch (o.kind) {
    case "ok":
      return { ...base, kind: "ok", output: o.output };
    case "skipped":
      return { ...base, kind: "skipped", error: o.error };
    case "dead-letter":
      return { ...base, kind: "dead-letter", letter: o.letter };
  }
}

function describeValue(v: unknown): string {
  return v === null ? "null" : Array.isArray(v) ? "an array" : `a ${typeof v}`;
}
