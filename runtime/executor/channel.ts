/**
 * A bounded, ordered channel between two tasks, carrying batches and control events in one
 * stream. Capacity is counted in batches and in bytes: a full channel suspends the sender until
 * the receiver takes something (backpressure). Control events take no capacity, so an end or a
 * barrier is never stuck behind the byte budget — only behind the batches queued before it,
 * which keeps the order. (`overtake` lets an unaligned barrier jump the queue; the batches it
 * passes are returned as channel state.)
 */

import { SluiceError } from "../../kernels/errors.js";
import type { Batch, StreamEvent } from "../api/stream.js";

export interface ChannelOptions {
  /** Max queued batches. Default 4. */
  maxBatches?: number;
  /** Max queued bytes (Arrow buffer bytes). Default 64 MiB. A single larger batch is still admitted when the channel is empty. */
  maxBytes?: number;
  /** For error messages and metrics: `upstream → downstream`. */
  name?: string;
}

export interface ChannelStats {
  queuedBatches: number;
  queuedBytes: number;
  /** Total time senders spent suspended on a full channel, ms. */
  blockedMs: number;
  /** Batches that passed through. */
  batches: number;
}

/** Bytes of Arrow buffers a batch holds (what the channel budgets). */
export function batchBytes(batch: Batch): number {
  return batch.data.byteLength;
}

export class ChannelClosedError extends SluiceError {}

interface Waiter {
  resolve: () => void;
  reject: (e: unknown) => void;
}

export class Channel {
  readonly name: string;
  private readonly maxBatches: number;
  private readonly maxBytes: number;
  private readonly queue: StreamEvent[] = [];
  private queuedBatches = 0;
  private queuedBytes = 0;
  private readonly senders: Waiter[] = [];
  private receiver: ((e: StreamEvent) => void) | undefined;
  private receiverReject: ((e: unknown) => void) | undefined;
  private failure: unknown;
  private blockedMs = 0;
  private passed = 0;

  constructor(opts: ChannelOptions = {}) {
    this.name = opts.name ?? "channel";
    this.maxBatches = Math.max(1, opts.maxBatches ?? 4);
    this.maxBytes = Math.max(1, opts.maxBytes ?? 64 << 20);
  }

  get stats(): ChannelStats {
    return { queuedBatches: this.queuedBatches, queuedBytes: this.queuedBytes, blockedMs: this.blockedMs, batches: this.passed };
  }

  private full(bytes: number): boolean {
    if (this.queuedBatches === 0) return false;
    return this.queuedBatches >= this.maxBatches || this.queuedBytes + bytes > this.maxBytes;
  }

  /** Sends one event; resolves once it is queued (after waiting for room, for batches). */
  async send(event: StreamEvent): Promise<void> {
    if (this.failure !== undefined) throw this.failure;
    if (event.kind === "batch") {
      const bytes = batchBytes(event.batch);
      if (this.full(bytes)) {
        const t0 = performance.now();
        while (this.full(bytes)) {
          await new Promise<void>((resolve, reject) => this.senders.push({ resolve, reject }));
          if (this.failure !== undefined) throw this.failure;
        }
        this.blockedMs += performance.now() - t0;
      }
      this.queuedBatches++;
      this.queuedBytes += bytes;
    }
    this.deliver(event);
  }

  /**
   * Puts an (unaligned) barrier at the head of the queue and returns the batches it overtook, in
   * order: they are in-flight state the checkpoint must store. They stay queued for processing.
   */
  overtake(event: StreamEvent): Batch[] {
    if (this.failure !== undefined) throw this.failure;
    const overtaken = this.queue.filter((e): e is { kind: "batch"; batch: Batch } => e.kind === "batch").map((e) => e.batch);
    if (this.receiver) this.deliver(event);
    else this.queue.unshift(event);
    return overtaken;
  }

  private deliver(event: StreamEvent): void {
    const r = this.receiver;
    if (r) {
      this.receiver = undefined;
      this.receiverReject = undefined;
      this.take(event);
      r(event);
    } else {
      this.queue.push(event);
    }
  }

  private take(event: StreamEvent): void {
    if (event.kind !== "batch") return;
    this.queuedBatches--;
    this.queuedBytes -= batchBytes(event.batch);
    this.passed++;
    const waiters = this.senders.splice(0);
    for (const w of waiters) w.resolve();
  }

  /** The next event; waits when the channel is empty. One receiver at a time. */
  receive(): Promise<StreamEvent> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const e = this.queue.shift();
    if (e) {
      this.take(e);
      return Promise.resolve(e);
    }
    if (this.receiver) return Promise.reject(new SluiceError(`${this.name}: two receivers on one channel`));
    return new Promise<StreamEvent>((resolve, reject) => {
      this.receiver = resolve;
      this.receiverReject = reject;
    });
  }

  /** Fails both ends (cancellation or an upstream/downstream error); queued events are dropped. */
  fail(reason: unknown): void {
    if (this.failure !== undefined) return;
    this.failure = reason instanceof Error ? reason : new ChannelClosedError(`${this.name}: ${String(reason)}`);
    this.queue.length = 0;
    this.queuedBatches = 0;
    this.queuedBytes = 0;
    for (const w of this.senders.splice(0)) w.reject(this.failure);
    this.receiverReject?.(this.failure);
    this.receiver = undefined;
    this.receiverReject = undefined;
  }
}
