/**
 * Sinks commit in two phases so output is exactly-once: batches are written to a staging area,
 * `prepareCommit` seals what was written since the last checkpoint into a committable (stored in
 * the checkpoint), and `commit` makes it visible atomically. A reader never sees partial output.
 * Without checkpoints, `finish` prepares and commits everything once at end of input.
 */

import type { Batch, Json, Schema } from "./stream.js";

/** What a sink needs to finish or undo one staged commit; JSON so it fits in a snapshot. */
export type SinkCommittable = Json;

export interface SinkOpenContext {
  /** The job's identity, so staging names from different jobs never collide. */
  jobId: string;
  /** Index of this sink instance when the sink runs with parallelism > 1. */
  subtask: number;
}

export interface Sink {
  readonly name: string;
  /** Called once with the resolved input schema before the first write. */
  open(schema: Schema, ctx: SinkOpenContext): Promise<void>;
  write(batch: Batch): Promise<void>;
  /** Seals everything written since the previous prepare; nothing is visible yet. */
  prepareCommit(checkpointId: number): Promise<SinkCommittable>;
  /** Publishes a sealed committable atomically. Must be idempotent: recovery may repeat it. */
  commit(committable: SinkCommittable): Promise<void>;
  /** Discards a sealed committable that will never be committed. */
  abort(committable: SinkCommittable): Promise<void>;
  /**
   * Optional: undoes every commit made after `committable` (recovery resuming from an older
   * checkpoint than the newest committed one). Returns what was removed, for messages.
   */
  rollback?(committable: SinkCommittable): Promise<string[]>;
  /** End of input: prepare and commit what remains, release files. */
  finish(): Promise<void>;
  /** Releases resources without committing (cancellation, failure). */
  close(): Promise<void>;
}
