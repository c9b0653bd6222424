/** Targets of the application benchmarks: a measured figure, its goal in words, and the verdict. */

import type { Target } from "./kernel-bench.js";

/** A kernel-bench `Target` plus the goal as text, since some goals are upper bounds. */
export interface BenchTarget extends Target {
  goal: string;
}

/** measured ≥ threshold passes. */
export function atLeast(name: string, measured: number, threshold: number, unit: string, detail: string): BenchTarget {
  return { name, measured, threshold, unit, detail, pass: measured >= threshold, goal: `≥ ${threshold}${unit}` };
}

/** measured ≤ threshold passes. */
export function atMost(name: string, measured: number, threshold: number, unit: string, detail: string): BenchTarget {
  return { name, measured, threshold, unit, detail, pass: measured <= threshold, goal: `≤ ${threshold}${unit}` };
}
