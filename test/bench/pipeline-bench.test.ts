/**
 * The pipeline benchmark's two sides must compute the same thing, or its ratio means nothing:
 * on a few images, sluice and the hand-written sharp + onnxruntime peer write the same rows with
 * the same top-1 classes (read back from their Parquet outputs).
 */

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ensureBenchImages } from "../../bench/bench-images.js";
import { generatedBenchModel } from "../../bench/bench-model.js";
import { runSharpOrtPipeline } from "../../bench/peers/sharp-ort-pipeline.js";
import { readPredictions } from "../../bench/read-predictions.js";
import { runSluicePipeline } from "../../bench/sluice-pipeline.js";

const root = mkdtempSync(join(tmpdir(), "sluice-pipeline-bench-test-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("pipeline bench: sluice and the sharp + onnxruntime peer agree", () => {
  it("writes the same rows with the same top-1 classes on 3 images", async () => {
    // 640×480 is at least twice 224 both ways, so both sides take sharp's shrink-on-load path.
    const imgs = await ensureBenchImages({ count: 3, width: 640, height: 480, dir: join(root, "images") });
    const model = generatedBenchModel();

    const ours = await runSluicePipeline({ files: imgs.files, model, output: join(root, "sluice"), deadLetters: join(root, "dead.jsonl"), batchRows: 2 });
    const peer = await runSharpOrtPipeline({ files: imgs.files, model: model.source, labels: model.labels, output: join(root, "peer.parquet"), maxBatch: 2 });
    expect(ours.rows).toBe(3);
    expect(peer.rows).toBe(3);
    expect(ours.deadLettered).toBe(0);

    const a = await readPredictions(join(root, "sluice", "*.parquet"));
    const b = await readPredictions(join(root, "peer.parquet"));
    expect([...a.keys()].sort()).toEqual([...imgs.files].sort());
    expect([...b.keys()].sort()).toEqual([...imgs.files].sort());
    for (const path of imgs.files) {
      const x = a.get(path)!, y = b.get(path)!;
      expect(y.class).toBe(x.class);
      expect(y.label).toBe(model.labels[x.class]);
      expect(y.score).toBeCloseTo(x.score, 4);
    }
    // Stage clocks ran: a peer that skipped inference or writing would show zeros here.
    expect(peer.stages.inferenceMs).toBeGreaterThan(0);
    expect(peer.stages.writeMs).toBeGreaterThan(0);
  }, 60_000);
});
