/**
 * Promises parked until a condition holds (room, a result, an empty invoker), settled together.
 * Everyone waiting at once shares one promise, made on the first `wait()`; settling with nobody
 * waiting costs nothing (the invoker settles its waiters on every result and every `take()`).
 */
export class Waiters {
  private pending: Promise<void> | undefined;
  private resolvePending: (() => void) | undefined;
  private rejectPending: ((error: Error) => void) | undefined;
  private waiting = 0;

  /** How many `wait()` calls the next settlement answers. */
  get size(): number {
    return this.waiting;
  }

  wait(): Promise<void> {
    this.waiting++;
    this.pending ??= new Promise<void>((resolve, reject) => {
      this.resolvePending = resolve;
      this.rejectPending = reject;
    });
    return this.pending;
  }

  resolveAll(): void {
    if (this.pending === undefined) return;
    const resolve = this.resolvePending!;
    this.clear();
    resolve();
  }

  rejectAll(error: Error): void {
    if (this.pending === undefined) return;
    const reject = this.rejectPending!;
    this.clear();
    reject(error);
  }

  private clear(): void {
    this.pending = undefined;
    this.resolvePending = undefined;
    this.rejectPending = undefined;
    this.waiting = 0;
  }
}
