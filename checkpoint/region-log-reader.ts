/**
 * The reading end of a region log (see region-log.ts): positions, segment files, and the loop
 * that hands committed batches to the downstream region. It sees the log only through
 * `ReaderHost`, so all state stays owned (and mutated) by `RegionLog`.
 *
 * Batches come from the writer's in-memory copy when this process wrote them and no reader has
 * taken them yet, and otherwise from the sealed segment file (Arrow IPC stream format, read front
 * to back: a restart mid-segment decodes the batches before its position again). Either way a
 * batch is handed out only while its segment is committed, so the downstream never sees output
 * the upstream may still take back.
 */

import { open, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { RecordBatchReader } from "apache-arrow";
import { errnoCode, messageOf } from "../connectors/errors.js";
import { retype } from "../connectors/sources/schema-check.js";
import type { PositionedBatch, SourcePosition } from "../runtime/api/source.js";
import type { Batch, Json, Schema } from "../runtime/api/stream.js";
import { CheckpointError } from "./checkpoint-error.js";
import { describeColumns, logError, sameColumns, segmentFile } from "./region-log-files.js";

/**
 * The next batch to read: batch `batch` of segment `segment`. After a segment's last batch the
 * position is `{ segment: segment + 1, batch: 0 }`. A type alias (not an interface) so that it
 * is assignable to `Json` and can be stored in a checkpoint as it is.
 */
export type RegionLogPosition = { segment: number; batch: number };

/** What the reader knows of one sealed segment. */
export interface SegmentView {
  /** Number of batches, when known (written in this process, or learned from the file). */
  readonly batches: number | undefined;
  /** The writer's copies of the batches not yet taken by a reader (holes: read from the file). */
  readonly mem: readonly (Batch | undefined)[] | undefined;
}

/** The log's state as the reader sees it; implemented by `RegionLog`. */
export interface ReaderHost {
  /** The log's name, for errors. */
  readonly log: string;
  readonly dir: string;
  readonly schema: Schema;
  readonly recovered: boolean;
  /** Segments below this are committed (visible). */
  readonly committed: number;
  /** Segments below this were truncated. */
  readonly low: number;
  /** The final segment count once the end marker is written. */
  readonly end: number | undefined;
  /** Bumped whenever `recover` lowers `committed`: segments at or above it may be rewritten. */
  readonly rollbacks: number;
  /** A sealed segment still on disk, or undefined. */
  segment(n: number): SegmentView | undefined;
  learnedBatchCount(segment: number, batches: number): void;
  /** A new `read()` starts at `from`; it becomes the reader whose position backpressure uses. */
  startReader(from: RegionLogPosition): number;
  /** Batch `batch` of `segment` is about to be handed out; `next` is the position after it. */
  handedOut(reader: number, segment: number, batch: number, next: RegionLogPosition): void;
  /** Resolves at the next change of state (commit, end, recover, truncation). */
  changed(): Promise<void>;
}

export function formatPosition(p: RegionLogPosition): string {
  return `(segment ${p.segment}, batch ${p.batch})`;
}

/** Parses a stored position strictly: anything else is a damaged or foreign checkpoint. */
export function parsePosition(log: string, value: SourcePosition): RegionLogPosition {
  const o = value !== null && typeof value === "object" && !Array.isArray(value) ? (value as { [key: string]: Json }) : undefined;
  const { segment, batch } = o ?? {};
  const ok = (n: Json | undefined): n is number => typeof n === "number" && Number.isSafeInteger(n) && n >= 0;
  if (o === undefined || !ok(segment) || !ok(batch) || Object.keys(o).length !== 2) {
    throw logError(log, `invalid read position ${JSON.stringify(value)?.slice(0, 200)}: expected { segment, batch } with non-negative integers`);
  }
  return { segment, batch };
}

/** A sealed stream ends with the end-of-stream marker: continuation token, zero length. */
const EOS = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0);

/** One sealed segment file, read front to back (the stream format has no index). */
class SegmentFile {
  /** Set once the end of the stream was reached: the segment's batch count. */
  count: number | undefined;
  private next = 0;
  private last: { index: number; batch: Batch } | undefined;

  private constructor(
    private readonly fh: FileHandle,
    private readonly batches: AsyncIterator<Batch>,
    readonly path: string,
    private readonly host: ReaderHost,
  ) {}

  static async open(host: ReaderHost, segment: number): Promise<SegmentFile> {
    const path = join(host.dir, segmentFile(segment));
    let fh: FileHandle;
    try {
      fh = await open(path, "r");
    } catch (e) {
      if (errnoCode(e) === "ENOENT") {
        throw logError(host.log, `segment file ${path} is missing, although segment ${segment} is committed and not truncated (deleted by hand?)`, e);
      }
      throw logError(host.log, `cannot open segment file ${path}: ${messageOf(e)}`, e);
    }
    try {
      // A stream cut at a message boundary reads as a valid, shorter one: only the marker tells.
      const { size } = await fh.stat();
      const tail = new Uint8Array(EOS.length);
      if (size < EOS.length || (await fh.read(tail, 0, EOS.length, size - EOS.length)).bytesRead !== EOS.length || !tail.every((v, i) => v === EOS[i])) {
        throw new Error("it does not end with the end-of-stream marker");
      }
      const reader = (await RecordBatchReader.from(fh)) as RecordBatchReader;
      await reader.open();
      if (!reader.isStream()) throw new Error("not in the Arrow IPC stream format");
      if (!sameColumns(host.schema, reader.schema)) throw new Error(`its schema ${describeColumns(reader.schema)} is not the log's ${describeColumns(host.schema)}`);
      return new SegmentFile(fh, (reader as AsyncIterable<Batch>)[Symbol.asyncIterator](), path, host);
    } catch (e) {
      await fh.close().catch(() => undefined);
      throw corrupt(host, path, e);
    }
  }

  /** Batch `index` (never before the last one asked for), or undefined past the end. */
  async at(index: number): Promise<Batch | undefined> {
    if (this.last?.index === index) return this.last.batch;
    if (index < this.next) throw new Error(`internal: segment ${this.path} read backwards`);
    try {
      while (this.next <= index) {
        const r = await this.batches.next();
        if (r.done === true) {
          this.count = this.next;
          return undefined;
        }
        this.last = { index: this.next++, batch: retype(r.value, this.host.schema) };
      }
    } catch (e) {
      throw corrupt(this.host, this.path, e);
    }
    return this.last!.batch;
  }

  async close(): Promise<void> {
    await this.fh.close().catch(() => undefined);
  }
}

function corrupt(host: ReaderHost, path: string, e: unknown): CheckpointError {
  if (e instanceof CheckpointError) return e;
  return logError(host.log, `segment file ${path} is corrupt or truncated: ${messageOf(e)}`, e);
}

/** Waits for the host's next change; rejects with the abort reason when `signal` aborts first. */
function nextChange(host: ReaderHost, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    void host.changed().then(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    });
  });
}

/** Checks a starting position against what the log holds now. */
function checkStart(host: ReaderHost, pos: RegionLogPosition): void {
  if (pos.segment < host.low) {
    throw logError(
      host.log,
      `cannot read from position ${formatPosition(pos)}: segments before ${host.low} were truncated (the downstream's checkpoint is older than the oldest one it keeps, or it was lost)`,
    );
  }
  if (pos.segment > host.committed || (pos.segment === host.committed && pos.batch > 0)) {
    throw logError(
      host.log,
      `the downstream's position ${formatPosition(pos)} is beyond the ${host.committed} segment(s) the upstream's checkpoint committed: the upstream's checkpoint is older than the downstream's, so the two regions cannot resume consistently`,
    );
  }
}

/**
 * Yields every committed batch from `from` on, waiting for commits when caught up, until the
 * end marker's segment count is reached. See `RegionLog.source`.
 */
export async function* readLog(host: ReaderHost, from: SourcePosition | undefined, signal: AbortSignal): AsyncGenerator<PositionedBatch> {
  signal.throwIfAborted();
  if (!host.recovered) throw logError(host.log, `read before recover(); the log's upstream end must be recovered first`);
  let pos = from === undefined ? { segment: 0, batch: 0 } : parsePosition(host.log, from);
  checkStart(host, pos);
  const id = host.startReader(pos);
  let file: SegmentFile | undefined;
  try {
    segments: for (;;) {
      signal.throwIfAborted();
      if (host.end !== undefined && pos.segment >= host.end) return;
      if (pos.segment >= host.committed) {
        await nextChange(host, signal);
        continue;
      }
      const s = pos.segment;
      if (s < host.low) checkStart(host, pos);
      const rollbacks = host.rollbacks;
      if (host.segment(s) === undefined) throw logError(host.log, `committed segment ${s} (${join(host.dir, segmentFile(s))}) is not on disk`);
      // Known for segments written in this process; otherwise learned at the end of the file.
      let count = host.segment(s)!.batches;
      const pastEnd = (n: number): CheckpointError =>
        logError(host.log, `position ${formatPosition(pos)} is past the end of segment ${s}, which holds ${n} batch(es)`);
      if (count !== undefined && pos.batch > count) throw pastEnd(count);
      /** Batch `b` of this segment from memory or the file; undefined past the end. */
      const batchAt = async (b: number): Promise<Batch | undefined> => {
        if (count !== undefined && b >= count) return undefined;
        const cached = host.segment(s)?.mem?.[b];
        if (cached !== undefined) return cached;
        file ??= await SegmentFile.open(host, s);
        const got = await file.at(b);
        if (got !== undefined) return got;
        if (count !== undefined) throw corrupt(host, file.path, new Error(`it holds ${file.count} batch(es), ${count} were written`));
        count = file.count!;
        host.learnedBatchCount(s, count);
        return undefined;
      };
      /** Reads with `batchAt`; true when a recover took this segment back meanwhile. */
      const takenBack = (): boolean => host.rollbacks !== rollbacks && s >= host.committed;
      const read = async (b: number): Promise<Batch | undefined | "taken back"> => {
        try {
          const got = await batchAt(b);
          return takenBack() ? "taken back" : got;
        } catch (e) {
          // Its file may be gone or rewritten: that is no error, the new content comes later.
          if (takenBack()) return "taken back";
          throw e;
        }
      };
      let batch = await read(pos.batch);
      if (batch === undefined && count !== undefined && pos.batch > count) throw pastEnd(count);
      while (batch !== undefined) {
        const b = pos.batch;
        // The position after the last batch is the next segment's start: look one batch ahead.
        const following = batch === "taken back" ? batch : await read(b + 1);
        signal.throwIfAborted();
        if (batch === "taken back" || following === "taken back") {
          await file?.close();
          file = undefined;
          continue segments;
        }
        const next = following !== undefined ? { segment: s, batch: b + 1 } : { segment: s + 1, batch: 0 };
        host.handedOut(id, s, b, next);
        pos = next;
        yield { batch, position: { ...next } };
        batch = following;
      }
      await file?.close();
      file = undefined;
      pos = { segment: s + 1, batch: 0 };
    }
  } finally {
    await file?.close();
  }
}
