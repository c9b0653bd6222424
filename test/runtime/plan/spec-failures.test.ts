import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { PlanError } from "../../../runtime/api/runtime-errors.js";
import type { LogicalPlan } from "../../../runtime/plan/logical-plan.js";
import { parseSpec } from "../../../runtime/plan/spec-file.js";

// Line numbers below are asserted exactly; edit the fixtures with care.
const yaml = (text: string, file = "pipe.yaml"): LogicalPlan => parseSpec(text, { file, baseDir: "/base" });
const json = (text: string, file = "pipe.json"): LogicalPlan => parseSpec(text, { file, baseDir: "/base" });

/** Runs `fn` and checks it throws a PlanError at exactly `file:line` saying `says`. */
function planError(fn: () => unknown, where: { file?: string; line: number; says: string }): PlanError {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(PlanError);
  const e = error as PlanError;
  const file = where.file ?? "pipe.yaml";
  expect(e.location).toBe(`${file}:${where.line}`);
  expect(e.message).toBe(`${file}:${where.line}: ${where.says}`);
  return e;
}

// Lines 1–6; `failures:` starts on line 7.
const PIPE = "source:\n  images: { path: ./p }\nsteps:\n  - decode: {}\n  - resize: { size: 8 }\n  - infer: { model: m.onnx, name: classify }\n";

describe("spec files: failures", () => {
  it("reads every form into plan.options.failures", () => {
    const plan = yaml(`${PIPE}failures:
  - { step: resize, kind: throw, at: 3 }
  - step: classify
    kind: hang
    at: p=0.05
    seed: 7
  - { step: decode, kind: crash, at: { batch: 7 }, times: 2 }
  - { step: decode, kind: throw, at: { probability: 0.5 } }
`);
    expect(plan.options.failures).toEqual([
      { step: "resize", kind: "throw", at: { batch: 3 } },
      { step: "classify", kind: "hang", at: { probability: 0.05 }, seed: 7 },
      { step: "decode", kind: "crash", at: { batch: 7 }, times: 2 },
      { step: "decode", kind: "throw", at: { probability: 0.5 } },
    ]);
    expect(yaml(PIPE).options.failures).toBeUndefined();
  });

  it("reads JSON too", () => {
    const plan = json(`{
  "source": { "images": {} },
  "steps": [{ "resize": { "size": 8 } }],
  "failures": [{ "step": "resize", "kind": "throw", "at": "p=0.1", "times": 3 }]
}`);
    expect(plan.options.failures).toEqual([{ step: "resize", kind: "throw", at: { probability: 0.1 }, times: 3 }]);
  });

  it("rejects malformed failures at the offending value", () => {
    planError(() => yaml(`${PIPE}failures: { step: resize }\n`), { line: 7, says: "'failures' must be a list of failures ({ step, kind, at, times?, seed? }); got a mapping" });
    planError(() => yaml(`${PIPE}failures:\n  - resize:throw@3\n`), { line: 8, says: "'failures[0]' must be a failure { step, kind, at, times?, seed? }; got a string ('resize:throw@3')" });
    planError(() => yaml(`${PIPE}failures:\n  - { step: resize, kind: throw, at: 1 }\n  - step: resize\n    kind: explode\n    at: 2\n`), {
      line: 10,
      says: "'failures[1].kind' must be one of throw | hang | crash; got a string ('explode')",
    });
    planError(() => yaml(`${PIPE}failures:\n  - step: resize\n    kind: throw\n`), { line: 8, says: "'failures[0]' needs 'at'" });
    planError(() => yaml(`${PIPE}failures:\n  - step: resize\n    kind: throw\n    at: soon\n`), {
      line: 10,
      says: `'failures[0].at' must be a batch number, "p=PROBABILITY", { batch } or { probability }; got a string ('soon')`,
    });
    planError(() => yaml(`${PIPE}failures:\n  - step: resize\n    kind: throw\n    at:\n      probability: 2\n`), {
      line: 11,
      says: "'failures[0].at.probability' must be a probability in (0, 1]; got a number (2)",
    });
    planError(() => yaml(`${PIPE}failures:\n  - { step: resize, kind: throw, at: 1, times: 0 }\n`), { line: 8, says: "'failures[0].times' must be a positive integer; got a number (0)" });
    planError(() => yaml(`${PIPE}failures:\n  - step: resize\n    kind: throw\n    at: 1\n    every: 2\n`), {
      line: 11,
      says: "'failures[0].every' is not a failure key (known: step, kind, at, times, seed)",
    });
    planError(() => json(`{\n "source": {"images": {}},\n "failures": [\n  {"step": "x", "kind": "throw", "at": -1}\n ]\n}`), {
      file: "pipe.json",
      line: 4,
      says: "'failures[0].at' must be a positive batch number; got a number (-1)",
    });
  });

  it("refuses a step the pipeline does not have, at its line, listing the steps", () => {
    planError(() => yaml(`${PIPE}failures:\n  - { step: resize, kind: throw, at: 1 }\n  - step: rezise\n    kind: throw\n    at: 1\n`), {
      line: 9,
      says: "'failures[1].step' names 'rezise', which is not a step of this pipeline (steps: decode, resize, classify)",
    });
    planError(() => yaml(`${PIPE}failures: [{ step: images, kind: throw, at: 1 }]\n`), {
      line: 7,
      says: "'failures[0].step' names 'images', the source: failures can be injected into transform steps only (steps: decode, resize, classify)",
    });
    // A step named by default (`infer`) is known by its given name only.
    planError(() => yaml(`${PIPE}sink:\n  parquet: { path: out/ }\nfailures: [{ step: infer, kind: throw, at: 1 }]\n`), {
      line: 9,
      says: "'failures[0].step' names 'infer', which is not a step of this pipeline (steps: decode, resize, classify)",
    });
    planError(() => yaml(`${PIPE}sink:\n  parquet: { path: out/ }\nfailures: [{ step: parquet, kind: throw, at: 1 }]\n`), {
      line: 9,
      says: "'failures[0].step' names 'parquet', the sink: failures can be injected into transform steps only (steps: decode, resize, classify)",
    });
  });

  it("suggests 'failures' for a near miss", () => {
    expect(() => yaml(`${PIPE}failure: []\n`)).toThrow("unknown top-level key 'failure' — did you mean 'failures'?");
  });

  it("the example in docs/spec-files.md parses", () => {
    const md = readFileSync(new URL("../../../docs/spec-files.md", import.meta.url), "utf8");
    const example = md.match(/```yaml\n(failures:[\s\S]*?)```/)![1]!;
    const steps = "source:\n  images: {}\nsteps:\n  - resize: {}\n  - classify: {}\n  - mapBatches: { name: featurize }\n";
    expect(yaml(steps + example).options.failures).toEqual([
      { step: "resize", kind: "throw", at: { batch: 3 } },
      { step: "classify", kind: "hang", at: { probability: 0.05 }, seed: 7 },
      { step: "featurize", kind: "crash", at: { batch: 7 }, times: 2 },
    ]);
  });
});
