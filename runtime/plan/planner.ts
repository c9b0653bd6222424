/**
 * Logical plan → physical plan, before any data flows:
 * 1. each step's op is looked up and its arguments checked (unknown op or argument, wrong type:
 *    an error naming the step and the spec file's line);
 * 2. each op is planned against the schema flowing into it, so a wrong column, dtype or tensor
 *    shape — also against a model's input metadata — fails here;
 * 3. the pipeline is cut into regions: in front of steps that need their own (inference,
 *    service calls) and where the user asks (`region:`);
 * 4. adjacent steps inside a region are fused where the op allows it (elementwise chains,
 *    decode → resize → normalize);
 * 5. parallelism is checked against what each op allows.
 */

import type { Schema } from "apache-arrow";
import { SluiceError } from "../../kernels/errors.js";
import { PlanError } from "../api/runtime-errors.js";
import { allSteps, type LogicalPlan, type StepNode } from "./logical-plan.js";
import { checkArgs } from "./op-args.js";
import { findOp, kindsOf, suggestOps } from "./op-catalog.js";
import type { OpDefinition, PlanContext, PlannedSink, PlannedSource, PlannedTransform } from "./op-definition.js";
import { DEFAULT_BATCH_ROWS, DEFAULT_CHANNEL, type PhysicalPlan, type PhysicalRegion, type PhysicalStep } from "./physical-plan.js";
import { PlanSession } from "./plan-session.js";
import { registerAllOps } from "./register-all-ops.js";

export interface PlannerOptions {
  /** Reuse a session (kernels, loaded models); default: a new one the plan owns. */
  session?: PlanSession;
  /** Use a GPU where one is available (new sessions only). Default true. */
  webgpu?: boolean;
}

const ROLE: Record<OpDefinition["kind"], string> = { source: "source", transform: "step", sink: "sink" };

function lookUp(step: StepNode, kind: OpDefinition["kind"], ctx: PlanContext): OpDefinition {
  const def = findOp(step.op, kind);
  if (def) return def;
  const other = kindsOf(step.op);
  if (other.length) throw ctx.error(`'${step.op}' is a ${other.map((k) => ROLE[k]).join("/")} op, not a ${ROLE[kind]}; ${other[0] === "sink" ? "put it under sink:" : other[0] === "source" ? "put it under source:" : "put it under steps:"}`);
  const near = suggestOps(step.op, kind);
  throw ctx.error(`unknown ${ROLE[kind]} op '${step.op}'${near.length ? ` (did you mean '${near[0]}'?)` : ""}; \`sluice ops\` lists them`);
}

/** Runs an op's plan function, turning any non-plan failure (model load, file) into a PlanError at the step. */
async function planned<T>(ctx: PlanContext, fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof PlanError) throw err;
    const msg = err instanceof Error ? err.message : String(err);
    throw ctx.error(msg, { cause: err });
  }
}

function checkUniqueColumns(schema: Schema, ctx: PlanContext): void {
  const seen = new Set<string>();
  for (const f of schema.fields) {
    if (seen.has(f.name)) throw ctx.error(`this step would produce two columns named '${f.name}'`);
    seen.add(f.name);
  }
}

/** Plans the whole pipeline. On error, everything loaded so far is released. */
export async function planPipeline(plan: LogicalPlan, opts: PlannerOptions = {}): Promise<PhysicalPlan> {
  registerAllOps();
  // A software adapter is only used when forced, so only then is it worth starting.
  const forcesGpu = plan.options.backend === "webgpu" || allSteps(plan).some((s) => s.backend === "webgpu");
  const session = opts.session ?? (await PlanSession.create({ webgpu: opts.webgpu, softwareGpu: forcesGpu }));
  try {
    return await planWith(plan, session);
  } catch (err) {
    if (!opts.session) await session.close().catch(() => {});
    throw err;
  }
}

async function planWith(plan: LogicalPlan, session: PlanSession): Promise<PhysicalPlan> {
  const sctx = session.contextFor(plan, plan.source);
  const sourceDef = lookUp(plan.source, "source", sctx) as Extract<OpDefinition, { kind: "source" }>;
  const source: PlannedSource = await planned(sctx, () => sourceDef.plan(checkArgs(sourceDef, plan.source.args, sctx), sctx));
  let schema = source.output;

  const regions: PhysicalRegion[] = [{ name: "", cause: "source", steps: [] }];
  const userNames = new Set<string>();
  for (const step of plan.steps) {
    const ctx = session.contextFor(plan, step);
    const def = lookUp(step, "transform", ctx) as Extract<OpDefinition, { kind: "transform" }>;
    const p: PlannedTransform = await planned(ctx, () => def.plan(checkArgs(def, step.args, ctx), schema, ctx));
    checkUniqueColumns(p.output, ctx);
    const parallelism = step.parallelism ?? 1;
    if (parallelism > 1 && !p.parallel) throw ctx.error(`op '${step.op}' keeps state or order across batches and cannot run with parallelism ${parallelism}`);
    let current = regions[regions.length - 1]!;
    if (step.region !== undefined) {
      if (userNames.has(step.region)) throw ctx.error(`region '${step.region}' is already used by an earlier step`);
      userNames.add(step.region);
      current = { name: step.region, cause: "user", steps: [] };
      regions.push(current);
    } else if (p.ownRegion && current.steps.length > 0) {
      current = { name: "", cause: "service", steps: [] };
      regions.push(current);
    }
    const prev = current.steps[current.steps.length - 1];
    const merged = prev && prev.parallelism === parallelism && step.backend === undefined ? prev.planned.fuse?.(p, step) : undefined;
    if (prev && merged) {
      prev.planned = merged;
      prev.fused.push(step.name);
      prev.output = merged.output;
    } else {
      current.steps.push({ step, fused: [step.name], planned: p, parallelism, output: p.output } satisfies PhysicalStep);
    }
    schema = p.output;
  }
  regions.forEach((r, i) => {
    if (!r.name) r.name = `r${i + 1}`;
  });
  const dupe = regions.find((r, i) => regions.findIndex((x) => x.name === r.name) !== i);
  if (dupe) throw new PlanError(`two regions are named '${dupe.name}'`);

  let sink: PhysicalPlan["sink"];
  if (plan.sink) {
    const ctx = session.contextFor(plan, plan.sink);
    const def = lookUp(plan.sink, "sink", ctx) as Extract<OpDefinition, { kind: "sink" }>;
    const p: PlannedSink = await planned(ctx, () => def.plan(checkArgs(def, plan.sink!.args, ctx), schema, ctx));
    sink = { step: plan.sink, planned: p };
  }
  const o = plan.options;
  if (o.batchRows !== undefined && (!Number.isInteger(o.batchRows) || o.batchRows < 1)) throw new PlanError(`batchRows must be a positive integer, got ${o.batchRows}`);
  return {
    logical: plan,
    source: { step: plan.source, planned: source },
    regions,
    sink,
    output: schema,
    batchRows: o.batchRows ?? DEFAULT_BATCH_ROWS,
    channel: { maxBatches: o.channel?.maxBatches ?? DEFAULT_CHANNEL.maxBatches, maxBytes: o.channel?.maxBytes ?? DEFAULT_CHANNEL.maxBytes },
    session,
  };
}

/** True when `err` is a PlanError (or any SluiceError raised while planning). */
export function isPlanFailure(err: unknown): err is SluiceError {
  return err instanceof SluiceError;
}
