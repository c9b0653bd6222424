import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { tensor } from "../../../kernels/tensor.js";
import { classify, classifyTopK, parseLabels, readLabels } from "../../../runtime/functions/classify.js";
import { argmax, softmax, topk } from "../../../runtime/functions/scores.js";

const dir = mkdtempSync(join(tmpdir(), "sluice-labels-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const logits = tensor("f32", [2, 4], [1, 3, 2, 0, 5, 1, 5, 4]);

describe("softmax / argmax / topk", () => {
  it("softmax rows sum to 1 and keep the order", async () => {
    const p = await softmax(logits);
    expect(p.shape).toEqual([2, 4]);
    const e = [1, 3, 2, 0].map(Math.exp);
    const z = e.reduce((a, b) => a + b);
    e.forEach((v, i) => expect(p.data[i]).toBeCloseTo(v / z, 6));
  });

  it("argmax drops the axis and takes the first of ties", async () => {
    const a = await argmax(logits);
    expect(a.shape).toEqual([2]);
    expect([...a.data]).toEqual([1, 0]);
    expect([...(await argmax(logits, { axis: 0 })).data]).toEqual([1, 0, 1, 1]);
  });

  it("topk returns sorted values and their indices, smallest when asked", async () => {
    const t = await topk(logits, 2);
    expect([...t.values.data]).toEqual([3, 2, 5, 5]);
    expect([...t.indices.data]).toEqual([1, 2, 0, 2]);
    const low = await topk(logits, 1, { largest: false });
    expect([...low.indices.data]).toEqual([3, 1]);
  });

  it("a bad k is a RecordError naming topk", async () => {
    await expect(topk(logits, 5)).rejects.toThrow(/topk: attribute k: expected an integer in \[0, 4\], got 5/);
  });
});

describe("classify", () => {
  const labels = ["cat", "dog", "bird", "fish"];

  it("labels the argmax of each row with its softmax probability", async () => {
    const out = await classify(logits, labels);
    expect(out.map((c) => [c.index, c.label])).toEqual([[1, "dog"], [0, "cat"]]);
    const e = [1, 3, 2, 0].map(Math.exp);
    expect(out[0]!.score).toBeCloseTo(e[1]! / e.reduce((a, b) => a + b), 6);
    const raw = await classify(logits, labels, { softmax: false });
    expect(raw[0]!.score).toBe(3);
  });

  it("gives the top k per row and takes a single vector", async () => {
    const top = await classifyTopK(logits, labels, 3);
    expect(top[1]!.map((c) => c.label)).toEqual(["cat", "bird", "fish"]);
    const one = await classify(tensor("f32", [4], [0, 0, 0, 9]), labels);
    expect(one).toEqual([{ index: 3, label: "fish", score: expect.closeTo(1, 3) as number }]);
  });

  it("fails when the winning class has no label", async () => {
    await expect(classify(logits, ["cat"])).rejects.toThrow(/classify: class index 1 has no label \(the label list has 1 labels for 4 classes\)/);
  });

  it("reads label files: CRLF, trailing newline, blank lines kept in place", async () => {
    expect(parseLabels("a\r\nb\n\nd\n")).toEqual(["a", "b", "", "d"]);
    const path = join(dir, "labels.txt");
    writeFileSync(path, "cat\ndog\nbird\nfish\n");
    expect(await readLabels(path)).toEqual(labels);
    writeFileSync(join(dir, "empty.txt"), "");
    await expect(readLabels(join(dir, "empty.txt"))).rejects.toThrow(/label file .*empty\.txt is empty/);
    await expect(readLabels(join(dir, "none.txt"))).rejects.toThrow(/cannot read label file .*none\.txt \(ENOENT\)/);
  });
});
