import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PlanError } from "../../../runtime/api/runtime-errors.js";
import type { LogicalPlan, StepNode } from "../../../runtime/plan/logical-plan.js";
import { parseSpec, readSpecFile } from "../../../runtime/plan/spec-file.js";

// Line numbers below are asserted exactly; edit the fixtures with care.
const YAML = `# classify photos
name: classify-photos
batchRows: 64
backend: wasm
channel: { maxBatches: 4, maxBytes: 67108864 }
deadLetters: out/dead.arrow
checkpoint: { interval: 1s, dir: ckpt, mode: aligned }
source:
  images: { path: ./photos }
steps:
  - decode: { column: image, maxPixels: 40000000 }
  - resize:
      column: image
      size: [224, 224]
      parallelism: 2
  - resize: { column: image, size: [112, 112] }
  - infer: { model: model.onnx, inputs: { input: pixels }, region: gpu, name: classify, backend: webgpu }
sink:
  parquet: { path: out/ }
`;

const JSON_SPEC = `{
  "name": "classify-photos",
  "batchRows": 64,
  "backend": "wasm",
  "channel": { "maxBatches": 4, "maxBytes": 67108864 },
  "deadLetters": "out/dead.arrow",
  "checkpoint": { "interval": "1s", "dir": "ckpt", "mode": "aligned" },
  "source": { "images": { "path": "./photos" } },
  "steps": [
    { "decode": { "column": "image", "maxPixels": 40000000 } },
    { "resize": {
        "column": "image",
        "size": [224, 224],
        "parallelism": 2 } },
    { "resize": { "column": "image", "size": [112, 112] } },
    { "infer": { "model": "model.onnx", "inputs": { "input": "pixels" }, "region": "gpu", "name": "classify", "backend": "webgpu" } }
  ],
  "sink": { "parquet": { "path": "out/" } }
}
`;

const yaml = (text: string, file = "pipe.yaml"): LogicalPlan => parseSpec(text, { file, baseDir: "/base" });
const json = (text: string, file = "pipe.json"): LogicalPlan => parseSpec(text, { file, baseDir: "/base" });

/** The plan without anything that says where it was written. */
function withoutLocations(plan: LogicalPlan): unknown {
  const strip = ({ at: _at, argsAt: _argsAt, ...rest }: StepNode) => rest;
  const { file: _file, ...rest } = plan;
  return { ...rest, source: strip(plan.source), steps: plan.steps.map(strip), sink: plan.sink && strip(plan.sink) };
}

/** Runs `fn` and checks it throws a PlanError at exactly `file:line`, in `step` when given. */
function planError(fn: () => unknown, where: { file?: string; line: number; step?: string; says: string | RegExp }): PlanError {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(PlanError);
  const e = error as PlanError;
  expect(e.location).toBe(`${where.file ?? "pipe.yaml"}:${where.line}`);
  expect(e.message.startsWith(`${where.file ?? "pipe.yaml"}:${where.line}`)).toBe(true);
  if (where.step) expect(e.message).toContain(`step '${where.step}'`);
  else expect(e.message).not.toContain("step '");
  if (typeof where.says === "string") expect(e.message).toContain(where.says);
  else expect(e.message).toMatch(where.says);
  return e;
}

const SOURCE = "source:\n  images: { path: ./p }\n";

describe("spec files → logical plan", () => {
  it("reads plan options, source, steps and sink", () => {
    const plan = yaml(YAML);
    expect(plan.name).toBe("classify-photos");
    expect(plan.baseDir).toBe("/base");
    expect(plan.file).toBe("pipe.yaml");
    expect(plan.options).toEqual({
      batchRows: 64,
      backend: "wasm",
      channel: { maxBatches: 4, maxBytes: 67108864 },
      deadLetters: { path: "out/dead.arrow", format: "arrow" },
      checkpoint: { interval: "1s", dir: "ckpt", mode: "aligned" },
    });
    expect(plan.source).toMatchObject({ op: "images", name: "images", args: { path: "./photos" } });
    expect(plan.steps.map((s) => [s.op, s.name])).toEqual([
      ["decode", "decode"],
      ["resize", "resize"],
      ["resize", "resize-2"],
      ["infer", "classify"],
    ]);
    expect(plan.sink).toMatchObject({ op: "parquet", name: "parquet", args: { path: "out/" } });
  });

  it("lifts name, region, parallelism and backend out of the arguments", () => {
    const [, resize, , infer] = yaml(YAML).steps;
    expect(resize!.parallelism).toBe(2);
    expect(resize!.args).toEqual({ column: "image", size: [224, 224] });
    expect(infer!.region).toBe("gpu");
    expect(infer!.backend).toBe("webgpu");
    expect(infer!.args).toEqual({ model: "model.onnx", inputs: { input: "pixels" } });
    expect("region" in yaml(YAML).steps[0]!).toBe(false);
  });

  it("records the exact line and column of every step and argument (YAML)", () => {
    const plan = yaml(YAML);
    expect(plan.source.at).toEqual({ file: "pipe.yaml", line: 9, column: 3 });
    expect(plan.source.argsAt).toEqual({ path: { file: "pipe.yaml", line: 9, column: 13 } });
    expect(plan.steps.map((s) => s.at!.line)).toEqual([11, 12, 16, 17]);
    expect(plan.steps[1]!.at!.column).toBe(5);
    expect(plan.steps[1]!.argsAt).toEqual({
      column: { file: "pipe.yaml", line: 13, column: 7 },
      size: { file: "pipe.yaml", line: 14, column: 7 },
      parallelism: { file: "pipe.yaml", line: 15, column: 7 },
    });
    expect(plan.steps[3]!.argsAt!.model!.column).toBe(14);
    expect(plan.sink!.at!.line).toBe(19);
  });

  it("records locations in JSON files too", () => {
    const plan = json(JSON_SPEC);
    expect(plan.source.at).toEqual({ file: "pipe.json", line: 8, column: 15 });
    expect(plan.steps.map((s) => s.at!.line)).toEqual([10, 11, 15, 16]);
    expect(plan.steps[1]!.argsAt!.size).toEqual({ file: "pipe.json", line: 13, column: 9 });
    expect(plan.steps[1]!.argsAt!.parallelism!.line).toBe(14);
    expect(plan.sink!.at!.line).toBe(18);
  });

  it("builds the same plan from YAML and JSON", () => {
    expect(withoutLocations(json(JSON_SPEC))).toEqual(withoutLocations(yaml(YAML)));
  });

  it("defaults the name from the file and leaves an absent sink absent", () => {
    const plan = yaml(`${SOURCE}steps:\n`, "specs/my-pipe.yml");
    expect(plan.name).toBe("my-pipe");
    expect(plan.steps).toEqual([]);
    expect("sink" in plan).toBe(false);
    expect(plan.options).toEqual({});
  });

  it("gives explicit names priority over default names", () => {
    const plan = yaml(`${SOURCE}steps:\n  - resize: { size: 8 }\n  - normalize: { name: resize }\n  - resize:\n`);
    expect(plan.steps.map((s) => s.name)).toEqual(["resize-2", "resize", "resize-3"]);
    expect(plan.steps[2]!.args).toEqual({});
  });

  it("expands anchors, aliases and merge keys, keeping each argument's own line", () => {
    const plan = yaml(`${SOURCE}steps:
  - resize: &small { column: image, size: [64, 64] }
  - resize: { <<: *small, size: [32, 32], name: tiny }
  - normalize: &n { mean: 0.5 }
  - normalize: *n
`);
    expect(plan.steps[1]!.args).toEqual({ column: "image", size: [32, 32] });
    expect(plan.steps[1]!.name).toBe("tiny");
    expect(plan.steps[1]!.argsAt!.column!.line).toBe(4);
    expect(plan.steps[1]!.argsAt!.size!.line).toBe(5);
    expect(plan.steps[3]!.args).toEqual({ mean: 0.5 });
    expect(plan.steps[3]!.name).toBe("normalize-2");
  });

  it("locates a step written as an alias where the alias is", () => {
    const plan = yaml(`${SOURCE}steps:\n  - &d { decode: { column: image } }\n  - *d\n`);
    expect(plan.steps.map((s) => [s.name, s.at!.line])).toEqual([
      ["decode", 4],
      ["decode-2", 5],
    ]);
  });

  it("reads a file from disk with its directory as the base", async () => {
    const dir = await mkdtemp(join(tmpdir(), "sluice-spec-"));
    try {
      const path = join(dir, "job.yaml");
      await writeFile(path, `${SOURCE}steps:\n  - decode: { column: image }\n`);
      const plan = await readSpecFile(path);
      expect(plan.baseDir).toBe(dir);
      expect(plan.file).toBe(path);
      expect(plan.name).toBe("job");
      expect(plan.steps[0]!.at).toEqual({ file: path, line: 4, column: 5 });
      await expect(readSpecFile(join(dir, "missing.yaml"))).rejects.toThrow(PlanError);
      await writeFile(join(dir, "job.toml"), SOURCE);
      await expect(readSpecFile(join(dir, "job.toml"))).rejects.toThrow(/\.yaml, \.yml or \.json/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("malformed spec files", () => {
  it("reports YAML and JSON syntax errors at the parser's line", () => {
    planError(() => yaml(`${SOURCE}steps:\n  - decode: { column: image\nsink: x\n`), { line: 5, says: /invalid YAML: .*Flow/ });
    planError(() => json(`{\n  "source": { "images": {} },\n  "steps": [\n    { "decode": {} }\n`), { file: "pipe.json", line: 4, says: "invalid JSON" });
    planError(() => json(`{\n  "source": { "images": { "path": photos } }\n}\n`), { file: "pipe.json", line: 2, says: 'plain scalar "photos"' });
    planError(() => yaml(`${SOURCE}---\nsteps: []\n`), { line: 3, says: "multiple documents" });
  });

  it("rejects an empty file, a non-mapping top level and a missing source", () => {
    planError(() => yaml("# only a comment\n"), { line: 1, says: "empty" });
    planError(() => yaml("\n- decode\n- resize\n"), { line: 2, says: "the top level must be a mapping (name, source, steps, sink …); got a sequence" });
    planError(() => yaml("name: x\n\nsteps: []\n"), { line: 1, says: "no 'source'" });
  });

  it("rejects unknown top-level keys with a suggestion", () => {
    planError(() => yaml(`${SOURCE}stpes:\n  - decode:\n`), { line: 3, says: "unknown top-level key 'stpes' — did you mean 'steps'?" });
    const e = planError(() => yaml(`${SOURCE}parallel: 3\n`), { line: 3, says: "unknown top-level key 'parallel'" });
    expect(e.message).not.toContain("did you mean");
  });

  it("rejects steps that are not a single-key mapping, naming the step", () => {
    planError(() => yaml(`${SOURCE}steps:\n  - resize:\n    size: [8, 8]\n`), { line: 5, step: "resize", says: "found 'resize' and 'size'" });
    planError(() => yaml(`${SOURCE}steps:\n  - decode\n`), { line: 4, step: "decode", says: "write `decode: {}`" });
    planError(() => yaml(`${SOURCE}steps:\n  - decode: {}\n  - [resize, normalize]\n`), { line: 5, step: "steps[1]", says: "got a sequence" });
    planError(() => yaml(`${SOURCE}steps:\n  - {}\n`), { line: 4, step: "steps[0]", says: "is empty" });
    planError(() => yaml(`${SOURCE}steps: { decode: {} }\n`), { line: 3, says: "'steps' must be a sequence" });
    planError(() => yaml("source: images\n"), { line: 1, step: "images", says: "'source' must be a mapping with one key" });
  });

  it("rejects arguments that are not a mapping", () => {
    planError(() => yaml(`${SOURCE}steps:\n  - decode: {}\n  - resize: [224, 224]\n`), { line: 5, step: "resize", says: "arguments of 'resize' must be a mapping; got a sequence" });
    planError(() => json(`{"source": {"images": "./photos"}}`), { file: "pipe.json", line: 1, step: "images", says: "got a string ('./photos')" });
  });

  it("rejects duplicate keys at the second one's line", () => {
    planError(() => yaml(`${SOURCE}steps: []\nbatchRows: 8\nsteps: []\n`), { line: 5, says: "Map keys must be unique" });
    planError(() => yaml(`${SOURCE}steps:\n  - resize:\n      size: 8\n      size: 9\n`), { line: 6, says: "Map keys must be unique" });
    planError(() => json(`{\n "source": {"images": {}},\n "source": {"images": {}}\n}`), { file: "pipe.json", line: 3, says: "unique" });
  });

  it("rejects bad step placement keys, naming the step", () => {
    const steps = `${SOURCE}steps:\n  - resize: { size: 8 }\n  - resize:\n      size: 4\n`;
    planError(() => yaml(`${steps}      parallelism: 0\n`), { line: 7, step: "resize-2", says: "'parallelism' must be a positive integer; got a number (0)" });
    planError(() => yaml(`${steps}      parallelism: 1.5\n`), { line: 7, step: "resize-2", says: "positive integer" });
    planError(() => yaml(`${steps}      backend: cuda\n`), { line: 7, step: "resize-2", says: "auto | js | wasm | webgpu" });
    planError(() => yaml(`${steps}      region: ""\n`), { line: 7, step: "resize-2", says: "'region' must be a non-empty string" });
    planError(() => yaml(`${steps}      name: 3\n`), { line: 7, step: "resize", says: "'name' must be a non-empty string" });
  });

  it("rejects a duplicate explicit step name at the second use", () => {
    const e = planError(() => yaml(`${SOURCE}steps:\n  - resize: { name: a }\n  - normalize:\n      name: a\n`), { line: 6, step: "a", says: "already used" });
    expect(e.message).toContain("pipe.yaml:4");
  });

  it("rejects wrongly typed top-level options at the value", () => {
    planError(() => yaml(`${SOURCE}batchRows: 0\n`), { line: 3, says: "'batchRows' must be a positive integer" });
    planError(() => json(`{\n "source": {"images": {}},\n "batchRows": "64"\n}`), { file: "pipe.json", line: 3, says: "got a string ('64')" });
    planError(() => yaml(`${SOURCE}backend: cuda\n`), { line: 3, says: "one of auto | js | wasm | webgpu" });
    planError(() => yaml(`${SOURCE}name: ""\n`), { line: 3, says: "'name' must be a non-empty string" });
    planError(() => yaml(`${SOURCE}channel:\n  maxBatches: -1\n`), { line: 4, says: "'maxBatches' must be a positive integer" });
    planError(() => yaml(`${SOURCE}channel: { maxBatch: 4 }\n`), { line: 3, says: "unknown key 'maxBatch' in 'channel'" });
    planError(() => yaml(`${SOURCE}channel: 4\n`), { line: 3, says: "'channel' must be a mapping" });
    planError(() => yaml(`${SOURCE}deadLetters: 3\n`), { line: 3, says: "'deadLetters' must be a path or { path, format }" });
    planError(() => yaml(`${SOURCE}deadLetters: { format: arrow }\n`), { line: 3, says: "needs a 'path'" });
    planError(() => yaml(`${SOURCE}deadLetters: { path: d.jsonl, format: csv }\n`), { line: 3, says: "jsonl | arrow" });
    planError(() => yaml(`${SOURCE}checkpoint:\n  interval: soon\n`), { line: 4, says: "'interval' must be a duration" });
    planError(() => yaml(`${SOURCE}checkpoint: { mode: eventually }\n`), { line: 3, says: "aligned | unaligned" });
  });

  it("accepts the documented option variants", () => {
    const plan = yaml(`${SOURCE}deadLetters: { path: dl.arrows }\ncheckpoint: { interval: 500, dir: ck, keep: 2, restarts: 0, timeout: 5s }\n`);
    expect(plan.options.deadLetters).toEqual({ path: "dl.arrows", format: "arrow" });
    expect(plan.options.checkpoint).toEqual({ interval: 500, dir: "ck", keep: 2, restarts: 0, timeout: "5s" });
    expect(yaml(`${SOURCE}deadLetters: { path: dl.arrow, format: jsonl }\n`).options.deadLetters!.format).toBe("jsonl");
    expect(yaml(`${SOURCE}deadLetters: dl.log\n`).options.deadLetters!.format).toBe("jsonl");
  });

  it("rejects unknown aliases, unknown tags and other file extensions", () => {
    planError(() => yaml(`${SOURCE}steps:\n  - resize: *nope\n`), { line: 4, says: "alias *nope has no anchor" });
    planError(() => yaml(`${SOURCE}steps:\n  - infer: { model: !env MODEL }\n`), { line: 4, says: "Unresolved tag: !env" });
    planError(() => yaml(`${SOURCE}steps:\n  - clip:\n      range: [0, .inf]\n`), { line: 5, step: "clip", says: "'range' holds .inf" });
    expect(() => parseSpec(SOURCE, { file: "pipe.txt", baseDir: "." })).toThrow(/pipe\.txt: a spec file must end in \.yaml, \.yml or \.json/);
    expect(parseSpec(SOURCE, { file: "pipe.txt", baseDir: ".", format: "yaml" }).source.op).toBe("images");
  });
});
