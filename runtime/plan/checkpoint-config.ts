/**
 * The `checkpoint:` settings of a plan, resolved for a run: durations in ms, the directory
 * absolute, defaults filled in. Invalid values are CheckpointErrors that say which key and why
 * (spec files are also checked when parsed; a DataFrame's `.options()` only here).
 */

import { createHash } from "node:crypto";
import { resolve } from "node:path";
import { CheckpointError } from "../../checkpoint/checkpoint-error.js";
import type { PhysicalPlan } from "./physical-plan.js";

export interface CheckpointConfig {
  /** Absolute directory holding the region stores and region logs. */
  dir: string;
  intervalMs: number;
  unaligned: boolean;
  /** Checkpoints kept per region. */
  keep: number;
  /** A barrier that does not get through in this long fails its region. */
  timeoutMs: number;
  /** Restarts of one region (in this process) before the run fails. */
  maxRestarts: number;
}

export const CHECKPOINT_DEFAULTS = { intervalMs: 10_000, keep: 3, maxRestarts: 3, minTimeoutMs: 60_000 };

/** `500ms`, `1s`, `1.5s`, `2m`, `1h`, or a number of ms. */
export function parseDuration(value: string | number, what: string): number {
  if (typeof value === "number") {
    if (Number.isFinite(value) && value > 0) return value;
    throw new CheckpointError(`${what} must be a positive duration; got ${value}`);
  }
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(value.trim());
  if (!m) throw new CheckpointError(`${what} must be a duration like 500ms, 1s, 2m or 1h; got '${value}'`);
  const n = Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as "ms" | "s" | "m" | "h"];
  if (n <= 0) throw new CheckpointError(`${what} must be positive; got '${value}'`);
  return n;
}

/** The plan's checkpoint settings, or undefined when it does not checkpoint. */
export function checkpointConfig(p: PhysicalPlan): CheckpointConfig | undefined {
  const c = p.logical.options.checkpoint;
  if (!c) return undefined;
  if (!c.dir) throw new CheckpointError("checkpoint.dir is required: the directory where checkpoints and region logs are kept");
  const intervalMs = c.interval === undefined ? CHECKPOINT_DEFAULTS.intervalMs : parseDuration(c.interval, "checkpoint.interval");
  const timeoutMs = c.timeout === undefined ? Math.max(CHECKPOINT_DEFAULTS.minTimeoutMs, 10 * intervalMs) : parseDuration(c.timeout, "checkpoint.timeout");
  const keep = c.keep ?? CHECKPOINT_DEFAULTS.keep;
  const maxRestarts = c.restarts ?? CHECKPOINT_DEFAULTS.maxRestarts;
  if (!Number.isSafeInteger(keep) || keep < 1) throw new CheckpointError(`checkpoint.keep must be a positive integer; got ${keep}`);
  if (!Number.isSafeInteger(maxRestarts) || maxRestarts < 0) throw new CheckpointError(`checkpoint.restarts must be a non-negative integer; got ${maxRestarts}`);
  return { dir: resolve(p.logical.baseDir, c.dir), intervalMs, unaligned: c.mode === "unaligned", keep, timeoutMs, maxRestarts };
}

/**
 * What a checkpoint's state depends on: the source, every step (op, name, arguments), the region
 * cuts and the sink. Placement that does not change state (parallelism, backend, batch sizes)
 * is left out, so tuning a pipeline does not orphan its checkpoints.
 */
export function planFingerprint(p: PhysicalPlan): string {
  const node = (s: { op: string; name: string; args: unknown }) => ({ op: s.op, name: s.name, args: s.args });
  const shape = {
    source: node(p.source.step),
    regions: p.regions.map((r) => ({ name: r.name, steps: r.steps.map((s) => ({ ...node(s.step), fused: s.fused })) })),
    sink: p.sink ? node(p.sink.step) : null,
  };
  return createHash("sha256").update(JSON.stringify(shape)).digest("hex").slice(0, 16);
}
