/**
 * Measurement for `sluice bench`: repeated timed runs, medians, and ratios against a peer timed
 * in the same process, because machines here are noisy and absolute times mean little.
 */

import { performance } from "node:perf_hooks";
import { quantile } from "../runtime/api/quantile.js";

export interface MeasureOptions {
  /** Untimed runs first (JIT, caches, pipeline compilation). Default 3. */
  warmup?: number;
  /** At least this many timed runs. Default 7. */
  minRuns?: number;
  /** Keep running until this much time has been spent (and minRuns reached). Default 300 ms. */
  minTimeMs?: number;
  /** Never more than this many timed runs. Default 200. */
  maxRuns?: number;
}

export interface Sample {
  /** Median of the timed runs, ms. */
  medianMs: number;
  /** 10th and 90th percentiles, ms: the spread a reader should see next to the median. */
  p10Ms: number;
  p90Ms: number;
  runs: number;
}

export { quantile };

export function summarize(times: readonly number[]): Sample {
  const s = [...times].sort((a, b) => a - b);
  return { medianMs: quantile(s, 0.5), p10Ms: quantile(s, 0.1), p90Ms: quantile(s, 0.9), runs: s.length };
}

/** Times `fn` (sync or async) repeatedly and returns the median and spread. */
export async function measure(fn: () => unknown, opts: MeasureOptions = {}): Promise<Sample> {
  const warmup = opts.warmup ?? 3, minRuns = opts.minRuns ?? 7, minTime = opts.minTimeMs ?? 300, maxRuns = opts.maxRuns ?? 200;
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  const start = performance.now();
  while (times.length < maxRuns && (times.length < minRuns || performance.now() - start < minTime)) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return summarize(times);
}

/**
 * Times two functions interleaved (A, B, A, B, …) so drift in machine load hits both alike;
 * returns both samples and the ratio of medians (peer / ours: > 1 means ours is faster).
 */
export async function compare(
  ours: () => unknown,
  peer: () => unknown,
  opts: MeasureOptions = {},
): Promise<{ ours: Sample; peer: Sample; speedup: number }> {
  const warmup = opts.warmup ?? 3, minRuns = opts.minRuns ?? 7, minTime = opts.minTimeMs ?? 300, maxRuns = opts.maxRuns ?? 200;
  for (let i = 0; i < warmup; i++) {
    await ours();
    await peer();
  }
  const a: number[] = [], b: number[] = [];
  const start = performance.now();
  while (a.length < maxRuns && (a.length < minRuns || performance.now() - start < 2 * minTime)) {
    let t0 = performance.now();
    await ours();
    a.push(performance.now() - t0);
    t0 = performance.now();
    await peer();
    b.push(performance.now() - t0);
  }
  const o = summarize(a), p = summarize(b);
  return { ours: o, peer: p, speedup: p.medianMs / o.medianMs };
}

/** Elements per second and GB/s for `bytes` moved in `ms`. */
export function rates(elements: number, bytes: number, ms: number): { elementsPerSec: number; gbPerSec: number } {
  return { elementsPerSec: (elements / ms) * 1e3, gbPerSec: bytes / ms / 1e6 };
}
