import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PlanError } from "../../../runtime/api/runtime-errors.js";
import type { LogicalPlan, StepNode } from "../../../runtime/plan/logical-plan.js";
import { explainPlan } from "../../../runtime/plan/explain.js";
import { planPipeline } from "../../../runtime/plan/planner.js";
import { runPlan } from "../../../runtime/plan/run-plan.js";

function step(op: string, args: Record<string, unknown>, extra: Partial<StepNode> = {}): StepNode {
  return { op, name: extra.name ?? op, args, ...extra };
}

function events(dir: string): string {
  const rows = Array.from({ length: 50 }, (_, i) => JSON.stringify({ id: i, kind: i % 3 === 0 ? "cat" : "dog", score: i / 50 }));
  rows.splice(10, 0, "{not json");
  writeFileSync(join(dir, "events.jsonl"), rows.join("\n") + "\n");
  return dir;
}

function plan(dir: string, steps: StepNode[], sink?: StepNode): LogicalPlan {
  return { name: "t", baseDir: dir, source: step("jsonl", { path: "events.jsonl" }), steps, sink, options: { batchRows: 8 } };
}

describe("planner and run", () => {
  it("runs source → filter → select → sink, dead-lettering the malformed line", async () => {
    const dir = events(mkdtempSync(join(tmpdir(), "sluice-plan-")));
    const p = await planPipeline(plan(dir, [step("filter", { column: "kind", op: "eq", value: "cat" }), step("select", { columns: ["id", "score"] })], step("jsonl", { path: "out" })), { webgpu: false });
    expect(p.output.fields.map((f) => f.name)).toEqual(["id", "score"]);
    expect(explainPlan(p)).toContain("filter kind eq \"cat\"");
    const r = await runPlan(p);
    expect(r.sourceRows).toBe(50);
    expect(r.rowsOut).toBe(17);
    expect(r.deadLettered).toBe(1);
    const parts = readdirSync(join(dir, "out")).filter((f) => f.endsWith(".jsonl"));
    const lines = parts.flatMap((f) => readFileSync(join(dir, "out", f), "utf8").trim().split("\n")).map((l) => JSON.parse(l) as { id: number });
    expect(lines.map((l) => l.id).sort((a, b) => a - b)).toEqual(Array.from({ length: 17 }, (_, i) => i * 3));
    const letters = readFileSync(r.deadLetterPath!, "utf8").trim().split("\n");
    expect(letters).toHaveLength(1);
    expect(JSON.parse(letters[0]!).step).toBe("jsonl");
  });

  it("collects in memory without a sink", async () => {
    const dir = events(mkdtempSync(join(tmpdir(), "sluice-plan-")));
    const p = await planPipeline(plan(dir, [step("limit", { rows: 5 })]), { webgpu: false });
    const r = await runPlan(p);
    expect(r.collected!.table.numRows).toBe(5);
    expect(r.collected!.deadLetters).toHaveLength(1);
  });

  it("rejects unknown ops, unknown and mistyped arguments, and wrong columns with the step and location", async () => {
    const dir = events(mkdtempSync(join(tmpdir(), "sluice-plan-")));
    const at = { file: "p.yaml", line: 7, column: 5 };
    const bad = async (s: StepNode) => planPipeline(plan(dir, [s]), { webgpu: false }).then(() => undefined, (e: unknown) => e as PlanError);
    let e = await bad(step("selct", { columns: ["id"] }, { at }));
    expect(e).toBeInstanceOf(PlanError);
    expect(e!.message).toMatch(/p\.yaml:7, step 'selct': unknown step op 'selct' \(did you mean 'select'\?\)/);
    e = await bad(step("select", { colums: ["id"] }, { at, argsAt: { colums: { file: "p.yaml", line: 8, column: 7 } } }));
    expect(e!.message).toMatch(/p\.yaml:8, step 'select': unknown argument 'colums'.*did you mean 'columns'/);
    e = await bad(step("limit", { rows: "ten" }, { at }));
    expect(e!.message).toMatch(/argument 'rows' must be integer, got string "ten"/);
    e = await bad(step("select", { columns: ["nope"] }, { at }));
    expect(e!.message).toMatch(/step 'select': no column 'nope' \(columns: id, kind, score\)/);
    e = await bad(step("parquet", { path: "x" }, { at }));
    expect(e!.message).toMatch(/'parquet' is a source\/sink op, not a step/);
    e = await bad(step("limit", {}, { at }));
    expect(e!.message).toMatch(/missing required argument 'rows'/);
  });

  it("fails at plan time when the source matches nothing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-plan-"));
    await expect(planPipeline(plan(dir, []), { webgpu: false })).rejects.toThrow(/step 'jsonl'/);
  });

  it("cuts regions where the user asks and chains the rest", async () => {
    const dir = events(mkdtempSync(join(tmpdir(), "sluice-plan-")));
    const p = await planPipeline(plan(dir, [step("filter", { column: "kind", value: "dog" }), step("select", { columns: ["id"] }, { region: "tail" })], step("jsonl", { path: "o2" })), { webgpu: false });
    expect(p.regions.map((r) => [r.name, r.cause, r.steps.map((s) => s.step.name)])).toEqual([["r1", "source", ["filter"]], ["tail", "user", ["select"]]]);
    const r = await runPlan(p);
    expect(r.rowsOut).toBe(33);
    expect(r.channels[0]!.stats.batches).toBeGreaterThan(0);
  });
});
