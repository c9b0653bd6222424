/**
 * The plan-wide top-level keys of a spec file (`batchRows`, `backend`, `channel`,
 * `deadLetters`, `checkpoint`, `failures`). Their shapes are checked here rather than by the catalog,
 * which only knows op arguments; each error points at the offending value.
 */

import { extname } from "node:path";
import { isMap, isScalar, isSeq, type Node as YamlNode } from "yaml";
import { formatFailurePath, readFailureSpecs, type FailurePath, type FailureSpec } from "../executor/failure-injection.js";
import type { DeadLetterSpec, PlanOptions, SourceLocation } from "./logical-plan.js";
import { describeNode, type SpecDocument, type SpecEntry } from "./spec-nodes.js";

export const BACKENDS = ["auto", "js", "wasm", "webgpu"] as const;
export type BackendChoice = (typeof BACKENDS)[number];

/** Durations a spec may write for `checkpoint.interval`: `500ms`, `1s`, `1.5s`, `2m`, `1h`. */
const DURATION = /^\d+(\.\d+)?(ms|s|m|h)$/;

/** Reads one top-level option into `options`; false when `entry.key` is not an option. */
export function readOption(spec: SpecDocument, entry: SpecEntry, options: PlanOptions): boolean {
  switch (entry.key) {
    case "batchRows":
      options.batchRows = positiveInteger(spec, entry);
      return true;
    case "backend":
      options.backend = backendValue(spec, entry);
      return true;
    case "channel":
      options.channel = channel(spec, entry);
      return true;
    case "deadLetters":
      options.deadLetters = deadLetters(spec, entry);
      return true;
    case "checkpoint":
      options.checkpoint = checkpoint(spec, entry);
      return true;
    case "failures":
      options.failures = failures(spec, entry);
      return true;
    default:
      return false;
  }
}

/** A non-empty string value, or a PlanError at the value. */
export function nonEmptyString(spec: SpecDocument, entry: SpecEntry, step?: string): string {
  const v = scalarValue(entry.value);
  if (typeof v !== "string" || v === "") {
    throw spec.error(`'${entry.key}' must be a non-empty string; got ${describeNode(entry.value)}`, entry.valueAt, step);
  }
  return v;
}

/** A positive integer value, or a PlanError at the value. */
export function positiveInteger(spec: SpecDocument, entry: SpecEntry, step?: string): number {
  const v = scalarValue(entry.value);
  if (typeof v !== "number" || !Number.isInteger(v) || v <= 0) {
    throw spec.error(`'${entry.key}' must be a positive integer; got ${describeNode(entry.value)}`, entry.valueAt, step);
  }
  return v;
}

/** One of `auto | js | wasm | webgpu`, or a PlanError at the value. */
export function backendValue(spec: SpecDocument, entry: SpecEntry, step?: string): BackendChoice {
  return oneOf(spec, entry, BACKENDS, step);
}

function oneOf<T extends string>(spec: SpecDocument, entry: SpecEntry, allowed: readonly T[], step?: string): T {
  const v = scalarValue(entry.value);
  if (typeof v !== "string" || !(allowed as readonly string[]).includes(v)) {
    throw spec.error(`'${entry.key}' must be one of ${allowed.join(" | ")}; got ${describeNode(entry.value)}`, entry.valueAt, step);
  }
  return v as T;
}

function scalarValue(node: YamlNode | null): unknown {
  return isScalar(node) ? node.value : undefined;
}

/** The entries of an option's mapping, refusing keys outside `known` (typos would be ignored). */
function subEntries(spec: SpecDocument, entry: SpecEntry, known: readonly string[]): SpecEntry[] {
  if (!entry.value) throw spec.error(`'${entry.key}' must be a mapping; got nothing (null)`, entry.valueAt);
  const entries = spec.entries(entry.value, `'${entry.key}'`);
  for (const e of entries) {
    if (!known.includes(e.key)) throw spec.error(`unknown key '${e.key}' in '${entry.key}' (known: ${known.join(", ")})`, e.at);
  }
  return entries;
}

function channel(spec: SpecDocument, entry: SpecEntry): NonNullable<PlanOptions["channel"]> {
  const out: NonNullable<PlanOptions["channel"]> = {};
  for (const e of subEntries(spec, entry, ["maxBatches", "maxBytes"])) {
    out[e.key as "maxBatches" | "maxBytes"] = positiveInteger(spec, e);
  }
  return out;
}

/** A path, or `{ path, format }`; the format defaults from the extension (`.arrow`/`.arrows`). */
function deadLetters(spec: SpecDocument, entry: SpecEntry): DeadLetterSpec {
  const formatOf = (path: string): DeadLetterSpec["format"] => ([".arrow", ".arrows"].includes(extname(path).toLowerCase()) ? "arrow" : "jsonl");
  if (typeof scalarValue(entry.value) === "string") {
    const path = nonEmptyString(spec, entry);
    return { path, format: formatOf(path) };
  }
  if (!isMap(entry.value)) {
    throw spec.error(`'deadLetters' must be a path or { path, format }; got ${describeNode(entry.value)}`, entry.valueAt);
  }
  let path: string | undefined;
  let format: DeadLetterSpec["format"] | undefined;
  for (const e of subEntries(spec, entry, ["path", "format"])) {
    if (e.key === "path") path = nonEmptyString(spec, e);
    else format = oneOf(spec, e, ["jsonl", "arrow"] as const);
  }
  if (path === undefined) throw spec.error(`'deadLetters' needs a 'path'`, entry.valueAt);
  return { path, format: format ?? formatOf(path) };
}

/** Stored for the checkpoint issue; only the shapes are checked here. */
function checkpoint(spec: SpecDocument, entry: SpecEntry): NonNullable<PlanOptions["checkpoint"]> {
  const out: NonNullable<PlanOptions["checkpoint"]> = {};
  for (const e of subEntries(spec, entry, ["interval", "dir", "mode", "timeout", "keep", "restarts"])) {
    if (e.key === "dir") out.dir = nonEmptyString(spec, e);
    else if (e.key === "mode") out.mode = oneOf(spec, e, ["aligned", "unaligned"] as const);
    else if (e.key === "keep") out.keep = positiveInteger(spec, e);
    else if (e.key === "restarts") {
      const v = scalarValue(e.value);
      if (typeof v !== "number" || !Number.isInteger(v) || v < 0) throw spec.error(`'restarts' must be a non-negative integer; got ${describeNode(e.value)}`, e.valueAt);
      out.restarts = v;
    } else {
      const v = scalarValue(e.value);
      const ok = (typeof v === "number" && Number.isFinite(v) && v > 0) || (typeof v === "string" && DURATION.test(v));
      if (!ok) {
        throw spec.error(`'${e.key}' must be a duration like 500ms, 1s or 2m, or a number of milliseconds; got ${describeNode(e.value)}`, e.valueAt);
      }
      if (e.key === "interval") out.interval = v as string | number;
      else out.timeout = v as string | number;
    }
  }
  if (out.dir === undefined) throw spec.error("'checkpoint' needs 'dir': the directory where checkpoints and region logs are kept", entry.valueAt);
  return out;
}

/** `failures:` — a list of { step, kind, at, times?, seed? }; each error at the offending value. */
function failures(spec: SpecDocument, entry: SpecEntry): FailureSpec[] {
  return readFailureSpecs(spec.toJS(entry), (path, problem) => {
    throw spec.error(`'${formatFailurePath("failures", path)}' ${problem}`, failureAt(spec, entry, path));
  });
}

/** Where `path` (item index, then keys) is inside `failures:`; the nearest written part of it. */
function failureAt(spec: SpecDocument, entry: SpecEntry, path: FailurePath): SourceLocation {
  let at = entry.valueAt;
  let node = entry.value;
  for (const key of path) {
    const resolved = spec.resolve(node);
    if (typeof key === "number" && isSeq(resolved)) {
      const item = resolved.items[key] as YamlNode | null | undefined;
      if (!item) break;
      at = spec.at(item);
      node = item;
    } else if (typeof key === "string" && isMap(resolved)) {
      const e = spec.entries(resolved, "a failure").find((x) => x.key === key);
      if (!e) break;
      at = e.valueAt;
      node = e.value;
    } else break;
  }
  return at;
}

/**
 * Refuses a failure naming a step the spec does not have, at that failure's `step`: a typo
 * would silently inject nothing. Only transform steps run as operators, so only they qualify.
 */
export function checkFailureStepNames(spec: SpecDocument, entry: SpecEntry, failures: readonly FailureSpec[], steps: { source: string; transforms: readonly string[]; sink?: string }): void {
  failures.forEach((f, i) => {
    if (steps.transforms.includes(f.step)) return;
    const known = `steps: ${steps.transforms.join(", ") || "none"}`;
    const role = f.step === steps.source ? "source" : f.step === steps.sink ? "sink" : undefined;
    const why = role ? `the ${role}: failures can be injected into transform steps only` : "which is not a step of this pipeline";
    throw spec.error(`'${formatFailurePath("failures", [i, "step"])}' names '${f.step}', ${why} (${known})`, failureAt(spec, entry, [i, "step"]));
  });
}
