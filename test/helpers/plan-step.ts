/**
 * Plans one catalog op on its own and drives the resulting operator over batches, without the
 * planner or executor: op tests check schemas, fusion and per-record behaviour in isolation.
 */

import type { Schema } from "apache-arrow";
import type { DeadLetter } from "../../runtime/api/dead-letter.js";
import type { Batch } from "../../runtime/api/stream.js";
import { newMetrics, type Operator, type OperatorContext, type OperatorMetrics } from "../../runtime/executor/operator.js";
import type { LogicalPlan, StepNode } from "../../runtime/plan/logical-plan.js";
import type { OpDefinition, PlanContext, PlannedSink, PlannedSource, PlannedTransform } from "../../runtime/plan/op-definition.js";
import { PlanSession } from "../../runtime/plan/plan-session.js";

let shared: Promise<PlanSession> | undefined;

/** One CPU-only session for all op tests in a file (models cached, closed at process exit). */
export function testSession(): Promise<PlanSession> {
  shared ??= PlanSession.create({ webgpu: false, warn: () => {} });
  return shared;
}

export function testStep(op: string, args: Record<string, unknown>, extra: Partial<StepNode> = {}): StepNode {
  return { op, name: extra.name ?? op, args, ...extra };
}

export function testPlan(step: StepNode, baseDir = process.cwd()): LogicalPlan {
  return { name: "test", baseDir, source: step, steps: [], options: {} };
}

export async function testContext(step: StepNode, baseDir?: string): Promise<PlanContext> {
  return (await testSession()).contextFor(testPlan(step, baseDir), step);
}

/** Plans a transform op with the given (already valid) args against `input`. */
export async function planTransform(def: OpDefinition, args: Record<string, unknown>, input: Schema, baseDir?: string): Promise<PlannedTransform> {
  if (def.kind !== "transform") throw new Error(`${def.name} is a ${def.kind}`);
  return def.plan(args, input, await testContext(testStep(def.name, args), baseDir));
}

export async function planSource(def: OpDefinition, args: Record<string, unknown>, baseDir?: string): Promise<PlannedSource> {
  if (def.kind !== "source") throw new Error(`${def.name} is a ${def.kind}`);
  return def.plan(args, await testContext(testStep(def.name, args), baseDir));
}

export async function planSink(def: OpDefinition, args: Record<string, unknown>, input: Schema, baseDir?: string): Promise<PlannedSink> {
  if (def.kind !== "sink") throw new Error(`${def.name} is a ${def.kind}`);
  return def.plan(args, input, await testContext(testStep(def.name, args), baseDir));
}

export interface OperatorRun {
  out: Batch[];
  deadLetters: DeadLetter[];
  metrics: OperatorMetrics;
}

/** Runs an operator's full lifecycle over `batches`: open, each batch, end of input, close. */
export async function runOperator(op: Operator, batches: readonly Batch[]): Promise<OperatorRun> {
  const out: Batch[] = [];
  const deadLetters: DeadLetter[] = [];
  const metrics = newMetrics();
  const ctx: OperatorContext = {
    step: op.step,
    emit: async (b) => {
      out.push(b);
    },
    deadLetter: async (l) => {
      deadLetters.push(...l);
    },
    metrics,
    signal: new AbortController().signal,
  };
  await op.open(ctx);
  try {
    for (const b of batches) await op.processBatch(b, ctx);
    await op.endOfInput(ctx);
  } finally {
    await op.close();
  }
  return { out, deadLetters, metrics };
}
