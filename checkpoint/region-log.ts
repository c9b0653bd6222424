/**
 * The persisted edge between two pipeline regions when checkpointing is on. The upstream region
 * writes it as its two-phase-commit sink, the downstream region reads it as its replayable
 * source, and each checkpoints its own end: the upstream stores how many segments it committed,
 * the downstream its read position. Readers see committed segments only ("read committed"), so
 * when the upstream fails and restores, nothing the downstream already read is taken back.
 *
 * The log is a directory of numbered Arrow IPC segment files (layout and format in
 * region-log-files.ts). A segment is sealed (end-of-stream written, fsynced, renamed from
 * `.inprogress`, directory fsynced) when it reaches `maxSegmentBytes` and at every checkpoint;
 * sealed is not yet visible. A checkpoint's committable is the count of segments sealed so far;
 * `commit` makes them visible. Recovery keeps exactly the segments the upstream's restored checkpoint committed and
 * deletes the rest, which the upstream will write again. A downstream position past what the
 * upstream's checkpoint committed is reported as the inconsistency it is, never read as whatever
 * the upstream writes next.
 */

import { mkdir, readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { errnoCode, messageOf } from "../connectors/errors.js";
import { fsyncDir, removeFile } from "../connectors/files/durable-fs.js";
import { batchByteSize } from "../connectors/sinks/part-writer.js";
import { relabel } from "../connectors/sources/schema-check.js";
import type { Sink, SinkCommittable, SinkOpenContext } from "../runtime/api/sink.js";
import type { Source, SourcePosition } from "../runtime/api/source.js";
import type { Batch, Json, Schema } from "../runtime/api/stream.js";
import {
  IN_PROGRESS,
  SEGMENT_NAME,
  TMP,
  Wake,
  type Segment,
  committableJson,
  describeColumns,
  discardSegment,
  fsStep,
  logError,
  parseCommittable,
  readMarker,
  removeMarker,
  sameColumns,
  sealSegment,
  segmentFile,
  startSegment,
  writeMarker,
  type OpenSegment,
} from "./region-log-files.js";
import { parsePosition, readLog, type ReaderHost, type RegionLogPosition } from "./region-log-reader.js";

export { END_MARKER, REGION_LOG_COMMITTABLE, TRUNCATED_MARKER, segmentFile } from "./region-log-files.js";
export type { RegionLogPosition } from "./region-log-reader.js";

export interface RegionLogOptions {
  /** Directory of the log; created if missing. One log per directory. */
  dir: string;
  /** The edge's name, e.g. `decode → infer`, for errors and metrics; also stored in committables. */
  name: string;
  /** The schema of the batches that cross the edge. */
  schema: Schema;
  /** Seal a segment once this many bytes (of batch data) were written to it. Default 64 MiB. */
  maxSegmentBytes?: number;
  /**
   * Backpressure: `write` waits while more than this many committed bytes are unread. Also caps
   * the writer's in-memory copies of batches. Default 256 MiB.
   */
  maxUnreadBytes?: number;
}

/** What `RegionLog.stats` reports, for metrics. */
export interface RegionLogStats {
  /** Sealed segments on disk, plus the one being written. */
  segmentsOnDisk: number;
  /** Their sizes (the open segment's counted as the batch bytes written to it so far). */
  bytesOnDisk: number;
  committedSegments: number;
  /** Committed bytes the current reader has not read yet (what backpressure limits). */
  unreadBytes: number;
  /** Batch bytes held in memory for an in-process reader. */
  cachedBytes: number;
  ended: boolean;
}

const MiB = 1024 * 1024;

/**
 * A region log: `sink()` is the upstream's end, `source()` the downstream's. Call `recover`
 * before either end starts, and again before the upstream restarts after a failure.
 */
export class RegionLog {
  readonly name: string;
  readonly dir: string;
  readonly schema: Schema;
  private readonly maxSegmentBytes: number;
  private readonly maxUnreadBytes: number;
  private recovered = false;
  private committed = 0;
  private sealed = 0;
  private low = 0;
  private end: number | undefined;
  private rollbacks = 0;
  private readonly segments = new Map<number, Segment>();
  private current: OpenSegment | undefined;
  /** Bumped by `recover` and the sink's `close`: sink handles from before become stale. */
  private writerGen = 0;
  /** Bumped by `recover` alone: what a handle from before sealed may be gone or rewritten. */
  private epoch = 0;
  private openedGen = -1;
  /** Why the writer cannot write until the next `recover` (closed, broken), if so. */
  private writerDown: string | undefined = "not recovered yet";
  /** The latest `read()`'s position: what unread bytes are counted from. */
  private readPos: RegionLogPosition = { segment: 0, batch: 0 };
  private activeReader = 0;
  private readers = 0;
  /** Segments some reader has read into or started past: `recover` may not take them back. */
  private consumed = 0;
  private cachedBytes = 0;
  private readonly wake = new Wake();
  /** Serializes recover and truncation, which both delete files and move `low`. */
  private fsQueue: Promise<unknown> = Promise.resolve();

  private constructor(opts: RegionLogOptions) {
    this.name = opts.name;
    this.dir = opts.dir;
    this.schema = opts.schema;
    this.maxSegmentBytes = opts.maxSegmentBytes ?? 64 * MiB;
    this.maxUnreadBytes = opts.maxUnreadBytes ?? 256 * MiB;
    for (const [k, v] of [["maxSegmentBytes", this.maxSegmentBytes], ["maxUnreadBytes", this.maxUnreadBytes]] as const) {
      if (!(v > 0)) throw logError(this.name, `${k} must be positive, got ${v}`);
    }
  }

  /** Opens (creating the directory of) a log. Nothing is read until `recover`. */
  static async open(opts: RegionLogOptions): Promise<RegionLog> {
    const log = new RegionLog(opts);
    await fsStep(log.name, log.dir, "cannot create the log directory", (p) => mkdir(p, { recursive: true }));
    return log;
  }

  /**
   * Recovery, before either end starts and before every restart of the upstream: `committable`
   * is the upstream's restored committable, or undefined (or null) when it has no checkpoint.
   * Deletes every segment at or beyond it and every `.inprogress` file (uncommitted output of a
   * failed attempt, which the upstream will produce again), makes the rest visible, and checks
   * that their files exist (a CheckpointError names a missing one). An end marker that matches
   * marks the log complete; one that does not came after the restored checkpoint and is deleted.
   *
   * Throws a CheckpointError when the restored checkpoint is older than what the downstream
   * already consumed or truncated: taking those segments back would break read-committed.
   */
  async recover(committable: Json | undefined): Promise<void> {
    const upTo = committable === undefined || committable === null ? 0 : parseCommittable(this.name, committable);
    // Decided before any await, so a reader running alongside never reads a segment taken back.
    if (this.recovered && upTo < this.committed) {
      if (this.consumed > upTo) {
        throw this.error(
          `the upstream restored a checkpoint that commits ${upTo} segment(s), but the downstream already read into segment ${this.consumed - 1} of the ${this.committed} committed: the upstream's checkpoint is older than what the downstream consumed`,
        );
      }
      this.committed = upTo;
      this.rollbacks++;
    }
    return this.exclusive(() => this.recoverFiles(upTo));
  }

  /**
   * The writer end, a two-phase-commit sink for the upstream region (one writer: subtask 0).
   * Each call returns a handle bound to the writer as it is now: after `recover` or the handle's
   * `close`, older handles are stale (their calls fail, their `close` does nothing), so a late
   * call from a failed attempt cannot touch the next attempt's output. Their `commit` still
   * works until the next `recover`: a checkpoint written just before the failure may commit
   * late, and what it sealed is still there. A commit with nothing new to commit always succeeds.
   */
  sink(): Sink {
    const gen = this.writerGen;
    const epoch = this.epoch;
    return {
      name: `region-log(${this.name})`,
      open: (schema, ctx) => this.sinkOpen(gen, schema, ctx),
      write: (batch) => this.write(gen, batch),
      prepareCommit: (checkpointId) => this.prepareCommit(gen, checkpointId),
      commit: (c) => this.commit(epoch, c),
      // Nothing to delete: committables are cumulative, so the sealed segments of an aborted
      // checkpoint are committed by the next one, or, when the upstream fails instead, deleted
      // by the `recover` that must come before it resumes.
      abort: async (c) => void parseCommittable(this.name, c),
      finish: () => this.finish(gen),
      close: () => this.closeWriter(gen),
    };
  }

  /**
   * The reader end, a replayable source over committed segments. Positions are
   * `RegionLogPosition`s; reading waits for commits when caught up, ends at the end marker, and
   * rejects with the signal's reason when it aborts. Batches come as written (`batchRows` is not
   * applied: re-slicing would change the positions). `read` may be called again, from an older
   * position, after the downstream restarts (segments stay on disk until `truncateBefore`).
   */
  source(): Source {
    const host = this.readerHost();
    return {
      name: `region-log(${this.name})`,
      schema: async () => this.schema,
      read: (from, opts) => readLog(host, from, opts.signal),
    };
  }

  /**
   * Deletes the segment files wholly before `pos.segment`: the downstream will never restore a
   * position before it, and the upstream never reads its output back. Recorded durably first
   * (`_truncated.json`), so that recovery tells truncated segments from lost ones.
   */
  async truncateBefore(pos: RegionLogPosition | SourcePosition): Promise<void> {
    const { segment } = parsePosition(this.name, pos as SourcePosition);
    return this.exclusive(async () => {
      if (!this.recovered) throw this.error("truncateBefore() before recover()");
      if (segment > this.committed) throw this.error(`cannot truncate before segment ${segment}: only ${this.committed} segment(s) are committed`);
      if (segment <= this.low) return;
      const from = this.low;
      await writeMarker(this.name, this.dir, "truncated", segment);
      this.low = segment;
      for (let n = from; n < segment; n++) {
        this.dropSegment(n);
        await fsStep(this.name, join(this.dir, segmentFile(n)), "cannot delete", (p) => removeFile(p));
      }
      await fsStep(this.name, this.dir, "cannot sync the log directory", (p) => fsyncDir(p));
      this.wake.notify();
    });
  }

  stats(): RegionLogStats {
    let bytesOnDisk = this.current?.writer.bytes ?? 0;
    for (const s of this.segments.values()) bytesOnDisk += s.fileBytes;
    return {
      segmentsOnDisk: this.segments.size + (this.current === undefined ? 0 : 1),
      bytesOnDisk,
      committedSegments: this.committed,
      unreadBytes: this.unreadBytes(),
      cachedBytes: this.cachedBytes,
      ended: this.end !== undefined,
    };
  }

  // ---- recovery ----

  private async recoverFiles(upTo: number): Promise<void> {
    await this.discardCurrent();
    this.writerGen++;
    this.epoch++;
    this.writerDown = "recover() did not complete";
    if (!this.recovered) this.low = (await readMarker(this.name, this.dir, "truncated")) ?? 0;
    if (upTo < this.low) {
      throw this.error(
        `the upstream's checkpoint commits ${upTo} segment(s), but the downstream already read and truncated the log up to segment ${this.low}: the upstream's checkpoint is older than the downstream's`,
      );
    }
    let deleted = false;
    for (const name of await fsStep(this.name, this.dir, "cannot list the log directory", (p) => readdir(p))) {
      const m = SEGMENT_NAME.exec(name);
      if (name.endsWith(IN_PROGRESS) || name.endsWith(TMP) || (m !== null && (Number(m[1]) >= upTo || Number(m[1]) < this.low))) {
        await fsStep(this.name, join(this.dir, name), "cannot delete", (p) => removeFile(p));
        deleted = true;
      }
    }
    for (const n of [...this.segments.keys()]) if (n >= upTo || n < this.low) this.dropSegment(n);
    for (let n = this.low; n < upTo; n++) {
      const path = join(this.dir, segmentFile(n));
      const size = await stat(path).then(
        (st) => st.size,
        (e: unknown) => {
          const why = errnoCode(e) === "ENOENT" ? `is missing: the upstream's checkpoint committed segments up to ${upTo}, so their data is lost` : `cannot be read: ${messageOf(e)}`;
          throw this.error(`segment file ${path} ${why}`, e);
        },
      );
      const seg = this.segments.get(n);
      if (seg === undefined) this.segments.set(n, { bytes: size, fileBytes: size, batches: undefined, cum: undefined, mem: undefined });
      else seg.fileBytes = size;
    }
    const end = await readMarker(this.name, this.dir, "end");
    if (end !== undefined && end !== upTo) {
      // Written after the restored checkpoint: the upstream will finish again.
      await removeMarker(this.name, this.dir, "end");
      deleted = true;
    }
    if (deleted) await fsStep(this.name, this.dir, "cannot sync the log directory", (p) => fsyncDir(p));
    this.end = end === upTo ? end : undefined;
    this.sealed = this.committed = upTo;
    if (!this.recovered && this.readers === 0) this.readPos = { segment: this.low, batch: 0 };
    this.recovered = true;
    this.writerDown = undefined;
    this.wake.notify();
  }

  // ---- writer ----

  private async sinkOpen(gen: number, schema: Schema, ctx: SinkOpenContext): Promise<void> {
    this.requireWriter(gen);
    if (ctx.subtask !== 0) throw this.error(`a region log has one writer, but subtask ${ctx.subtask} opened it`);
    if (!sameColumns(this.schema, schema)) throw this.error(`the upstream writes ${describeColumns(schema)}, but the log holds ${describeColumns(this.schema)}`);
    this.openedGen = gen;
  }

  private async write(gen: number, input: Batch): Promise<void> {
    this.requireWriter(gen);
    if (this.openedGen !== gen) throw this.error("write() before open()");
    if (this.end !== undefined) throw this.error(`write() after the log ended (${this.end} segments)`);
    if (input.schema !== this.schema && !sameColumns(this.schema, input.schema)) {
      throw this.error(`a batch has columns ${describeColumns(input.schema)}, but the log holds ${describeColumns(this.schema)}`);
    }
    // An empty batch carries nothing a reader needs.
    if (input.numRows === 0) return;
    // Only committed bytes count: uncommitted ones wait for a checkpoint, which needs this
    // writer at a barrier, so blocking on them would deadlock writer, reader and checkpoint.
    while (this.unreadBytes() > this.maxUnreadBytes) {
      await this.wake.wait();
      this.requireWriter(gen);
    }
    const batch = relabel(input, this.schema);
    const seg = (this.current ??= await startSegment(this.name, this.dir, this.sealed, this.schema));
    await fsStep(this.name, seg.path, "cannot write", () => seg.writer.write(batch));
    const size = batchByteSize(batch);
    seg.cum.push(seg.cum[seg.cum.length - 1]! + size);
    // Keep a copy for an in-process reader, within the same budget as unread bytes.
    const cache = this.cachedBytes + size <= this.maxUnreadBytes;
    seg.mem.push(cache ? batch : undefined);
    if (cache) this.cachedBytes += size;
    if (seg.writer.bytes >= this.maxSegmentBytes) await this.seal(gen);
  }

  /** Seals the open segment, if any: durable, but not yet visible. */
  private async seal(gen: number): Promise<void> {
    const seg = this.current;
    if (seg === undefined) return;
    let fileBytes: number;
    try {
      fileBytes = await sealSegment(this.name, this.dir, seg);
    } catch (e) {
      // The segment's batches are lost to this attempt: it must fail and recover.
      if (gen === this.writerGen) this.writerDown = messageOf(e);
      throw e;
    }
    // A recover or close while we sealed owns the writer state now; leave it alone.
    this.requireWriter(gen);
    this.current = undefined;
    const batches = seg.cum.length - 1;
    this.segments.set(seg.index, { bytes: seg.cum[batches]!, fileBytes, batches, cum: seg.cum, mem: seg.mem });
    this.sealed = seg.index + 1;
  }

  private async prepareCommit(gen: number, _checkpointId: number): Promise<SinkCommittable> {
    this.requireWriter(gen);
    await this.seal(gen);
    return committableJson(this.name, this.sealed);
  }

  private async commit(epoch: number, c: SinkCommittable): Promise<void> {
    const upTo = parseCommittable(this.name, c);
    if (upTo <= this.committed) return;
    // After a recover, segments past its committable belong to the next attempt (or are gone).
    if (epoch !== this.epoch) throw this.error(`commit of ${upTo} segment(s) from a sink handle made before the last recover(), which kept ${this.committed}`);
    if (upTo > this.sealed) throw this.error(`a committable for ${upTo} segment(s) was never sealed here (${this.sealed} are)`);
    this.committed = upTo;
    this.wake.notify();
  }

  private async finish(gen: number): Promise<void> {
    this.requireWriter(gen);
    await this.seal(gen);
    await this.commit(this.epoch, committableJson(this.name, this.sealed));
    if (this.end === this.sealed) return;
    await writeMarker(this.name, this.dir, "end", this.sealed);
    this.end = this.sealed;
    this.wake.notify();
  }

  private async closeWriter(gen: number): Promise<void> {
    if (gen !== this.writerGen) return;
    this.writerGen++;
    this.writerDown = "closed";
    await this.discardCurrent();
    // Wakes writes blocked on backpressure: they find their handle stale and fail.
    this.wake.notify();
  }

  private async discardCurrent(): Promise<void> {
    const seg = this.current;
    if (seg === undefined) return;
    this.current = undefined;
    seg.mem.forEach((b, i) => {
      if (b !== undefined) this.cachedBytes -= seg.cum[i + 1]! - seg.cum[i]!;
    });
    await discardSegment(seg);
  }

  private requireWriter(gen: number): void {
    if (gen !== this.writerGen) throw this.error("this sink handle is stale: the log was recovered or the handle closed since it was made");
    if (this.writerDown !== undefined) throw this.error(`the writer is unusable (${this.writerDown}); call recover() first`);
  }

  // ---- reader bookkeeping ----

  private readerHost(): ReaderHost {
    const log = this;
    return {
      log: this.name,
      dir: this.dir,
      schema: this.schema,
      get recovered() {
        return log.recovered;
      },
      get committed() {
        return log.committed;
      },
      get low() {
        return log.low;
      },
      get end() {
        return log.end;
      },
      get rollbacks() {
        return log.rollbacks;
      },
      segment: (n) => this.segments.get(n),
      learnedBatchCount: (n, batches) => {
        const seg = this.segments.get(n);
        if (seg !== undefined) seg.batches = batches;
      },
      startReader: (from) => {
        this.activeReader = ++this.readers;
        this.readPos = from;
        this.consumed = Math.max(this.consumed, from.segment + (from.batch > 0 ? 1 : 0));
        // The new reader starts past these; an older reader still alive falls back to the files.
        for (const [n, seg] of this.segments) if (n < from.segment) this.dropMem(seg);
        this.wake.notify();
        return this.activeReader;
      },
      handedOut: (reader, segment, batch, next) => {
        this.consumed = Math.max(this.consumed, segment + 1);
        const seg = this.segments.get(segment);
        const mem = seg?.mem;
        if (seg !== undefined && mem?.[batch] !== undefined) {
          this.cachedBytes -= seg.cum !== undefined ? seg.cum[batch + 1]! - seg.cum[batch]! : batchByteSize(mem[batch]);
          mem[batch] = undefined;
        }
        if (seg !== undefined && next.segment !== segment) this.dropMem(seg);
        if (reader !== this.activeReader) return;
        this.readPos = next;
        this.wake.notify();
      },
      changed: () => this.wake.wait(),
    };
  }

  /** Committed bytes from the active reader's position on. */
  private unreadBytes(): number {
    let n = 0;
    for (let s = Math.max(this.readPos.segment, this.low); s < this.committed; s++) {
      const seg = this.segments.get(s);
      if (seg === undefined) continue;
      const b = s === this.readPos.segment ? this.readPos.batch : 0;
      // Segments found on disk: their file size, spread evenly over their batches.
      const read = b === 0 ? 0 : seg.cum !== undefined ? (seg.cum[b] ?? seg.bytes) : seg.batches ? (seg.bytes * b) / seg.batches : 0;
      n += Math.max(0, seg.bytes - read);
    }
    return n;
  }

  private dropMem(seg: Segment): void {
    seg.mem?.forEach((b, i) => {
      if (b !== undefined) this.cachedBytes -= seg.cum !== undefined ? seg.cum[i + 1]! - seg.cum[i]! : batchByteSize(b);
    });
    seg.mem = undefined;
  }

  private dropSegment(n: number): void {
    const seg = this.segments.get(n);
    if (seg === undefined) return;
    this.dropMem(seg);
    this.segments.delete(n);
  }

  private exclusive<T>(step: () => Promise<T>): Promise<T> {
    const run = this.fsQueue.then(step, step);
    this.fsQueue = run.catch(() => undefined);
    return run;
  }

  private error(message: string, cause?: unknown): ReturnType<typeof logError> {
    return logError(this.name, message, cause);
  }
}
