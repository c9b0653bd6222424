/**
 * What flows between operators: Arrow record batches and control events in one ordered stream.
 * Checkpoint barriers travel in the same channel as data so that alignment (and, later,
 * unaligned overtaking) is a property of the channel, not a side protocol.
 */

import type { RecordBatch, Schema } from "apache-arrow";

/** Operators take and produce batches, never rows. */
export type Batch = RecordBatch;
export type { Schema };

export type StreamEvent =
  | { kind: "batch"; batch: Batch }
  /** A checkpoint barrier; `unaligned` barriers may overtake queued batches. */
  | { kind: "barrier"; checkpointId: number; unaligned: boolean }
  /** No more input will come on this stream. */
  | { kind: "end" };

/** A JSON-serializable value, for positions and snapshots that go into checkpoint files. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
