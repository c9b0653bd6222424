import { describe, expect, it } from "vitest";
import { assertFeeds, checkFeeds } from "../../../scheduler/models/check-feeds.js";
import { ModelFeedError } from "../../../scheduler/models/model-errors.js";
import type { ModelIO } from "../../../scheduler/models/model-runtime.js";

const classifier = {
  name: "cls.onnx",
  inputs: [{ name: "pixels", dtype: "f32", onnxType: "float32", shape: ["N", 3, 224, 224] }] as ModelIO[],
};
const embedder = {
  name: "emb.onnx",
  inputs: [
    { name: "input_ids", dtype: "i32", onnxType: "int64", shape: ["N", "L"] },
    { name: "attention_mask", dtype: "i32", onnxType: "int64", shape: ["N", "L"] },
  ] as ModelIO[],
};
const squeezenet = { name: "sq.onnx", inputs: [{ name: "data_0", dtype: "f32", onnxType: "float32", shape: [1, 3, 224, 224] }] as ModelIO[] };

describe("checkFeeds", () => {
  it("accepts columns whose per-row shapes fit, ignoring columns no input uses", () => {
    expect(checkFeeds(classifier, [{ name: "pixels", dtype: "f32", shape: [3, 224, 224] }, { name: "path", dtype: "u8", shape: [null] }])).toEqual([]);
    expect(checkFeeds(squeezenet, [{ name: "data_0", dtype: "f32", shape: [3, 224, 224] }])).toEqual([]);
    // A dynamic dim takes rows whose length varies.
    expect(
      checkFeeds(embedder, [
        { name: "input_ids", dtype: "i32", shape: [null] },
        { name: "attention_mask", dtype: "i32", shape: [128] },
      ]),
    ).toEqual([]);
  });

  it("reports a wrong dtype with the expected and actual dtype", () => {
    const [issue, ...rest] = checkFeeds(embedder, [
      { name: "input_ids", dtype: "f32", shape: [16] },
      { name: "attention_mask", dtype: "i32", shape: [16] },
    ]);
    expect(rest).toEqual([]);
    expect(issue).toMatchObject({ input: "input_ids", problem: "dtype", expected: "i32 (model int64)", actual: "f32" });
    expect(issue!.message).toBe("input 'input_ids': dtype expected i32 (model int64), got f32");
  });

  it("reports wrong dims and ranks per input", () => {
    const issues = checkFeeds(classifier, [{ name: "pixels", dtype: "f32", shape: [3, 256, 224] }]);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ input: "pixels", problem: "dim", actual: "[3,256,224] (dim 1 is 256)" });
    expect(issues[0]!.expected).toContain("[3,224,224] per row (model [N,3,224,224])");
    expect(checkFeeds(classifier, [{ name: "pixels", dtype: "f32", shape: [224, 224] }])[0]).toMatchObject({ problem: "rank" });
    // A fixed model dim cannot take a column whose rows vary there.
    expect(checkFeeds(classifier, [{ name: "pixels", dtype: "f32", shape: [3, null, 224] }])[0]).toMatchObject({ problem: "dim", actual: expect.stringContaining("variable") });
  });

  it("reports a missing input once per input, alongside other problems", () => {
    const issues = checkFeeds(embedder, [{ name: "input_ids", dtype: "u8", shape: [8] }]);
    expect(issues.map((i) => [i.input, i.problem])).toEqual([
      ["input_ids", "dtype"],
      ["attention_mask", "missing"],
    ]);
    expect(issues[1]!.actual).toBe("columns 'input_ids'");
  });

  it("assertFeeds throws one error listing every mismatch", () => {
    expect(() => assertFeeds(classifier, [{ name: "pixels", dtype: "f32", shape: [3, 224, 224] }])).not.toThrow();
    try {
      assertFeeds(embedder, [{ name: "input_ids", dtype: "u8", shape: [8] }]);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ModelFeedError);
      expect((e as Error).message).toMatch(/emb\.onnx[\s\S]*input 'input_ids'[\s\S]*input 'attention_mask'/);
    }
  });
});
