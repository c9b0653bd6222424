/**
 * The lazy DataFrame: `read.images("photos").withColumn(...).infer(...).write.parquet("out")`.
 * Nothing runs until `run()` or `collect()`; every method returns a new DataFrame holding one
 * more step, and the result is the same logical plan a spec file with those steps would give.
 */

import { resolve } from "node:path";
import type { Table } from "apache-arrow";
import { uniqueStepName, type LogicalPlan, type PlanOptions, type StepNode, type StepPlacement } from "../plan/logical-plan.js";
import { explainPlan } from "../plan/explain.js";
import { planPipeline, type PlannerOptions } from "../plan/planner.js";
import { runPlan, type RunOptions, type RunResult } from "../plan/run-plan.js";
import type { DeadLetter } from "../api/dead-letter.js";
import type { Batch } from "../api/stream.js";
import { compileExpr, type Expr, type Predicate } from "./expr.js";

/** A function named by module path (relative to the DataFrame's base directory) and export. */
export interface ModuleFunction {
  module: string;
  /** Default `default`. */
  export?: string;
}

/** A step's placement plus an explicit step name. */
export interface StepOptions extends StepPlacement {
  name?: string;
}

interface Parts {
  name: string;
  baseDir: string;
  source: StepNode;
  steps: readonly StepNode[];
  options: PlanOptions;
}

function node(op: string, args: Record<string, unknown>, taken: ReadonlySet<string>, o: StepOptions = {}): StepNode {
  const { name, ...placement } = o;
  const n: StepNode = { op, name: name ?? uniqueStepName(op, taken), args };
  for (const [k, v] of Object.entries(placement)) if (v !== undefined) (n as unknown as Record<string, unknown>)[k] = v;
  return n;
}

/** Sinks a DataFrame can be written to (`df.write.parquet(path, args)`). */
export class DataFrameWriter {
  constructor(private readonly df: DataFrame) {}

  /** Any sink op by name. */
  to(op: string, args: Record<string, unknown>, o: StepOptions = {}): Pipeline {
    return new Pipeline(this.df.toPlanParts(), node(op, args, this.df.stepNames(), o));
  }
  parquet(path: string, args: Record<string, unknown> = {}): Pipeline {
    return this.to("parquet", { path, ...args });
  }
  jsonl(path: string, args: Record<string, unknown> = {}): Pipeline {
    return this.to("jsonl", { path, ...args });
  }
  arrow(path: string, args: Record<string, unknown> = {}): Pipeline {
    return this.to("arrow", { path, ...args });
  }
}

export class DataFrame {
  /** @internal use `read.*` */
  constructor(private readonly parts: Parts) {}

  /** @internal */
  toPlanParts(): Parts {
    return this.parts;
  }

  /** @internal */
  stepNames(): Set<string> {
    return new Set([this.parts.source.name, ...this.parts.steps.map((s) => s.name)]);
  }

  private with(steps: StepNode[]): DataFrame {
    return new DataFrame({ ...this.parts, steps: [...this.parts.steps, ...steps] });
  }

  /** Appends any catalog op as a step: the escape hatch that makes every op reachable. */
  step(op: string, args: Record<string, unknown> = {}, o: StepOptions = {}): DataFrame {
    return this.with([node(op, args, this.stepNames(), o)]);
  }

  /** Computes column `name` from an expression (arithmetic on a tensor column, or `fn.*` calls). */
  withColumn(name: string, expr: Expr, o: StepOptions = {}): DataFrame {
    const taken = this.stepNames();
    const steps = compileExpr(name, expr).map((s, i) => {
      const n = node(s.op, s.args, taken, i === 0 ? o : { backend: o.backend, parallelism: o.parallelism });
      taken.add(n.name);
      return n;
    });
    return this.with(steps);
  }

  select(...columns: string[]): DataFrame {
    return this.step("select", { columns });
  }
  drop(...columns: string[]): DataFrame {
    return this.step("drop", { columns });
  }
  rename(columns: Record<string, string>): DataFrame {
    return this.step("rename", { columns });
  }
  /** Keeps rows where the predicate holds: `col("score").gt(0.5)` or `(row) => …`. */
  filter(p: Predicate | ((row: Record<string, unknown>) => boolean), o: StepOptions = {}): DataFrame {
    return this.step("filter", typeof p === "function" ? { fn: p } : { ...p }, o);
  }
  limit(rows: number): DataFrame {
    return this.step("limit", { rows });
  }

  /**
   * A function over whole batches (sync or async); `schema` declares its output if it changes
   * columns. Give a module (`{ module, export }`) instead of a function to run it on worker
   * threads with `args.workers`: a function value cannot cross threads.
   */
  mapBatches(f: ((batch: Batch) => Batch | Promise<Batch>) | ModuleFunction, args: Record<string, unknown> = {}, o: StepOptions = {}): DataFrame {
    return this.step("mapBatches", typeof f === "function" ? { fn: f, ...args } : { module: f.module, ...(f.export !== undefined ? { export: f.export } : {}), ...args }, o);
  }

  /** Model inference: `{ inputs: { modelInput: column }, outputs: { modelOutput: column }, batch, runtime }`. */
  infer(model: string, args: Record<string, unknown>, o: StepOptions = {}): DataFrame {
    return this.step("infer", { model, ...args }, o);
  }

  /** Plan-wide options: `batchRows`, `deadLetters`, `backend`, `channel`. */
  options(o: PlanOptions): DataFrame {
    return new DataFrame({ ...this.parts, options: { ...this.parts.options, ...o } });
  }

  get write(): DataFrameWriter {
    return new DataFrameWriter(this);
  }

  /** The logical plan (no sink: output is collected in memory). */
  toPlan(): LogicalPlan {
    return { name: this.parts.name, baseDir: this.parts.baseDir, source: this.parts.source, steps: [...this.parts.steps], options: this.parts.options };
  }

  /** Runs the pipeline and returns its output as an Arrow table, with the dead letters. */
  async collect(opts: RunOptions & PlannerOptions = {}): Promise<{ table: Table; deadLetters: DeadLetter[]; result: RunResult }> {
    const result = await runPlan(await planPipeline(this.toPlan(), opts), opts);
    return { table: result.collected!.table, deadLetters: result.collected!.deadLetters, result };
  }

  /** The physical plan as text (regions, fused operators, backends). */
  async explain(opts: PlannerOptions = {}): Promise<string> {
    return explainLogical(this.toPlan(), opts);
  }
}

/** A DataFrame with a sink: ready to run. */
export class Pipeline {
  /** @internal */
  constructor(private readonly parts: Parts, private readonly sink: StepNode) {}

  toPlan(): LogicalPlan {
    return { name: this.parts.name, baseDir: this.parts.baseDir, source: this.parts.source, steps: [...this.parts.steps], sink: this.sink, options: this.parts.options };
  }

  /** Plans (every check happens here, before data flows) and runs to completion. */
  async run(opts: RunOptions & PlannerOptions = {}): Promise<RunResult> {
    return runPlan(await planPipeline(this.toPlan(), opts), opts);
  }

  async explain(opts: PlannerOptions = {}): Promise<string> {
    return explainLogical(this.toPlan(), opts);
  }
}

/** Plans without running and describes the physical plan, then releases what planning loaded. */
async function explainLogical(plan: LogicalPlan, opts: PlannerOptions): Promise<string> {
  const p = await planPipeline(plan, opts);
  try {
    return explainPlan(p);
  } finally {
    await p.session.close();
  }
}

/** Starts a DataFrame from a source op (`read.images(...)` and friends call this). */
export function fromSource(op: string, args: Record<string, unknown>, o: { name?: string; baseDir?: string } = {}): DataFrame {
  return new DataFrame({ name: o.name ?? "pipeline", baseDir: resolve(o.baseDir ?? process.cwd()), source: { op, name: op, args }, steps: [], options: {} });
}
