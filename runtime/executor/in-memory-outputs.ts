/**
 * Outputs held in memory, for DataFrame `collect()` and tests: a sink that keeps committed
 * batches, and a dead-letter writer that keeps the letters. Staging still follows the two-phase
 * contract, so `collect()` returns exactly what a file sink would have published.
 */

import type { DeadLetter, DeadLetterWriter } from "../api/dead-letter.js";
import type { Sink, SinkCommittable } from "../api/sink.js";
import type { Batch, Schema } from "../api/stream.js";

export class MemorySink implements Sink {
  readonly name = "memory";
  readonly batches: Batch[] = [];
  schema: Schema | undefined;
  private staged: Batch[] = [];
  private readonly sealed = new Map<number, Batch[]>();

  async open(schema: Schema): Promise<void> {
    this.schema = schema;
  }

  async write(batch: Batch): Promise<void> {
    this.staged.push(batch);
  }

  async prepareCommit(checkpointId: number): Promise<SinkCommittable> {
    this.sealed.set(checkpointId, this.staged);
    this.staged = [];
    return checkpointId;
  }

  async commit(committable: SinkCommittable): Promise<void> {
    const batches = this.sealed.get(committable as number);
    if (!batches) return; // already committed: commit is idempotent
    this.batches.push(...batches);
    this.sealed.delete(committable as number);
  }

  async abort(committable: SinkCommittable): Promise<void> {
    this.sealed.delete(committable as number);
  }

  async finish(): Promise<void> {
    await this.commit(await this.prepareCommit(-1));
  }

  async close(): Promise<void> {
    this.staged = [];
  }
}

export class MemoryDeadLetters implements DeadLetterWriter {
  readonly letters: DeadLetter[] = [];

  get count(): number {
    return this.letters.length;
  }

  async write(letters: readonly DeadLetter[]): Promise<void> {
    this.letters.push(...letters);
  }

  async finish(): Promise<void> {}
}
