/**
 * `sluice bench memory`: the sluice image pipeline over 10k full-HD JPEGs, reporting peak
 * resident memory (sampled every 50 ms, and the kernel's own max RSS) and throughput. A
 * streaming pipeline's memory must not grow with its input; goal: peak RSS < 500 MB.
 *
 * The 10k inputs are hard links to ~20 distinct generated JPEGs in one temp folder: 10k real
 * 1080p files would be ~4 GB of disk and minutes of generation, while links cost an inode each,
 * read like ordinary files, and stay in the page cache. Reading is not what is measured here.
 * The folder is deleted afterwards.
 */

import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, cpus, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { ensureBenchImages, linkFarm } from "./bench-images.js";
import { resolveBenchModel } from "./bench-model.js";
import { atMost, type BenchTarget } from "./bench-target.js";
import { runSluicePipeline, type SluiceStepTime } from "./sluice-pipeline.js";

export interface MemoryBenchOptions {
  /** Images to process. Default 10,000. */
  images?: number;
  /** Distinct JPEGs behind the links. Default 20. */
  distinct?: number;
  model?: string;
  progress?: (message: string) => void;
  /** Live progress: rows written of total, current and peak RSS. */
  onTick?: (tick: { rows: number; total: number; rssMB: number; peakMB: number; elapsedMs: number }) => void;
}

export interface MemoryBenchReport {
  benchmark: "memory";
  date: string;
  machine: { cpus: number; cpuModel: string; node: string; /** 1-minute load average at the end: other processes on the cores make wall times noisy. */ loadAvg: number };
  model: string;
  images: number;
  distinct: number;
  /** RSS just before the job is built (model not loaded yet), MB. */
  baselineMB: number;
  /** Highest RSS seen by the 50 ms sampler while the job ran, MB. */
  peakSampledMB: number;
  /** `process.resourceUsage().maxRSS` after the run: the process's lifetime peak, MB. */
  maxRssMB: number;
  samples: number;
  /** At the end of the run: V8 heap in use, and memory outside it (Buffers, typed arrays, native). */
  endHeapUsedMB: number;
  endExternalMB: number;
  wallMs: number;
  imagesPerSec: number;
  steps: SluiceStepTime[];
  via: string;
  targets: BenchTarget[];
}

const MB = 1024 * 1024;

export async function runMemoryBench(o: MemoryBenchOptions = {}): Promise<MemoryBenchReport> {
  const say = o.progress ?? (() => {});
  const total = o.images ?? 10_000, distinct = Math.min(o.distinct ?? 20, total);
  const src = await ensureBenchImages({ count: distinct });
  const model = await resolveBenchModel(o.model);
  say(`model: ${model.description}`);
  // Links must be on the same filesystem as their targets: put them next to the image cache.
  const work = mkdtempSync(join(dirname(src.dir), "memory-"));
  let peak = 0, samples = 0, rows = 0;
  const started = performance.now();
  const sample = () => {
    const rss = process.memoryUsage.rss();
    samples++;
    if (rss > peak) peak = rss;
    return rss;
  };
  try {
    say(`linking ${total} inputs to ${distinct} distinct JPEGs in ${work}`);
    const files = linkFarm(join(work, "images"), src.files, total);
    const baseline = process.memoryUsage.rss();
    const sampler = setInterval(sample, 50);
    const ticker = setInterval(() => o.onTick?.({ rows, total, rssMB: process.memoryUsage.rss() / MB, peakMB: peak / MB, elapsedMs: performance.now() - started }), 500);
    let r;
    try {
      r = await runSluicePipeline({
        files, model, output: join(work, "predictions"), deadLetters: join(work, "dead-letters.jsonl"),
        onProgress: (n) => (rows = n), progressEveryMs: 100,
      });
    } finally {
      clearInterval(sampler);
      clearInterval(ticker);
    }
    sample();
    if (r.rows !== total) throw new Error(`the pipeline wrote ${r.rows} rows for ${total} images`);
    const maxRssMB = process.resourceUsage().maxRSS / 1024;
    const mem = process.memoryUsage();
    const peakMB = peak / MB;
    return {
      benchmark: "memory",
      date: new Date().toISOString(),
      machine: { cpus: availableParallelism(), cpuModel: cpus()[0]?.model ?? "?", node: process.version, loadAvg: loadavg()[0]! },
      model: model.description,
      images: total,
      distinct,
      baselineMB: baseline / MB,
      peakSampledMB: peakMB,
      maxRssMB,
      samples,
      endHeapUsedMB: mem.heapUsed / MB,
      endExternalMB: mem.external / MB,
      wallMs: r.wallMs,
      imagesPerSec: (total / r.wallMs) * 1e3,
      steps: r.steps,
      via: r.via,
      targets: [
        atMost("peak RSS over the run (max of sampler and kernel maxRSS)", Math.max(peakMB, maxRssMB), 500, " MB", `sampled peak ${peakMB.toFixed(0)} MB (${samples} samples), maxRSS ${maxRssMB.toFixed(0)} MB, baseline ${(baseline / MB).toFixed(0)} MB`),
      ],
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
