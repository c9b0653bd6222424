/**
 * The contract between the planner and the catalog of built-in ops. An op declares its
 * arguments (checked before it is planned, with errors that point at the spec file) and a
 * `plan` function that, given the input schema, returns the output schema and how to build its
 * runtime piece. Planning never touches data; it may load a model to check its inputs.
 *
 * Fusion is the op's business, not the planner's: a planned transform may absorb the next one
 * (`fuse`), which is how elementwise steps become one `elementwiseChain` and how decode → resize
 * → normalize becomes one per-image pass with shrink-on-load.
 */

import type { Schema } from "apache-arrow";
import type { OpName } from "../../kernels/op-attrs.js";
import type { ChainStep } from "../../kernels/op-attrs.js";
import type { Backend } from "../../kernels/registry.js";
import type { Tensor } from "../../kernels/tensor.js";
import type { LoadModelOptions, ModelRuntime } from "../../scheduler/models/index.js";
import type { DeadLetter } from "../api/dead-letter.js";
import type { Sink } from "../api/sink.js";
import type { Source } from "../api/source.js";
import type { PlanError } from "../api/runtime-errors.js";
import type { Operator } from "../executor/operator.js";
import type { KernelRunner } from "../functions/kernel-runner.js";
import type { LogicalPlan, StepNode } from "./logical-plan.js";

/** Argument value types, as a spec file writes them. `function` and `value` are DataFrame-only. */
export type ArgType = "string" | "number" | "integer" | "boolean" | "string[]" | "number[]" | "object" | "function" | "value";

export interface ArgSpec {
  /** One type or several accepted types (e.g. `["number", "number[]"]`). */
  type: ArgType | readonly ArgType[];
  /** One line for `sluice ops` and error messages. */
  doc: string;
  required?: boolean;
  /** The value used when the argument is absent (documentation; the op applies it). */
  default?: unknown;
  /** Allowed values for strings and numbers. */
  oneOf?: readonly (string | number)[];
  /** Bounds for numbers and for every element of number arrays. */
  min?: number;
  max?: number;
  /** Exact length for arrays. */
  length?: number;
}

export type ArgsSpec = Readonly<Record<string, ArgSpec>>;

/** What planning an op may use besides its arguments and input schema. */
export interface PlanContext {
  readonly step: StepNode;
  readonly plan: LogicalPlan;
  /** A path argument resolved against the plan's base directory (the spec file's folder). */
  resolvePath(path: string): string;
  /** A PlanError naming the step and, for spec files, the file:line of the step or of `arg`. */
  error(message: string, opts?: { arg?: string; cause?: unknown }): PlanError;
  /** Kernels for this step, on the step's backend (or the plan's, or automatic). */
  readonly kernels: KernelRunner;
  /** Which backend this step's kernels would use for a typical input (for explain). */
  kernelBackend(op: OpName, inputs: readonly Tensor[]): Backend;
  /** Loads (once per plan and path/options) and warms a model; closed when the run ends. */
  loadModel(path: string, opts?: LoadModelOptions): Promise<ModelRuntime>;
  /** Releases something when the run (or plan-only `explain`) ends. */
  onClose(fn: () => Promise<void> | void): void;
}

export interface PlannedSource {
  kind: "source";
  output: Schema;
  source: Source;
  /** One line for explain, e.g. `images(./photos) 48 files`. */
  detail: string;
  /** Bad input records the source skips (malformed JSON lines) go here once the run binds it. */
  bindDeadLetters?(write: (letters: readonly DeadLetter[]) => Promise<void>): void;
}

export interface PlannedSink {
  kind: "sink";
  /** A fresh sink for one run. */
  create(): Sink;
  detail: string;
}

export interface PlannedTransform {
  kind: "transform";
  output: Schema;
  /** A fresh operator for one run (or one restore). */
  create(): Operator;
  /** Where the work runs, for explain and the run summary (`wasm`, `onnxruntime-node`, `js`…). */
  backend: string;
  detail: string;
  /**
   * Starts a region of its own: inference and service calls scale, batch and fail apart from
   * the CPU work before them, so the planner cuts the pipeline in front of them.
   */
  ownRegion?: boolean;
  /** Whether the step may run with parallelism > 1 (stateless, order restored by the executor). */
  parallel?: boolean;
  /**
   * Absorbs the next step into this one, returning the merged step, or undefined to keep them
   * apart. Called by the planner on each adjacent pair inside a region, left to right.
   */
  fuse?(next: PlannedTransform, nextStep: StepNode): PlannedTransform | undefined;
  /** What this op can offer to be fused into the previous step (elementwise steps, image steps). */
  fusable?: FusablePart;
}

/** The fusable description of an op, read by the `fuse` of the step before it. */
export type FusablePart =
  | { kind: "elementwise"; column: string; output: string; steps: readonly ChainStep[] }
  | { kind: "image"; op: "resize" | "centerCrop" | "normalize" | "toTensor"; column: string; output: string; args: Readonly<Record<string, unknown>> };

interface OpBase<A> {
  name: string;
  /** For `sluice ops` and docs: io, image, tensor, text, model, object, relational, udf. */
  category: "io" | "image" | "tensor" | "text" | "model" | "object" | "relational" | "udf";
  summary: string;
  args: ArgsSpec;
  /** Example spec snippet for docs, e.g. `resize: { column: image, size: [224, 224] }`. */
  example?: string;
  /** Marks argument type `A` as used (no runtime value). */
  readonly __args?: A;
}

export interface SourceOpDefinition<A = Record<string, unknown>> extends OpBase<A> {
  kind: "source";
  plan(args: A, ctx: PlanContext): Promise<PlannedSource> | PlannedSource;
}

export interface TransformOpDefinition<A = Record<string, unknown>> extends OpBase<A> {
  kind: "transform";
  plan(args: A, input: Schema, ctx: PlanContext): Promise<PlannedTransform> | PlannedTransform;
}

export interface SinkOpDefinition<A = Record<string, unknown>> extends OpBase<A> {
  kind: "sink";
  /** Checks the sink accepts this input (e.g. JSONL cannot hold tensors); no files touched. */
  plan(args: A, input: Schema, ctx: PlanContext): Promise<PlannedSink> | PlannedSink;
}

export type OpDefinition<A = Record<string, unknown>> = SourceOpDefinition<A> | TransformOpDefinition<A> | SinkOpDefinition<A>;

/** Declares an op with typed arguments; the catalog checks them against `args` before `plan`. */
export function defineOp<A>(def: OpDefinition<A>): OpDefinition {
  return def as unknown as OpDefinition;
}
