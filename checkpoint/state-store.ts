/**
 * The storage side of checkpoints: a `StateStore` keeps whole snapshots (one part per operator,
 * region, source or sink state) and hands back the newest valid one on recovery. The coordinator
 * that decides when to snapshot and what goes in is separate; this interface is only "store these
 * bytes durably, give me back the last good set".
 */

import type { Json } from "../runtime/api/stream.js";

/** One piece of state: JSON for positions and small snapshots, bytes for anything else. */
export type CheckpointPart = Json | Uint8Array;

/** A snapshot as the coordinator hands it to the store. */
export interface Checkpoint {
  /** Positive safe integer; each write must use a larger id than any checkpoint in the store. */
  id: number;
  /** Milliseconds since the Unix epoch, when the snapshot was taken. */
  createdAt: number;
  /** The pipeline's name, kept for messages and for people browsing the store. */
  pipeline: string;
  /** A fingerprint of the plan's operators; see `assertCompatible`. */
  planFingerprint: string;
  /** One entry per step or region, named by it. Names are free text (the store maps them to files). */
  parts: Record<string, CheckpointPart>;
}

/** What a part is stored as. */
export type CheckpointPartKind = "json" | "binary";

/** A checkpoint's metadata, without its parts' contents. */
export interface CheckpointInfo {
  id: number;
  createdAt: number;
  pipeline: string;
  planFingerprint: string;
  /** Where this checkpoint lives (a directory for the local store), for messages. */
  location: string;
  /** Where the whole store lives; deleting it (or using another) starts a pipeline fresh. */
  store: string;
  partInfo: ReadonlyArray<{ name: string; kind: CheckpointPartKind; bytes: number }>;
  /** Sum of the parts' stored sizes. */
  bytes: number;
}

/** A checkpoint read back and verified, with its parts decoded; also a `Checkpoint`. */
export interface LoadedCheckpoint extends CheckpointInfo, Checkpoint {
  parts: Record<string, CheckpointPart>;
}

/**
 * Durable storage for checkpoints. One writer per store at a time (the job's coordinator);
 * readers may run while it writes, since a checkpoint only appears once it is complete.
 */
export interface StateStore {
  /** Human-readable location of the store, for messages. */
  readonly location: string;

  /**
   * Stores a checkpoint durably. When the promise resolves the checkpoint survives a crash or
   * power loss; when it rejects (with a `CheckpointError`) nothing of it is visible.
   */
  write(checkpoint: Checkpoint): Promise<CheckpointInfo>;

  /** The newest checkpoint that verifies, skipping (with a warning) corrupt ones; undefined if none. */
  latest(): Promise<LoadedCheckpoint | undefined>;

  /** Every checkpoint that verifies, oldest first. Corrupt ones are left out with a warning. */
  list(): Promise<CheckpointInfo[]>;

  /** One checkpoint by id; rejects with a `CheckpointError` if it is missing or corrupt. */
  read(id: number): Promise<LoadedCheckpoint>;

  /** Removes all but the newest `keep` checkpoints (corrupt ones count by id, like any other). */
  prune(keep: number): Promise<void>;

  /** An id larger than any checkpoint in the store, valid or not: what the next `write` should use. */
  nextId(): Promise<number>;
}
