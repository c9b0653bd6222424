/**
 * `sluice run SPEC`, `sluice explain SPEC` and `sluice ops`: run a pipeline spec file with live
 * progress and a summary, print its physical plan without running it, or list the built-in ops
 * with their arguments.
 */

import { writeFileSync } from "node:fs";
import { SluiceError } from "../../kernels/errors.js";
import { PlanError } from "../api/runtime-errors.js";
import { listOps } from "../plan/op-catalog.js";
import { describeArgType } from "../plan/op-args.js";
import { explainPlan } from "../plan/explain.js";
import { planPipeline } from "../plan/planner.js";
import { registerAllOps } from "../plan/register-all-ops.js";
import { runPlan } from "../plan/run-plan.js";
import { readSpecFile } from "../plan/spec-file.js";
import { parseArgs } from "./args.js";
import { progressPrinter, sampleQuantile, summaryTable } from "./run-report.js";
import { formatTable } from "./table.js";

function onePositional(usage: string, positional: readonly string[]): string {
  if (positional.length !== 1) throw new SluiceError(`usage: ${usage}`);
  return positional[0]!;
}

export async function runCommand(argv: string[]): Promise<number> {
  const a = parseArgs("sluice run", argv, { booleans: ["quiet", "explain"], values: ["json"] });
  const logical = await readSpecFile(onePositional("sluice run SPEC", a.positional));
  if (!logical.sink) throw new PlanError(`${logical.file}: the spec has no sink; add one, e.g. \`sink: { parquet: { path: out/ } }\``);
  const plan = await planPipeline(logical);
  if (a.flags.has("explain")) console.log(explainPlan(plan) + "\n");
  const printer = a.flags.has("quiet") ? undefined : progressPrinter(plan);
  const controller = new AbortController();
  const onSigint = () => controller.abort(new Error("interrupted"));
  process.once("SIGINT", onSigint);
  let result;
  try {
    result = await runPlan(plan, { signal: controller.signal, onProgress: printer ? (p) => printer.update(p) : undefined });
  } finally {
    printer?.done();
    process.off("SIGINT", onSigint);
  }
  console.log(summaryTable(plan, result));
  const json = a.values.get("json");
  if (json) {
    const steps = result.steps.map(({ step, region, metrics: m }) => ({ step, region, rowsIn: m.rowsIn, rowsOut: m.rowsOut, deadLettered: m.deadLettered, busyMs: m.busyMs, p50Ms: sampleQuantile(m.latencies, 0.5), p99Ms: sampleQuantile(m.latencies, 0.99), backend: m.backend ?? null }));
    writeFileSync(json, JSON.stringify({ pipeline: logical.name, wallMs: result.wallMs, sourceRows: result.sourceRows, rowsOut: result.rowsOut, deadLettered: result.deadLettered, deadLetterPath: result.deadLetterPath ?? null, steps, channels: result.channels, checkpoints: result.checkpoints ?? null, alreadyComplete: result.alreadyComplete ?? false, firstOutputMs: result.steps.find((s) => s.step === logical.sink!.name)?.metrics.firstAt ?? null }, null, 2));
  }
  return 0;
}

export async function explainCommand(argv: string[]): Promise<number> {
  const a = parseArgs("sluice explain", argv, {});
  const plan = await planPipeline(await readSpecFile(onePositional("sluice explain SPEC", a.positional)));
  try {
    console.log(explainPlan(plan));
  } finally {
    await plan.session.close();
  }
  return 0;
}

export async function opsCommand(argv: string[]): Promise<number> {
  const a = parseArgs("sluice ops", argv, { booleans: ["json"] });
  if (a.positional.length > 1) throw new SluiceError("usage: sluice ops [OP] [--json]");
  registerAllOps();
  const name = a.positional[0];
  const ops = listOps().filter((d) => !name || d.name === name);
  if (name && ops.length === 0) {
    console.error(`sluice ops: no op named '${name}'`);
    return 1;
  }
  if (a.flags.has("json")) {
    console.log(JSON.stringify(ops.map((d) => ({ name: d.name, kind: d.kind, category: d.category, summary: d.summary, example: d.example, args: d.args })), null, 2));
    return 0;
  }
  if (!name) {
    console.log(formatTable(ops.map((d) => [d.kind, d.category, d.name, d.summary]), { columns: ["kind", "category", "op", "what it does"] }));
    console.log("\n`sluice ops NAME` shows an op's arguments.");
    return 0;
  }
  for (const d of ops) {
    console.log(`${d.name} (${d.kind}, ${d.category}): ${d.summary}`);
    if (d.example) console.log(`  e.g.  ${d.example}`);
    const rows = Object.entries(d.args).map(([k, s]) => [k, describeArgType(s), s.required ? "yes" : "", s.default === undefined ? "" : JSON.stringify(s.default), s.oneOf ? `${s.doc} (${s.oneOf.join(" | ")})` : s.doc]);
    console.log(formatTable(rows, { columns: ["argument", "type", "required", "default", "meaning"] }));
    console.log("");
  }
  return 0;
}
