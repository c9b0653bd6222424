/**
 * `sluice demo`: the whole pipeline on generated data — a folder of images (several sizes and
 * formats, a few broken on purpose) and a small ONNX image classifier built in TypeScript —
 * with live progress and a per-step summary.
 */

import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildImageClassifier, IMAGE_CLASSIFIER_INPUT, IMAGE_CLASSIFIER_LABELS, IMAGE_CLASSIFIER_OUTPUT } from "../../scheduler/models/index.js";
import type { OperatorMetrics } from "../executor/operator.js";
import { imageClassificationJob } from "../pipelines/image-classification.js";
import { writeDemoImages } from "./demo-data.js";
import { formatTable, ms } from "./table.js";

export interface PipelineDemoOptions {
  images: number;
  /** Where the generated images and the outputs go. Default: a new temp dir (kept, so you can look). */
  dir?: string;
  batchRows: number;
}

function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

export async function runPipelineDemo(o: PipelineDemoOptions): Promise<number> {
  const root = o.dir ?? mkdtempSync(join(tmpdir(), "sluice-demo-"));
  const imagesDir = join(root, "images");
  const tty = process.stderr.isTTY;
  const status = (line: string) => process.stderr.write(tty ? `\r\x1b[2K${line}` : `${line}\n`);
  const t0 = performance.now();
  const data = await writeDemoImages(imagesDir, o.images, (n) => {
    if (tty || n === o.images) status(`generating images: ${n}/${o.images}`);
  });
  if (tty) process.stderr.write("\n");
  console.log(`sluice demo: ${data.good} images + ${data.corrupt.length} broken files in ${imagesDir}`);
  const output = join(root, "predictions");
  const deadLetters = join(root, "dead-letters.jsonl");
  const p = await imageClassificationJob({
    images: imagesDir,
    model: buildImageClassifier(),
    modelInput: IMAGE_CLASSIFIER_INPUT,
    modelOutput: IMAGE_CLASSIFIER_OUTPUT,
    labels: IMAGE_CLASSIFIER_LABELS,
    output,
    deadLetters,
    batchRows: o.batchRows,
  });
  console.log(`pipeline: images → preprocess (decode, resize 224×224, normalize) ═╡ infer (${p.model.backend}, batch ≤ ${o.batchRows}) → classify → Parquet\n`);
  const started = performance.now();
  const timer = setInterval(() => {
    const secs = (performance.now() - started) / 1000;
    const live = p.job.steps;
    const parts = p.steps.map(({ step }) => live.get(step)).map((m, i) => `${p.steps[i]!.step} ${m?.rowsIn ?? 0} (${((m?.rowsIn ?? 0) / secs).toFixed(0)}/s)`);
    status(`${parts.join(" │ ")} │ dead-lettered ${[...p.job.steps.values()].reduce((s, m) => s + m.deadLettered, 0)}`);
  }, 250);
  let result;
  try {
    result = await p.job.run();
  } finally {
    clearInterval(timer);
    if (tty) process.stderr.write("\r\x1b[2K");
    await p.close();
  }
  const wallS = result.wallMs / 1000;
  const rows = p.steps.map(({ step, region }) => {
    const m = result.steps.get(step) as OperatorMetrics;
    return [step, region, m.rowsIn, m.rowsOut || (step === "parquet" ? m.rowsIn : 0), m.deadLettered, m.rowsIn / wallS, ms(quantile(m.latencies, 0.5)), ms(quantile(m.latencies, 0.99)), m.backend ?? "—"];
  });
  console.log(formatTable(rows, { columns: ["step", "region", "rows in", "rows out", "dead-lettered", "rows/s", "p50 batch", "p99 batch", "backend"], digits: 1 }));
  const written = result.steps.get("parquet")!.rowsIn;
  console.log(`\n${written} predictions → ${output}/ (Parquet), ${result.deadLettered} dead letters → ${deadLetters}`);
  console.log(`wall time ${ms(performance.now() - t0)} (pipeline ${ms(result.wallMs)})`);
  const ok = written === data.good && result.deadLettered === data.corrupt.length;
  console.log(ok ? "every good image was classified once; every broken file was dead-lettered" : `MISMATCH: expected ${data.good} predictions and ${data.corrupt.length} dead letters`);
  return ok ? 0 : 1;
}
