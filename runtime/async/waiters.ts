/** Promises parked until a condition holds (room, a result, an empty invoker), settled together. */
export class Waiters {
  private list: { resolve(): void; reject(error: Error): void }[] = [];

  get size(): number {
    return this.list.length;
  }

  wait(): Promise<void> {
    return new Promise((resolve, reject) => this.list.push({ resolve, reject }));
  }

  resolveAll(): void {
    const list = this.list;
    this.list = [];
    for (const w of list) w.resolve();
  }

  rejectAll(error: Error): void {
    const list = this.list;
    this.list = [];
    for (const w of list) w.reject(error);
  }
}
