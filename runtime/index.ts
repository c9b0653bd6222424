/**
 * sluice's public API (the package's main export):
 * - the DataFrame API: `read`, `col`, `fn`;
 * - spec files and plans: `readSpecFile`, `parseSpec`, `planPipeline`, `runPlan`, `explainPlan`, `listOps`;
 * - errors, the multimodal Arrow types, and the model runtime.
 */

export * from "./dataframe/index.js";
export type { LogicalPlan, StepNode, PlanOptions, SourceLocation } from "./plan/logical-plan.js";
export type { PhysicalPlan, PhysicalRegion, PhysicalStep } from "./plan/physical-plan.js";
export type { OpDefinition, ArgSpec, PlanContext, PlannedTransform } from "./plan/op-definition.js";
export { planPipeline, type PlannerOptions } from "./plan/planner.js";
export { runPlan, type RunOptions, type RunResult, type RunProgress } from "./plan/run-plan.js";
export { explainPlan } from "./plan/explain.js";
export { listOps, findOp } from "./plan/op-catalog.js";
export { registerAllOps } from "./plan/register-all-ops.js";
export { readSpecFile, parseSpec } from "./plan/spec-file.js";
export { SluiceError } from "../kernels/errors.js";
export * from "./api/runtime-errors.js";
export type { DeadLetter } from "./api/dead-letter.js";
export type { Batch } from "./api/stream.js";
export { Operator, type OperatorContext, type OperatorMetrics } from "./executor/operator.js";
export * as types from "./types/index.js";
export { loadModel, type ModelRuntime } from "../scheduler/models/index.js";
