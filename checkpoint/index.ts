/**
 * Checkpoints: the `StateStore` interface and its local-directory backend, the compatibility
 * check, the per-region coordinator, and the region log that joins two regions.
 */

export { assertCompatible } from "./assert-compatible.js";
export { CheckpointError } from "./checkpoint-error.js";
export { LocalDirStore, MANIFEST_FILE, MANIFEST_VERSION, type LocalDirStoreOptions } from "./local-dir-store.js";
export type {
  Checkpoint,
  CheckpointInfo,
  CheckpointPart,
  CheckpointPartKind,
  LoadedCheckpoint,
  StateStore,
} from "./state-store.js";
export { PART, RegionCoordinator, regionRestore, type CheckpointTiming, type RegionCoordinatorOptions, type RegionRestore } from "./region-coordinator.js";
export { RegionLog, type RegionLogOptions, type RegionLogPosition, type RegionLogStats } from "./region-log.js";
