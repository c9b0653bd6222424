import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parquetSource } from "../../../connectors/index.js";
import { writeDemoImages } from "../../../runtime/cli/demo-data.js";
import { imageClassificationJob } from "../../../runtime/pipelines/image-classification.js";
import { buildImageClassifier, IMAGE_CLASSIFIER_INPUT, IMAGE_CLASSIFIER_LABELS, IMAGE_CLASSIFIER_OUTPUT } from "../../../scheduler/models/index.js";

describe("image classification pipeline, end to end", () => {
  it("classifies every good image exactly once, dead-letters every broken file, writes Parquet", async () => {
    const root = mkdtempSync(join(tmpdir(), "sluice-pipe-"));
    const data = await writeDemoImages(join(root, "images"), 11);
    const p = await imageClassificationJob({
      images: data.dir,
      model: buildImageClassifier(),
      modelInput: IMAGE_CLASSIFIER_INPUT,
      modelOutput: IMAGE_CLASSIFIER_OUTPUT,
      labels: IMAGE_CLASSIFIER_LABELS,
      output: join(root, "out"),
      deadLetters: join(root, "dead.jsonl"),
      batchRows: 4,
    });
    let result;
    try {
      result = await p.job.run();
    } finally {
      await p.close();
    }
    expect(result.steps.get("preprocess")!.rowsIn).toBe(15);
    expect(result.deadLettered).toBe(4);
    const letters = readFileSync(join(root, "dead.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(letters.map((l) => l.key.split("/").pop()).sort()).toEqual([...data.corrupt].sort());
    expect(letters.every((l) => l.step === "preprocess" && l.reason.length > 0)).toBe(true);

    const rows: { path: string; label: string; class: number; score: number }[] = [];
    const src = parquetSource(join(root, "out", "*.parquet"));
    for await (const { batch } of src.read(undefined, { batchRows: 100, signal: new AbortController().signal })) {
      for (const r of batch.toArray()) rows.push(r.toJSON() as never);
    }
    expect(rows).toHaveLength(11);
    expect(new Set(rows.map((r) => r.path)).size).toBe(11);
    for (const r of rows) {
      expect(IMAGE_CLASSIFIER_LABELS[r.class]).toBe(r.label);
      expect(r.score).toBeGreaterThan(0);
      expect(r.score).toBeLessThanOrEqual(1);
    }
  }, 60_000);
});
