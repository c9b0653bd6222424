/** Checkpoint storage: the `StateStore` interface, its local-directory backend and the compatibility check. */

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
