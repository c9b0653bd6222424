/**
 * Choosing what each region restores when the newest checkpoints do not line up. Normally every
 * region takes its newest valid checkpoint. When a newer one was skipped as corrupt, a region
 * falls back to an older one, and two things follow:
 *
 * - Its downstream region may have read region-log segments the older checkpoint never
 *   committed (the upstream will write them again, possibly differently). The downstream must
 *   then fall back too, to a checkpoint whose read position is within what the upstream's
 *   chosen checkpoint committed — and so on down the pipeline.
 * - Output the skipped checkpoint already committed (sink parts, dead letters, log segments) is
 *   taken back (rolled back), because the region will produce it again from the older position.
 *
 * When no usable checkpoint is left for a region that did commit output, nothing can say what to
 * take back: that is an error, never a silent duplicate.
 */

import { assertCompatible } from "../../checkpoint/assert-compatible.js";
import { CheckpointError } from "../../checkpoint/checkpoint-error.js";
import { regionRestore, type RegionRestore } from "../../checkpoint/region-coordinator.js";
import type { StateStore } from "../../checkpoint/state-store.js";
import type { Json } from "../api/stream.js";

export interface RecoveringRegion {
  readonly region: { readonly name: string };
  readonly store: StateStore;
  /** In: the newest valid checkpoint. Out: the one to restore (undefined: from the beginning). */
  restore?: RegionRestore;
}

/** What a region restores, and whether output committed after it has to be taken back. */
export interface RecoveryChoice {
  /** The newest checkpoint id the store ever held (valid or not); 0 when none. */
  newest: number;
  /** The chosen checkpoint is older than the newest: roll back to it. */
  rollback: boolean;
}

/** Segments a region-log committable commits; 0 for none. */
function committedSegments(c: Json | undefined): number {
  return c !== null && typeof c === "object" && !Array.isArray(c) && typeof c["upTo"] === "number" ? c["upTo"] : 0;
}

/** Whether a downstream read position lies within the first `upTo` committed segments. */
function withinLog(position: Json | undefined, upTo: number): boolean {
  if (position === undefined || position === null || typeof position !== "object" || Array.isArray(position)) return true;
  const { segment, batch } = position;
  if (typeof segment !== "number") return true;
  return segment < upTo || (segment === upTo && batch === 0);
}

/**
 * Picks, for regions in pipeline order, checkpoints that agree across every region log, falling
 * back (with a warning) where a downstream region is ahead of its upstream's choice.
 */
export async function chooseConsistent(regions: readonly RecoveringRegion[], fingerprint: string, storeRoot: string, warn: (m: string) => void): Promise<RecoveryChoice[]> {
  for (let i = 0; i + 1 < regions.length; i++) {
    const upTo = committedSegments(regions[i]!.restore?.committable);
    const down = regions[i + 1]!;
    while (down.restore && !withinLog(down.restore.position, upTo)) {
      const was = down.restore.id;
      const older = (await down.store.list()).filter((c) => c.id < was).pop();
      down.restore = older ? regionRestore(await down.store.read(older.id)) : undefined;
      if (older) assertCompatible({ ...older, store: storeRoot }, fingerprint);
      warn(
        `region '${down.region.name}': checkpoint ${was} read region-log segments that region '${regions[i]!.region.name}' will write again (it resumes from an older checkpoint), ` +
          `so it resumes from ${down.restore ? `checkpoint ${down.restore.id}` : "the beginning"} instead`,
      );
    }
  }
  const choices: RecoveryChoice[] = [];
  for (const r of regions) {
    const newest = (await r.store.nextId()) - 1;
    const rollback = (r.restore?.id ?? 0) < newest;
    if (rollback && !r.restore) {
      throw new CheckpointError(
        `region '${r.region.name}' has checkpoints up to ${newest} in ${r.store.location}, but none it can restore (corrupt, or ahead of its upstream): ` +
          `the output it already committed cannot be told apart from output a fresh start would write. Delete the checkpoint directory ${storeRoot} and the output to start over.`,
      );
    }
    choices.push({ newest, rollback });
  }
  return choices;
}
