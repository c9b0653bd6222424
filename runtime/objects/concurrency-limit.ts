/**
 * A counting semaphore for async work: at most `max` calls run at once, the rest wait in FIFO
 * order. Used to bound open connections per store so a batch of ten thousand references does not
 * open ten thousand sockets.
 */

export class ConcurrencyLimit {
  readonly max: number;
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`concurrency must be a positive integer, got ${max}`);
    this.max = max;
  }

  /** Calls in flight now. */
  get active(): number {
    return this.running;
  }

  /** Calls waiting for a slot. */
  get pending(): number {
    return this.waiting.length;
  }

  /** Runs `fn` once a slot is free; the slot is released however `fn` ends. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.running >= this.max) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running++;
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      // Hand the slot straight to the next waiter, so `running` never dips and lets a newcomer jump the queue.
      if (next) next();
      else this.running--;
    }
  }
}
