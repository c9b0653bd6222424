import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PlanError } from "../../../runtime/api/runtime-errors.js";
import { planPipeline } from "../../../runtime/plan/planner.js";
import { readSpecFile } from "../../../runtime/plan/spec-file.js";

/** Writes a spec beside a small JSONL input and plans it, returning the error (or undefined). */
async function planError(lines: string[]): Promise<PlanError | undefined> {
  const dir = mkdtempSync(join(tmpdir(), "sluice-spec-"));
  writeFileSync(join(dir, "in.jsonl"), '{"id":1,"kind":"cat"}\n{"id":2,"kind":"dog"}\n');
  const file = join(dir, "pipeline.yaml");
  writeFileSync(file, lines.join("\n"));
  try {
    const p = await planPipeline(await readSpecFile(file), { webgpu: false });
    await p.session.close();
    return undefined;
  } catch (e) {
    expect(e).toBeInstanceOf(PlanError);
    return e as PlanError;
  }
}

const head = ["source:", "  jsonl: { path: in.jsonl }", "steps:"];

describe("spec files: errors name the file, line and step", () => {
  it("an unknown op", async () => {
    const e = await planError([...head, "  - select: { columns: [id] }", "  - resise: { size: [2, 2] }", "sink:", "  jsonl: { path: out }"]);
    expect(e!.message).toMatch(/pipeline\.yaml:5, step 'resise': unknown step op 'resise' \(did you mean 'resize'\?\)|pipeline\.yaml:5, step 'resise': unknown step op 'resise'/);
  });

  it("a bad argument, at the argument's own line", async () => {
    const e = await planError([...head, "  - limit:", "      rows: -3", "sink:", "  jsonl: { path: out }"]);
    expect(e!.message).toMatch(/pipeline\.yaml:5, step 'limit': argument 'rows' must be ≥ 0, got -3/);
  });

  it("an unknown argument", async () => {
    const e = await planError([...head, "  - select:", "      columns: [id]", "      colour: red", "sink:", "  jsonl: { path: out }"]);
    expect(e!.message).toMatch(/pipeline\.yaml:6, step 'select': unknown argument 'colour'/);
  });

  it("a column that does not exist", async () => {
    const e = await planError([...head, "  - filter: { column: knd, value: cat }", "sink:", "  jsonl: { path: out }"]);
    expect(e!.message).toMatch(/pipeline\.yaml:4, step 'filter': no column 'knd' \(columns: id, kind\)/);
  });

  it("a sink op used as a step, and a missing input", async () => {
    let e = await planError([...head, "  - parquet: { path: x }", "sink:", "  jsonl: { path: out }"]);
    expect(e!.message).toMatch(/pipeline\.yaml:4, step 'parquet': 'parquet' is a source\/sink op/);
    e = await planError(["source:", "  jsonl: { path: nowhere/*.jsonl }", "sink:", "  jsonl: { path: out }"]);
    expect(e!.message).toMatch(/pipeline\.yaml:2, step 'jsonl'/);
  });

  it("a malformed file", async () => {
    const e = await planError([...head, "  - select: { columns: [id }", "sink:", "  jsonl: { path: out }"]);
    expect(e!.message).toMatch(/pipeline\.yaml:\d+/);
  });

  it("a valid spec plans", async () => {
    expect(await planError([...head, "  - select: { columns: [id] }", "sink:", "  jsonl: { path: out }"])).toBeUndefined();
  });
});
