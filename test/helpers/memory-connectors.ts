/** In-memory Source, Sink and dead-letter writer for executor tests. */

import { makeTable, tableFromArrays, type RecordBatch, type Schema } from "apache-arrow";
import type { Sink, SinkCommittable } from "../../runtime/api/sink.js";
import type { PositionedBatch, Source, SourcePosition, SourceReadOptions } from "../../runtime/api/source.js";

/** A source of `rows` integers in column `x`, batched by `batchRows`; position = rows read. */
export function rangeSource(rows: number, opts: { failAtRow?: number } = {}): Source & { reads: number } {
  const src = {
    name: `range(${rows})`,
    reads: 0,
    async schema(): Promise<Schema> {
      return tableFromArrays({ x: new Int32Array(0) }).schema;
    },
    async *read(from: SourcePosition | undefined, o: SourceReadOptions): AsyncIterable<PositionedBatch> {
      let i = typeof from === "number" ? from : 0;
      while (i < rows) {
        if (o.signal.aborted) return;
        const n = Math.min(o.batchRows, rows - i);
        if (opts.failAtRow !== undefined && i + n > opts.failAtRow) throw new Error(`disk on fire at row ${opts.failAtRow}`);
        const batch = tableFromArrays({ x: Int32Array.from({ length: n }, (_, k) => i + k) }).batches[0]!;
        i += n;
        src.reads++;
        yield { batch, position: i };
        await Promise.resolve();
      }
    },
  };
  return src;
}

export class MemorySink implements Sink {
  readonly name = "memory";
  readonly batches: RecordBatch[] = [];
  committed: number[] = [];
  finished = false;
  closed = false;
  private staged: number[] = [];

  constructor(private readonly writeDelay?: () => Promise<void>) {}

  async open(): Promise<void> {}
  async write(batch: RecordBatch): Promise<void> {
    await this.writeDelay?.();
    this.batches.push(batch);
    this.staged.push(...(batch.getChild("x")!.toArray() as Int32Array));
  }
  async prepareCommit(_checkpointId: number): Promise<SinkCommittable> {
    const c = this.staged;
    this.staged = [];
    return c;
  }
  async commit(c: SinkCommittable): Promise<void> {
    this.committed.push(...(c as number[]));
  }
  async abort(): Promise<void> {}
  async finish(): Promise<void> {
    await this.commit(await this.prepareCommit(0));
    this.finished = true;
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

export { MemoryDeadLetters } from "../../runtime/executor/in-memory-outputs.js";
export { makeTable };
