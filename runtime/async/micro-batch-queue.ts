/**
 * Items waiting to be sent, and the rule for cutting them into micro-batches: a batch is due
 * when it is full (rows or bytes), when a retry is waiting (its backoff already cost it time),
 * when draining, or when the oldest item has waited `maxDelayMs`.
 */

import type { BatchConfig } from "./async-config.js";
import { Fifo } from "./fifo.js";

export interface Queued {
  readonly bytes: number;
  /** When the item (re-)entered the queue, on the invoker's clock. */
  queuedAt: number;
}

export class MicroBatchQueue<E extends Queued> {
  private readonly fresh = new Fifo<E>();
  /** Retries whose backoff is over go ahead of new input. */
  private readonly retries = new Fifo<E>();
  private queuedBytes = 0;

  constructor(private readonly limits: BatchConfig) {}

  get size(): number {
    return this.fresh.size + this.retries.size;
  }

  push(item: E): void {
    this.fresh.push(item);
    this.queuedBytes += item.bytes;
  }

  pushRetry(item: E): void {
    this.retries.push(item);
    this.queuedBytes += item.bytes;
  }

  /** When the oldest new item's delay runs out; NaN when none is waiting. */
  deadline(): number {
    const head = this.fresh.peek();
    return head ? head.queuedAt + this.limits.maxDelayMs : Number.NaN;
  }

  /** Whether a micro-batch should be sent now. The clock is read only when a full batch is not waiting. */
  isDue(clock: { now(): number }, draining: boolean): boolean {
    if (this.size === 0) return false;
    return (
      this.size >= this.limits.maxRows ||
      this.queuedBytes >= this.limits.maxBytes ||
      this.retries.size > 0 ||
      draining ||
      this.deadline() <= clock.now()
    );
  }

  /** Retries first, then new input, up to `maxRows` and `maxBytes` (one oversized item goes alone). */
  cut(): E[] {
    const { maxRows, maxBytes } = this.limits;
    // Count first, so the batch array is made at its size (a grown one starts at 16 slots).
    let n = 0;
    let bytes = 0;
    let blocked = false;
    for (let i = 0; n < maxRows; i++) {
      const e = this.retries.at(i);
      if (!e) break;
      if (n > 0 && bytes + e.bytes > maxBytes) {
        // A retry that does not fit ends the batch: new input never goes ahead of it.
        blocked = true;
        break;
      }
      n++;
      bytes += e.bytes;
    }
    const fromRetries = n;
    for (let i = 0; !blocked && n < maxRows; i++) {
      const e = this.fresh.at(i);
      if (!e || (n > 0 && bytes + e.bytes > maxBytes)) break;
      n++;
      bytes += e.bytes;
    }
    const batch: E[] = new Array(n);
    for (let i = 0; i < n; i++) batch[i] = (i < fromRetries ? this.retries : this.fresh).shift()!;
    this.queuedBytes -= bytes;
    return batch;
  }
}
