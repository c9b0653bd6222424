import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parquetSource } from "../../../connectors/index.js";
import { writeDemoImages } from "../../../runtime/cli/demo-data.js";
import { demoSpec } from "../../../runtime/cli/pipeline-demo.js";
import { planPipeline } from "../../../runtime/plan/planner.js";
import { runPlan } from "../../../runtime/plan/run-plan.js";
import { readSpecFile } from "../../../runtime/plan/spec-file.js";
import { buildImageClassifier, IMAGE_CLASSIFIER_LABELS } from "../../../scheduler/models/index.js";

describe("image classification pipeline (the demo's spec), end to end", () => {
  it("classifies every good image exactly once, dead-letters every broken file, writes Parquet", async () => {
    const root = mkdtempSync(join(tmpdir(), "sluice-pipe-"));
    const data = await writeDemoImages(join(root, "images"), 11);
    writeFileSync(join(root, "model.onnx"), buildImageClassifier());
    writeFileSync(join(root, "labels.txt"), IMAGE_CLASSIFIER_LABELS.join("\n"));
    writeFileSync(join(root, "pipeline.yaml"), demoSpec(4));
    const plan = await planPipeline(await readSpecFile(join(root, "pipeline.yaml")), { webgpu: false });
    // decode → resize → normalize is one operator; inference starts its own region.
    expect(plan.regions.map((r) => r.steps.map((s) => s.fused.join("+")))).toEqual([["decode+resize+normalize"], ["infer", "classify", "select"]]);
    const result = await runPlan(plan);
    expect(result.sourceRows).toBe(15);
    expect(result.rowsOut).toBe(11);
    expect(result.deadLettered).toBe(4);
    const letters = readFileSync(join(root, "dead-letters.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { key: string; step: string; reason: string });
    expect(letters.map((l) => l.key.split("/").pop()).sort()).toEqual([...data.corrupt].sort());
    expect(letters.every((l) => l.step === "decode" && l.reason.length > 0)).toBe(true);

    const rows: { path: string; label: string; score: number }[] = [];
    const src = parquetSource(join(root, "predictions", "*.parquet"));
    for await (const { batch } of src.read(undefined, { batchRows: 100, signal: new AbortController().signal })) {
      for (const r of batch.toArray()) rows.push(r.toJSON() as never);
    }
    expect(rows).toHaveLength(11);
    expect(new Set(rows.map((r) => r.path)).size).toBe(11);
    for (const r of rows) {
      expect(IMAGE_CLASSIFIER_LABELS).toContain(r.label);
      expect(r.score).toBeGreaterThan(0);
      expect(r.score).toBeLessThanOrEqual(1);
    }
  }, 60_000);
});
