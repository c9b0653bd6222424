import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { col, fn, read, COLUMN_FUNCTIONS } from "../../../runtime/dataframe/index.js";
import type { LogicalPlan } from "../../../runtime/plan/logical-plan.js";
import { findOp } from "../../../runtime/plan/op-catalog.js";
import { registerAllOps } from "../../../runtime/plan/register-all-ops.js";
import { parseSpec } from "../../../runtime/plan/spec-file.js";

/** What both front ends must agree on: ops, names, args, placement — not where they were written. */
function shape(p: LogicalPlan): unknown {
  const s = ({ op, name, args, region, parallelism, backend }: LogicalPlan["source"]) => ({ op, name, args, region, parallelism, backend });
  return { source: s(p.source), steps: p.steps.map(s), sink: p.sink && s(p.sink), options: p.options };
}

describe("DataFrame", () => {
  it("builds the same logical plan as the equivalent spec file", () => {
    const df = read
      .jsonl("events/*.jsonl")
      .filter(col("kind").eq("cat"))
      .withColumn("x", col("x").sub(0.5).div(0.25).relu())
      .withColumn("p", fn.softmax(col("logits")), { region: "post" })
      .select("id", "x", "p")
      .options({ batchRows: 32 })
      .write.parquet("out/");
    const spec = parseSpec(
      [
        "batchRows: 32",
        "source:",
        "  jsonl: { path: 'events/*.jsonl' }",
        "steps:",
        "  - filter: { column: kind, op: eq, value: cat }",
        "  - sub: { column: x, value: 0.5 }",
        "  - div: { column: x, value: 0.25 }",
        "  - relu: { column: x }",
        "  - softmax: { column: logits, output: p, region: post }",
        "  - select: { columns: [id, x, p] }",
        "sink:",
        "  parquet: { path: out/ }",
      ].join("\n"),
      { file: "p.yaml", baseDir: "/tmp" },
    );
    expect(shape(df.toPlan())).toEqual(shape(spec));
  });

  it("names repeated ops uniquely and keeps placement options", () => {
    const p = read.jsonl("a.jsonl").withColumn("y", col("y").mul(2).mul(3), { parallelism: 2, backend: "wasm" }).toPlan();
    expect(p.steps.map((s) => s.name)).toEqual(["mul", "mul-2"]);
    expect(p.steps.map((s) => [s.parallelism, s.backend])).toEqual([[2, "wasm"], [2, "wasm"]]);
    expect(() => read.jsonl("a").withColumn("y", col("x"))).toThrow(/rename/);
    expect(() => read.jsonl("a").filter(col("x").add(1).gt(0) as never)).toThrow(/plain column/);
  });

  it("reaches every fn.* op in the catalog", () => {
    registerAllOps();
    const missing = COLUMN_FUNCTIONS.filter((op) => !findOp(op, "transform"));
    expect(missing).toEqual([]);
  });

  it("collects a filtered, projected table in memory", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-df-"));
    writeFileSync(join(dir, "e.jsonl"), Array.from({ length: 20 }, (_, i) => JSON.stringify({ id: i, even: i % 2 === 0 })).join("\n"));
    const { table, deadLetters } = await read.jsonl(join(dir, "e.jsonl")).filter((row) => row.even === true).select("id").limit(4).collect({ webgpu: false });
    expect(table.numRows).toBe(4);
    expect([...table.getChild("id")!].map(Number)).toEqual([0, 2, 4, 6]);
    expect(deadLetters).toEqual([]);
  });
});
