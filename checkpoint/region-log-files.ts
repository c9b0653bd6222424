/**
 * What a region log (see region-log.ts) keeps on disk, and the JSON it hands to checkpoints:
 *
 *   seg-00000000.arrows              sealed segments, immutable, numbered from 0 without gaps
 *   seg-00000003.arrows.inprogress   the segment being written (never read)
 *   _end.json                        end marker: the final segment count (the upstream finished)
 *   _truncated.json                  segments below `before` were deleted on purpose
 *
 * Segments are in the Arrow IPC *stream* format (`.arrows`, as the repo names it), not the file
 * format: batches crossing an edge often carry their own dictionaries (every string column built
 * by `tableFromArrays`, every Parquet row group), and only the stream format may replace a
 * dictionary between batches — the file format's writer throws. What the file format's footer
 * would give is covered otherwise: a restart mid-segment decodes the batches before its position
 * again (one segment at most), and a segment cut short is detected by its missing end-of-stream
 * marker (a stream cut at a message boundary would otherwise read as a valid, shorter one).
 *
 * Everything read back is parsed strictly: a file or committable from another log, or a damaged
 * one, is a CheckpointError, never a reason to delete or publish segments.
 */

import { sameType } from "../runtime/types/same-type.js";
import { open, readFile, rename, stat } from "node:fs/promises";
import { join } from "node:path";
import type { DataType } from "apache-arrow";
import { errnoCode, messageOf } from "../connectors/errors.js";
import { fsyncDir, removeFile } from "../connectors/files/durable-fs.js";
import { arrowFormat } from "../connectors/sinks/arrow-format.js";
import type { PartWriter } from "../connectors/sinks/part-writer.js";
import type { SinkCommittable } from "../runtime/api/sink.js";
import type { Batch, Json, Schema } from "../runtime/api/stream.js";
import { CheckpointError } from "./checkpoint-error.js";

/** The committable's `kind`; parsing rejects anything else. */
export const REGION_LOG_COMMITTABLE = "sluice.region-log";
/** The end marker: the final segment count, written once the upstream finished. */
export const END_MARKER = "_end.json";
/** Segments below `before` were deleted on purpose (so recovery tells them from lost ones). */
export const TRUNCATED_MARKER = "_truncated.json";
const END_KIND = "sluice.region-log-end";
const TRUNCATED_KIND = "sluice.region-log-truncated";
export const IN_PROGRESS = ".inprogress";
export const TMP = ".tmp";
/** The stream format, for its replacement dictionaries (see above). */
const SEGMENT_FORMAT = arrowFormat("stream");

/** Sealed segment names sort in segment order: `seg-00000042.arrows`. */
export const SEGMENT_NAME = /^seg-(\d{8,})\.arrows$/;

export function segmentFile(segment: number): string {
  return `seg-${String(segment).padStart(8, "0")}.arrows`;
}

export function logError(log: string, message: string, cause?: unknown): CheckpointError {
  return new CheckpointError(`region log '${log}': ${message}`, cause === undefined ? {} : { cause });
}

/** Runs a filesystem step, reporting a failure as a CheckpointError naming the log and path. */
export async function fsStep<T>(log: string, path: string, action: string, step: (path: string) => Promise<T>): Promise<T> {
  try {
    return await step(path);
  } catch (e) {
    if (e instanceof CheckpointError) throw e;
    throw logError(log, `${path}: ${action}: ${messageOf(e)}`, e);
  }
}

/** True when two schemas have the same column names and types (metadata aside). */
export function sameColumns(a: Schema, b: Schema): boolean {
  return a.fields.length === b.fields.length && a.fields.every((f, i) => f.name === b.fields[i]!.name && sameType(f.type, b.fields[i]!.type));
}

export function describeColumns(s: Schema): string {
  return `[${s.fields.map((f) => `${f.name}: ${String(f.type)}`).join(", ")}]`;
}

// ---- committable ----

export function committableJson(log: string, upTo: number): Json {
  return { kind: REGION_LOG_COMMITTABLE, log, upTo };
}

/** The segment count a committable commits; throws unless it is exactly this log's. */
export function parseCommittable(log: string, value: SinkCommittable): number {
  const bad = (why: string): CheckpointError => logError(log, `invalid committable (${why}): ${JSON.stringify(value)?.slice(0, 200)}`);
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw bad("not an object");
  const { kind, log: owner, upTo } = value;
  if (kind !== REGION_LOG_COMMITTABLE) throw bad(`kind is not '${REGION_LOG_COMMITTABLE}'`);
  if (owner !== log) throw bad(`it belongs to region log '${String(owner)}'`);
  if (typeof upTo !== "number" || !Number.isSafeInteger(upTo) || upTo < 0) throw bad("upTo is not a non-negative integer");
  if (Object.keys(value).length !== 3) throw bad("unexpected fields");
  return upTo;
}

// ---- markers ----

type Marker = "end" | "truncated";
const MARKERS: Record<Marker, { file: string; kind: string; field: string }> = {
  end: { file: END_MARKER, kind: END_KIND, field: "segments" },
  truncated: { file: TRUNCATED_MARKER, kind: TRUNCATED_KIND, field: "before" },
};

/** The number a marker holds, or undefined when there is none. */
export async function readMarker(log: string, dir: string, marker: Marker): Promise<number | undefined> {
  const { file, kind, field } = MARKERS[marker];
  const path = join(dir, file);
  let v: Json;
  try {
    v = JSON.parse(await readFile(path, "utf8")) as Json;
  } catch (e) {
    if (errnoCode(e) === "ENOENT") return undefined;
    throw logError(log, `cannot read ${path} (damaged?): ${messageOf(e)}`, e);
  }
  const o = v !== null && typeof v === "object" && !Array.isArray(v) ? v : {};
  const n = o[field];
  if (o["kind"] !== kind || o["log"] !== log || typeof n !== "number" || !Number.isSafeInteger(n) || n < 0) {
    throw logError(log, `${path} is not this log's ${marker} marker: ${JSON.stringify(v).slice(0, 200)}`);
  }
  return n;
}

/** Writes a marker atomically and durably: tmp, fsync, rename, fsync the directory. */
export async function writeMarker(log: string, dir: string, marker: Marker, n: number): Promise<void> {
  const { file, kind, field } = MARKERS[marker];
  const path = join(dir, file);
  await fsStep(log, path, "cannot write", async () => {
    const fh = await open(path + TMP, "w");
    try {
      await fh.writeFile(JSON.stringify({ kind, log, [field]: n }) + "\n");
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(path + TMP, path);
    await fsyncDir(dir);
  });
}

export async function removeMarker(log: string, dir: string, marker: Marker): Promise<void> {
  await fsStep(log, join(dir, MARKERS[marker].file), "cannot delete", (p) => removeFile(p));
}

// ---- segments being written ----

export interface OpenSegment {
  readonly index: number;
  /** The `.inprogress` file. */
  readonly path: string;
  readonly writer: PartWriter;
  /** Byte offsets of the batches in memory terms: `cum[i]` bytes come before batch i. */
  readonly cum: number[];
  /** The writer's copies for an in-process reader (undefined where over the cache budget). */
  readonly mem: (Batch | undefined)[];
}

export async function startSegment(log: string, dir: string, index: number, schema: Schema): Promise<OpenSegment> {
  const path = join(dir, segmentFile(index) + IN_PROGRESS);
  const writer = await fsStep(log, path, "cannot create", (p) => SEGMENT_FORMAT.create(p, schema));
  return { index, path, writer, cum: [0], mem: [] };
}

/** Completes and fsyncs a segment, gives it its sealed name and syncs the directory; its size. */
export async function sealSegment(log: string, dir: string, seg: OpenSegment): Promise<number> {
  const final = join(dir, segmentFile(seg.index));
  try {
    await seg.writer.finish();
    await rename(seg.path, final);
    await fsyncDir(dir);
    return (await stat(final)).size;
  } catch (e) {
    throw logError(log, `cannot seal segment ${seg.path}: ${messageOf(e)}`, e);
  }
}

/** Drops a segment that was never sealed, so nothing can refer to it. */
export async function discardSegment(seg: OpenSegment): Promise<void> {
  await seg.writer.discard().catch(() => undefined);
  await removeFile(seg.path).catch(() => undefined);
}

/** One pending wake-up shared by every waiter; `notify` resolves it and starts the next. */
export class Wake {
  private promise: Promise<void> | undefined;
  private resolve: (() => void) | undefined;

  wait(): Promise<void> {
    this.promise ??= new Promise((r) => (this.resolve = r));
    return this.promise;
  }

  notify(): void {
    const r = this.resolve;
    this.promise = this.resolve = undefined;
    r?.();
  }
}

/** A sealed segment on disk. */
export interface Segment {
  /** Batch bytes (in-memory size) when written here; the file size for segments found on disk. */
  bytes: number;
  fileBytes: number;
  batches: number | undefined;
  /** Byte offsets of the batches, when written in this process (exact backpressure). */
  cum: number[] | undefined;
  /** The writer's copies for an in-process reader; entries are dropped as they are read. */
  mem: (Batch | undefined)[] | undefined;
}
