import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { main } from "../../../runtime/cli/main.js";
import { parseSpec } from "../../../runtime/plan/spec-file.js";

function capture() {
  const out: string[] = [], err: string[] = [];
  vi.spyOn(console, "log").mockImplementation((...a: unknown[]) => void out.push(a.join(" ")));
  vi.spyOn(console, "error").mockImplementation((...a: unknown[]) => void err.push(a.join(" ")));
  vi.spyOn(console, "warn").mockImplementation(() => {});
  vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  return { out, err };
}

afterEach(() => vi.restoreAllMocks());

function spec(dir: string, body: string): string {
  writeFileSync(join(dir, "in.jsonl"), Array.from({ length: 30 }, (_, i) => JSON.stringify({ id: i, v: i % 4 })).join("\n") + "\n{broken\n");
  const file = join(dir, "p.yaml");
  writeFileSync(file, body);
  return file;
}

describe("sluice run / explain / ops", () => {
  it("runs a spec, prints the summary, writes the JSON report and the dead letters", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-run-"));
    const file = spec(dir, "source:\n  jsonl: { path: in.jsonl }\nsteps:\n  - filter: { column: v, op: eq, value: 0 }\nsink:\n  jsonl: { path: out }\n");
    const c = capture();
    expect(await main(["run", file, "--quiet", "--json", join(dir, "report.json")])).toBe(0);
    const text = c.out.join("\n");
    expect(text).toMatch(/30 rows read, 8 written, 1 dead-lettered/);
    expect(text).toMatch(/filter\s+r1\s+30\s+8/);
    const report = JSON.parse(readFileSync(join(dir, "report.json"), "utf8"));
    expect(report).toMatchObject({ sourceRows: 30, rowsOut: 8, deadLettered: 1 });
    expect(report.steps.map((s: { step: string }) => s.step)).toEqual(["filter", "jsonl-2"]); // the source already took "jsonl"
    const written = readdirSync(join(dir, "out")).filter((f) => f.endsWith(".jsonl"));
    expect(written.flatMap((f) => readFileSync(join(dir, "out", f), "utf8").trim().split("\n"))).toHaveLength(8);
    expect(readFileSync(report.deadLetterPath, "utf8")).toMatch(/"step":"jsonl"/);
  });

  it("explains without running, and reports plan errors with file and line", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-run-"));
    const file = spec(dir, "source:\n  jsonl: { path: in.jsonl }\nsteps:\n  - mul: { column: id, value: 2 }\nsink:\n  jsonl: { path: out }\n");
    const c = capture();
    expect(await main(["explain", file])).toBe(1);
    expect(c.err.join("\n")).toMatch(/p\.yaml:4, step 'mul': .*id/);
    const ok = spec(dir, "source:\n  jsonl: { path: in.jsonl }\nsteps:\n  - select: { columns: [id] }\nsink:\n  jsonl: { path: out }\n");
    expect(await main(["explain", ok])).toBe(0);
    expect(c.out.join("\n")).toMatch(/r1 \(source\)\s+select/);
    expect(readdirSync(dir)).not.toContain("out");
    expect(await main(["run", spec(dir, "source:\n  jsonl: { path: in.jsonl }\n")])).toBe(1);
    expect(c.err.join("\n")).toMatch(/the spec has no sink/);
  });

  it("lists ops and shows one op's arguments", async () => {
    const c = capture();
    expect(await main(["ops"])).toBe(0);
    for (const op of ["images", "decode", "resize", "normalize", "infer", "classify", "chunk", "embed", "search", "fetch", "udf", "filter", "parquet"]) expect(c.out.join("\n")).toContain(op);
    expect(await main(["ops", "resize"])).toBe(0);
    expect(c.out.join("\n")).toMatch(/size\s+number\[\]\s+yes/);
    expect(await main(["ops", "nope"])).toBe(1);
  });

  it("the examples in docs/spec-files.md parse, and the YAML and JSON ones agree", () => {
    const md = readFileSync(join(__dirname, "../../../docs/spec-files.md"), "utf8");
    const yaml = md.match(/```yaml\n(name: classify-photos[\s\S]*?)```/)![1]!;
    const json = md.match(/```json\n([\s\S]*?)```/)![1]!;
    const a = parseSpec(yaml, { file: "a.yaml", baseDir: "/" });
    const b = parseSpec(json, { file: "b.json", baseDir: "/" });
    expect(b.steps.map((s) => [s.op, s.name, s.region])).toEqual(a.steps.map((s) => [s.op, s.name, s.region]));
  });
});
