/**
 * The contract between a task and the checkpoint coordinator of its region. The coordinator
 * decides when; the task's input (a source or a region log) injects the barrier between two
 * batches, every operator of the chain snapshots in order, the output seals what it wrote
 * (`prepareCommit`), and the task hands the whole snapshot back. Writing it to the store and the
 * sink's commit happen in the background while the task goes on.
 */

import type { SinkCommittable } from "../api/sink.js";
import type { SourcePosition } from "../api/source.js";
import type { OperatorState } from "./operator.js";

export interface BarrierRequest {
  readonly checkpointId: number;
  /**
   * Unaligned barriers do not wait for the batch in progress to get through: an operator waiting
   * for room (a full async queue) returns at once and keeps what it accepted as state.
   */
  readonly unaligned: boolean;
  /** `performance.now()` when the coordinator asked for it, for alignment times. */
  readonly requestedAt: number;
}

/** What a task hands the coordinator at a barrier. */
export interface TaskSnapshot {
  readonly checkpointId: number;
  /** The input position after the last batch taken in (undefined before the first one). */
  readonly position: SourcePosition | undefined;
  /** Non-empty operator states by step name. */
  readonly operators: Record<string, OperatorState>;
  /** The output's sealed, not yet visible, committable. */
  readonly committable: SinkCommittable;
  /** Rows the task read from its input in this attempt, up to the barrier. */
  readonly rowsRead: number;
  /** The last checkpoint, taken after end of input: nothing is left to process. */
  readonly final: boolean;
  /** `performance.now()` when the barrier was injected (alignment done). */
  readonly injectedAt: number;
}

export interface BarrierControl {
  /** Whether barriers are unaligned (see `BarrierRequest.unaligned`). */
  readonly unaligned: boolean;
  /** The barrier asked for and not yet taken, if any. */
  pending(): BarrierRequest | undefined;
  /** Resolves when a barrier is pending (at once if one already is); one shared promise per barrier. */
  requested(): Promise<void>;
  /**
   * Takes the task's snapshot. Resolves once the coordinator holds it; the store write and the
   * commit follow in the background (a failure there fails the task through its job).
   */
  taken(snapshot: TaskSnapshot): Promise<void>;
  /**
   * The final barrier, after end of input: waits for checkpoints in progress, returns the id to
   * use, and `taken` then resolves only once that checkpoint is written and committed.
   */
  finalBarrier(): Promise<BarrierRequest>;
}
