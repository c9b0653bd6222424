/**
 * The physical plan: what the executor runs. Steps are planned (schemas resolved), fused, and
 * grouped into regions; each region becomes one task (its steps chained on one async loop) and
 * regions are joined by bounded channels.
 */

import type { Schema } from "apache-arrow";
import type { LogicalPlan, StepNode } from "./logical-plan.js";
import type { PlannedSink, PlannedSource, PlannedTransform } from "./op-definition.js";
import type { PlanSession } from "./plan-session.js";

/** One operator of the running pipeline: a planned step, possibly with later steps fused into it. */
export interface PhysicalStep {
  /** The first logical step (its name is the operator's name). */
  step: StepNode;
  /** Names of every logical step this operator implements, in order (more than one when fused). */
  fused: string[];
  planned: PlannedTransform;
  /** Batches processed at once (ordered output). */
  parallelism: number;
  /** Output schema of this operator. */
  output: Schema;
}

export interface PhysicalRegion {
  name: string;
  /** Why the region starts here: the source, a step that needs its own region, or the user. */
  cause: "source" | "service" | "user";
  steps: PhysicalStep[];
}

export interface PhysicalPlan {
  logical: LogicalPlan;
  source: { step: StepNode; planned: PlannedSource };
  /** In order; the first reads the source, the last writes the sink. */
  regions: PhysicalRegion[];
  /** Absent when the output is collected in memory (DataFrame `collect`). */
  sink?: { step: StepNode; planned: PlannedSink };
  /** Schema reaching the sink. */
  output: Schema;
  batchRows: number;
  channel: { maxBatches: number; maxBytes: number };
  /** Owns the kernels and models the plan loaded; the run (or explain) closes it. */
  session: PlanSession;
}

export const DEFAULT_BATCH_ROWS = 64;
export const DEFAULT_CHANNEL = { maxBatches: 4, maxBytes: 256 * 2 ** 20 };
