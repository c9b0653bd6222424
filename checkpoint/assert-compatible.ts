/**
 * Restoring operator state into a plan whose operators changed would hand a state to the wrong
 * operator (or to one that reads it differently), so a fingerprint mismatch stops the run. The
 * store only exposes the fingerprint; this is the check callers use, with a message that says
 * how to get going again.
 */

import { CheckpointError } from "./checkpoint-error.js";
import type { CheckpointInfo } from "./state-store.js";

/**
 * Throws a `CheckpointError` unless `checkpoint` was taken with the plan fingerprint `fingerprint`.
 */
export function assertCompatible(checkpoint: CheckpointInfo, fingerprint: string): void {
  if (checkpoint.planFingerprint === fingerprint) return;
  throw new CheckpointError(
    `checkpoint ${checkpoint.id} of pipeline '${checkpoint.pipeline}' (in ${checkpoint.location}) ` +
      `cannot be restored: the spec's operators changed since checkpoint ${checkpoint.id} ` +
      `(plan fingerprint ${checkpoint.planFingerprint} then, ${fingerprint} now), so the saved ` +
      `state no longer matches them. To start fresh, delete the checkpoint directory ` +
      `${checkpoint.store} or point the pipeline at a new one.`,
  );
}
