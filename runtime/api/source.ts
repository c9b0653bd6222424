/**
 * Sources are replayable: each batch comes with the position just after it, and reading can
 * start from any such position. The position is what a checkpoint stores, so a restarted job
 * resumes exactly where its last completed checkpoint was.
 */

import type { Batch, Json, Schema } from "./stream.js";

/** Where a source is in its input; opaque to the runtime, JSON so it fits in a snapshot. */
export type SourcePosition = Json;

export interface SourceReadOptions {
  /** Upper bound on rows per batch. */
  batchRows: number;
  /** Aborted when the job is cancelled; readers stop promptly and release files. */
  signal: AbortSignal;
}

export interface PositionedBatch {
  batch: Batch;
  /** Position after this batch: reading from it yields the batches that follow. */
  position: SourcePosition;
}

export interface Source {
  /** A short name for errors and metrics, e.g. `jsonl(data/*.jsonl)`. */
  readonly name: string;
  /** The output schema, resolved before any data flows (plan time). */
  schema(): Promise<Schema>;
  /** Reads from `from` (undefined: the beginning) to the end of input. */
  read(from: SourcePosition | undefined, opts: SourceReadOptions): AsyncIterable<PositionedBatch>;
}
