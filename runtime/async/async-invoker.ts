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

import type { Json } from "../api/stream.js";
import { resolveAsyncConfig, type AsyncConfig } from "./async-config.js";
import { AsyncContractError, AsyncInvokeError, AsyncStateError, InvokerClosedError, deadLetterFor, isRetriable } from "./async-errors.js";
import { AsyncMetrics, type AsyncMetricsSnapshot } from "./async-metrics.js";
import { ItemFailure, type AsyncItem, type AsyncResult, type InvokeFn, type PendingRequest } from "./async-types.js";
import { startCall, type CallOutcome, type CallSite, type RunningCall } from "./call-runner.js";
import { backoffDelay, type RandomSource } from "./backoff.js";
import { systemClock, type Clock, type TimerHandle } from "./clock.js";
import { MicroBatchQueue } from "./micro-batch-queue.js";
import { decodePending, encodePending, parsePendingRequests, type PendingCodecs } from "./pending-requests.js";
import { ResultQueue } from "./result-queue.js";
import { Waiters } from "./waiters.js";
import type { AsyncInvokerOptions } from "./invoker-options.js";

export type { AsyncInvokerOptions } from "./invoker-options.js";

export type InvokerState = "open" | "failed" | "closed";

type Phase = "queued" | "in-flight" | "backoff" | "settled";

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
  /**
   * What `take()` hands over, made when it settles (one object per item, not an outcome and then
   * a result); declared from the start so every entry keeps one shape.
   */
  result: AsyncResult<In, Out> | undefined;
}

/** A call in flight, tagged with the entries it carries. */
type Call<In, Out> = RunningCall<Entry<In, Out>[]>;

const RESOLVED = Promise.resolve();

export class AsyncInvoker<In, Out> {
  readonly step: string;
  readonly config: AsyncConfig;
  private readonly fn: InvokeFn<In, Out>;
  private readonly clock: Clock;
  private readonly random: RandomSource;
  private readonly codecs: PendingCodecs<In, Out>;
  private readonly deadLetterInput: ((value: In) => Json | undefined) | undefined;
  private readonly stats = new AsyncMetrics();

  /** Every accepted, not yet taken item, in seq order: exactly what a snapshot holds. */
  private readonly entries = new Map<number, Entry<In, Out>>();
  private readonly queue: MicroBatchQueue<Entry<In, Out>>;
  private readonly results: ResultQueue<Entry<In, Out>>;
  /** Calls in flight; an array (at most `concurrency` long) so adding and removing one allocates nothing. */
  private readonly calls: Call<In, Out>[] = [];
  private readonly backoffTimers = new Set<TimerHandle>();
  private readonly capacityWaiters = new Waiters();
  private readonly readyWaiters = new Waiters();
  private readonly drainWaiters = new Waiters();
  private readonly callSite: CallSite<In, Out, Entry<In, Out>[]>;

  private nextSeq = 0;
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
    this.codecs = { input: options.inputCodec, output: options.outputCodec };
    this.deadLetterInput = options.deadLetterInput;
    this.queue = new MicroBatchQueue(this.config.batch);
    this.callSite = {
      fn: this.fn,
      step: this.step,
      timeout: { ms: this.config.timeoutMs, clock: this.clock },
      onDone: (call, outcome) => this.finishCall(call, outcome),
    };
    this.results = new ResultQueue(this.config.ordered);
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

  /** Results `take()` would hand over now. */
  get readyCount(): number {
    return this.results.readyCount;
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
    try {
      this.enqueue(items);
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.entries.size <= this.config.capacity) return Promise.resolve();
    return this.capacityWaiters.wait();
  }

  /**
   * Accepts items at once, as `submitMany` does, for a caller that applies its own backpressure
   * (an operator counting rows): no promise to make, or to make and ignore, per batch.
   * @throws the invoker's failure, `InvokerClosedError` once closed, or `AsyncContractError` for
   * an item whose bytes are not a number ≥ 0 (then no item is accepted).
   */
  enqueue(items: readonly AsyncItem<In>[]): void {
    const refused = this.refusal();
    if (refused) throw refused;
    for (const item of items) {
      if (!(item.bytes >= 0)) {
        throw new AsyncContractError(this.step, `item ${JSON.stringify(item.key)} has bytes ${item.bytes}; expected a number ≥ 0`);
      }
    }
    const now = this.clock.now();
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
        result: undefined,
      };
      this.accept(entry);
      this.stats.submitted++;
    }
    this.schedulePump();
  }

  /**
   * Hands over settled results (up to `max`), in input order when `ordered`. This is the moment
   * an item stops being pending: see the contract at the top of this file.
   */
  take(max = Number.POSITIVE_INFINITY): AsyncResult<In, Out>[] {
    // Made at its size: the usual take is one call's results, and a grown array starts at 16 slots.
    const out: AsyncResult<In, Out>[] = new Array(max > 0 ? Math.min(Math.ceil(max), this.results.readyCount) : 0);
    for (let i = 0; i < out.length; i++) {
      const e = this.results.shift()!;
      this.entries.delete(e.seq);
      out[i] = e.result!;
    }
    this.stats.emitted += out.length;
    if (this.entries.size <= this.config.capacity) this.capacityWaiters.resolveAll();
    return out;
  }

  /** Resolves when `take()` has something; rejects when the invoker fails or is closed. */
  whenReady(): Promise<void> {
    if (this.results.readyCount > 0) return Promise.resolve();
    const refused = this.refusal();
    if (refused) return Promise.reject(refused);
    return this.readyWaiters.wait();
  }

  /**
   * Sends partial micro-batches without waiting for `maxDelayMs` and resolves once every accepted
   * item has settled (results may still wait in `take()`). Retries still wait out their backoff.
   */
  drain(): Promise<void> {
    const refused = this.refusal();
    if (refused) return Promise.reject(refused);
    if (this.unsettled === 0) return Promise.resolve();
    const done = this.drainWaiters.wait();
    this.schedulePump();
    return done;
  }

  /** The items not yet taken, queued and in flight alike, as JSON. Synchronous, in any state. */
  snapshot(): PendingRequest[] {
    const pending: PendingRequest[] = [];
    for (const e of this.entries.values()) pending.push(encodePending(e, e.result?.kind === "ok" ? e.result : undefined, this.codecs));
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
      const decoded = decodePending(this.step, r, this.codecs);
      const entry: Entry<In, Out> = {
        seq: r.seq,
        key: r.key,
        value: decoded.value,
        bytes: r.bytes,
        attempts: r.attempts,
        phase: "queued",
        submittedAt: now,
        queuedAt: now,
        result: undefined,
      };
      if (decoded.output) {
        entry.result = { seq: entry.seq, key: entry.key, input: entry.value, kind: "ok", output: decoded.output.value };
        entry.phase = "settled";
        this.entries.set(entry.seq, entry);
        this.results.restoredSettled(entry);
      } else {
        this.accept(entry);
      }
      this.stats.restored++;
      this.nextSeq = Math.max(this.nextSeq, r.seq + 1);
    }
    this.notifyReady();
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
      inFlight: this.calls.length,
      inFlightItems: this.inFlightItems,
      queued: this.queue.size,
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
    this.unsettled++;
    this.results.track(entry);
  }

  private schedulePump(): void {
    // With every slot busy there is nothing to start, and the call that frees a slot pumps.
    if (this.pumpScheduled || this.calls.length >= this.config.concurrency) return;
    this.pumpScheduled = true;
    // A micro-task, so a synchronous burst of submits fills one micro-batch instead of many.
    // A reaction on a settled promise rather than queueMicrotask: Node wraps each of those in an
    // AsyncResource, which costs more than the pump itself.
    void RESOLVED.then(this.pumpTask);
  }

  private readonly pumpTask = (): void => {
    this.pumpScheduled = false;
    this.pump();
  };

  private pump(): void {
    if (this.currentState !== "open") return;
    while (this.calls.length < this.config.concurrency && this.queue.isDue(this.clock, this.drainWaiters.size > 0)) {
      this.dispatch(this.queue.cut());
    }
    this.armDelayTimer();
  }

  /**
   * Keeps one timer, for the oldest queued item's deadline, and only while a slot is free: with
   * every slot busy, the call that frees one pumps, so an overdue head needs no timer (a 0 ms
   * timer would just spin).
   */
  private armDelayTimer(): void {
    const armed = this.currentState === "open" && this.calls.length < this.config.concurrency;
    const deadline = armed ? this.queue.deadline() : Number.NaN;
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

  private dispatch(batch: Entry<In, Out>[]): void {
    const n = batch.length;
    this.inFlightItems += n;
    this.stats.recordBatch(n);
    const attempts: number[] = new Array(n);
    const keys: Json[] = new Array(n);
    const values: In[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const e = batch[i]!;
      e.phase = "in-flight";
      attempts[i] = e.attempts + 1;
      keys[i] = e.key;
      values[i] = e.value;
    }
    this.calls.push(startCall(this.callSite, values, attempts, keys, batch));
  }

  private finishCall(call: Call<In, Out>, outcome: CallOutcome<Out>): void {
    // Swap-remove: the order of calls in flight does not matter.
    const i = this.calls.indexOf(call);
    if (i >= 0) {
      this.calls[i] = this.calls[this.calls.length - 1]!;
      this.calls.pop();
    }
    const entries = call.tag;
    this.inFlightItems -= entries.length;
    if (this.currentState !== "open") return;
    if (!outcome.ok) {
      this.stats.callFailures++;
      if (outcome.timedOut) this.stats.timeouts++;
    }
    const outputs = outcome.ok ? outcome.outputs : undefined;

    let retries: Entry<In, Out>[] | undefined;
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      const out = outputs ? outputs[i] : undefined;
      if (outputs && !(out instanceof ItemFailure)) {
        this.stats.completed++;
        // Object literals, not spreads of a shared base: this runs once per item on the hot path.
        this.settle(e, { seq: e.seq, key: e.key, input: e.value, kind: "ok", output: out as Out });
        continue;
      }
      const error = outcome.ok ? (out as ItemFailure).error : outcome.error;
      e.attempts++;
      if (isRetriable(error) && e.attempts < this.config.retry.attempts) {
        (retries ??= []).push(e);
      } else {
        this.failForGood(e, error);
        if (this.currentState !== "open") return;
      }
    }
    if (retries) this.scheduleRetries(retries);
    // The slot this call held is free: start the next due micro-batch now, one micro-task hop
    // sooner than scheduling a pump (no burst of submits can be under way inside a call's
    // settlement, which is what the deferred pump waits for).
    this.pump();
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
          this.queue.pushRetry(e);
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
        this.settle(e, { seq: e.seq, key: e.key, input: e.value, kind: "skipped", error });
        return;
      case "dead-letter": {
        this.stats.deadLettered++;
        const letter = deadLetterFor(this.step, e.key, e.attempts, error, this.deadLetterInput?.(e.value));
        this.settle(e, { seq: e.seq, key: e.key, input: e.value, kind: "dead-letter", letter });
        return;
      }
    }
  }

  private settle(e: Entry<In, Out>, result: AsyncResult<In, Out>): void {
    e.phase = "settled";
    e.result = result;
    this.unsettled--;
    this.stats.recordLatency(this.clock.now() - e.submittedAt);
    this.results.settled(e);
    this.notifyReady();
    if (this.unsettled === 0) this.drainWaiters.resolveAll();
  }

  private notifyReady(): void {
    if (this.results.readyCount > 0) this.readyWaiters.resolveAll();
  }

  private teardown(reason: Error): void {
    const calls = this.calls.splice(0);
    for (const call of calls) call.abort(reason);
    this.inFlightItems = 0;
    for (const t of this.backoffTimers) this.clock.clearTimeout(t);
    this.backoffTimers.clear();
    if (this.delayTimer !== undefined) this.clock.clearTimeout(this.delayTimer);
    this.delayTimer = undefined;
    this.delayDeadline = Number.NaN;
    for (const waiters of [this.capacityWaiters, this.readyWaiters, this.drainWaiters]) waiters.rejectAll(reason);
  }
}
