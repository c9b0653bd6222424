/**
 * Settled items on their way to `take()`. Ordered mode holds a settled item back until every
 * earlier one has settled (Flink's ordered queue); unordered mode hands it over at once. Unlike
 * Flink, nothing here bounds or blocks: capacity is the invoker's concern, and held items are
 * in the snapshot either way.
 */

import { Fifo } from "./fifo.js";

export interface Settleable {
  readonly seq: number;
  phase: string;
}

export class ResultQueue<E extends Settleable> {
  /** Ordered mode: every outstanding item in seq order. */
  private readonly order = new Fifo<E>();
  private readonly ready = new Fifo<E>();

  constructor(private readonly ordered: boolean) {}

  /** Items that `take()` can have now. */
  get readyCount(): number {
    return this.ready.size;
  }

  /** Registers an item in submission (seq) order; call before it can settle. */
  track(item: E): void {
    if (this.ordered) this.order.push(item);
  }

  /** The item's phase is now "settled". */
  settled(item: E): void {
    if (this.ordered) this.advance();
    else this.ready.push(item);
  }

  /** A restored item that had already settled: tracked and settled in one step. */
  restoredSettled(item: E): void {
    this.track(item);
    this.settled(item);
  }

  shift(): E | undefined {
    return this.ready.shift();
  }

  private advance(): void {
    while (this.order.peek()?.phase === "settled") this.ready.push(this.order.shift()!);
  }
}
