/**
 * Two-phase-commit file sink shared by the JSONL, Arrow and Parquet sinks.
 *
 * Layout (default, `dir`): the target is a directory of part files
 * `part-<subtask:5 digits>-<seq:8 digits>.<ext>`; each subtask numbers its parts on from the
 * highest number already present (committed or staged), so parts are never overwritten, names
 * never collide across restarts or jobs, and names sort in write order. A part is rolled at
 * every checkpoint and whenever it reaches `maxPartRows` / `maxPartBytes`.
 *
 * Layout `singleFile`: the target is one file, published by `finish` (parallelism 1 only).
 * Checkpoints seal what was written into staged Arrow-stream chunks; `commit` records them as
 * accepted (nothing becomes visible), and `finish` assembles all chunks into the one file.
 *
 * Staging: `<dir>/.sluice-staging/<jobId>/<subtask>/` (for a single file, `<dir>` is the file's
 * directory). Writes append to `<name>.inprogress`; `prepareCommit(id)` finishes and fsyncs
 * it and renames it to `<name>.ckpt-<id>` (sealed); `commit` renames sealed parts into the
 * target and fsyncs the directory. Readers listing the target see only whole, committed parts:
 * the staging directory is hidden, and globs skip hidden names. `commit` and `abort` are
 * idempotent and need no prior `open` (recovery may call them on a fresh instance).
 * `finish` deletes whatever else this job and subtask left in staging, so recovery must commit
 * restored committables before input resumes.
 */

import { mkdir, open, readdir, rename, stat } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { RecordBatchReader, type RecordBatch, type Schema } from "apache-arrow";
import type { Sink, SinkCommittable, SinkOpenContext } from "../../runtime/api/sink.js";
import { ConnectorError } from "../../runtime/api/runtime-errors.js";
import { connectorError, errnoCode, fsError, messageOf } from "../errors.js";
import { exists, fsyncDir, moveIdempotent, removeDirIfEmpty, removeFile } from "../files/durable-fs.js";
import { relabel, requireSameColumns } from "../sources/schema-check.js";
import { arrowFormat } from "./arrow-format.js";
import { STAGING_DIR, committableJson, parseCommittable, type FileSinkCommittable } from "./committable.js";
import type { PartFormat, PartWriter } from "./part-writer.js";

export interface FileSinkOptions {
  /** Write one file at the target path, published at `finish` (parallelism 1). Default false. */
  readonly singleFile?: boolean;
  /** Directory layout: start a new part after this many rows. */
  readonly maxPartRows?: number;
  /** Directory layout: start a new part after this many bytes (written, or buffered for Parquet). */
  readonly maxPartBytes?: number;
  /** Directory layout: with no rows at all, still publish one empty part so readers learn the schema. Default true. */
  readonly emptyPart?: boolean;
}

interface OpenPart {
  readonly writer: PartWriter;
  readonly base: string;
  readonly inprogress: string;
}

const IN_PROGRESS = ".inprogress";
const CHUNK_FORMAT = arrowFormat("stream");

/** A sink writing `format` files with staging and atomic, idempotent commits. */
export class StagedFileSink implements Sink {
  readonly name: string;
  private readonly target: string;
  private readonly single: boolean;
  private schema: Schema | undefined;
  private staging = "";
  private subtask = 0;
  private seq = 0;
  private current: OpenPart | undefined;
  /** Parts finished (fsynced) but not yet sealed into a committable. */
  private unsealed: OpenPart[] = [];
  /** Staged paths of committables prepared and not yet committed or aborted. */
  private readonly outstanding = new Set<string>();
  /** Single file: chunks accepted through `commit`, then chunks sealed here, in order. */
  private chunks: string[] = [];
  private rowsWritten = 0;

  constructor(
    private readonly format: PartFormat,
    target: string,
    private readonly opts: FileSinkOptions = {},
  ) {
    this.target = resolve(target);
    this.single = opts.singleFile === true;
    this.name = `${format.name}-sink(${target})`;
  }

  async open(schema: Schema, ctx: SinkOpenContext): Promise<void> {
    if (!Number.isSafeInteger(ctx.subtask) || ctx.subtask < 0) throw connectorError(this.name, undefined, `invalid subtask ${ctx.subtask}`);
    if (this.single && ctx.subtask !== 0) throw connectorError(this.name, this.target, "a single-file sink needs parallelism 1 (write a directory of parts instead)");
    try {
      this.format.check(schema);
    } catch (e) {
      throw connectorError(this.name, this.target, `cannot write this schema: ${messageOf(e)}`, { cause: e });
    }
    const root = this.single ? dirname(this.target) : this.target;
    await this.fs(root, "cannot create the output directory", async () => {
      const st = await stat(this.target).catch(() => undefined);
      if (st !== undefined && this.single === st.isDirectory()) {
        throw connectorError(this.name, this.target, this.single ? "is a directory, but a single output file was asked for" : "exists and is not a directory");
      }
      await mkdir(root, { recursive: true });
    });
    this.schema = schema;
    this.subtask = ctx.subtask;
    this.staging = join(root, STAGING_DIR, safeName(ctx.jobId), String(ctx.subtask));
    await this.fs(this.staging, "cannot create the staging directory", () => mkdir(this.staging, { recursive: true }));
    this.seq = (await this.highestSeq(root)) + 1;
  }

  async write(batch: RecordBatch): Promise<void> {
    const schema = this.requireOpen();
    requireSameColumns(this.name, this.target, schema, batch.schema);
    if (batch.numRows === 0) return;
    const part = (this.current ??= await this.startPart());
    await this.fs(part.inprogress, "cannot write", () => part.writer.write(relabel(batch, schema)));
    this.rowsWritten += batch.numRows;
    const { maxPartRows, maxPartBytes } = this.opts;
    if (!this.single && ((maxPartRows !== undefined && part.writer.rows >= maxPartRows) || (maxPartBytes !== undefined && part.writer.bytes >= maxPartBytes))) {
      await this.closeCurrent();
    }
  }

  async prepareCommit(checkpointId: number): Promise<SinkCommittable> {
    return committableJson(await this.seal(String(checkpointId)));
  }

  async commit(committable: SinkCommittable): Promise<void> {
    const c = parseCommittable(this.name, this.format.name, committable);
    if (c.layout === "file") {
      // Chunks stay staged until finish; a finished file means they were already used.
      if (!(await exists(c.target))) {
        for (const chunk of c.chunks) if (!(await exists(chunk))) throw connectorError(this.name, chunk, "a staged chunk of the output is missing; the committed data is lost");
      }
      this.chunks = [...c.chunks, ...this.chunks.filter((k) => !c.chunks.includes(k))];
      return;
    }
    for (const part of c.parts) {
      await this.fs(part.final, "cannot commit", async () => {
        try {
          await moveIdempotent(part.staged, part.final);
        } catch (e) {
          if (errnoCode(e) === "ENOENT") throw connectorError(this.name, part.staged, "staged part is missing and was never committed; the data is lost", { cause: e });
          throw e;
        }
      });
      this.outstanding.delete(part.staged);
    }
    if (c.parts.length > 0) await this.fs(c.target, "cannot sync the output directory", () => fsyncDir(c.target));
  }

  async abort(committable: SinkCommittable): Promise<void> {
    const c = parseCommittable(this.name, this.format.name, committable);
    const doomed = c.layout === "dir" ? c.parts.map((p) => p.staged) : c.added;
    for (const path of doomed) {
      await this.fs(path, "cannot delete staged file", () => removeFile(path));
      this.outstanding.delete(path);
    }
    this.chunks = this.chunks.filter((k) => !doomed.includes(k));
  }

  /**
   * Undoes every commit made after `committable`: its subtask's visible parts numbered from its
   * `next` on are deleted. Recovery uses it when it has to resume from an older checkpoint than
   * the newest one committed (the newest is corrupt), so the output it committed is written
   * again, not twice. A single-file output is rebuilt whole at `finish`, so it needs nothing.
   * Returns the parts removed.
   */
  async rollback(committable: SinkCommittable): Promise<string[]> {
    const c = parseCommittable(this.name, this.format.name, committable);
    if (c.layout === "file") return [];
    if (c.subtask === undefined || c.next === undefined) {
      throw connectorError(this.name, c.target, "cannot roll back to this committable: it does not record its part numbers (written by an older sluice)");
    }
    const re = new RegExp(`^part-${pad(c.subtask, 5)}-(\\d+)\\.`);
    const removed: string[] = [];
    for (const n of await readdir(c.target).catch(() => [] as string[])) {
      const m = re.exec(n);
      if (m === null || Number(m[1]) < c.next) continue;
      const path = join(c.target, n);
      await this.fs(path, "cannot roll back", () => removeFile(path));
      removed.push(path);
    }
    if (removed.length > 0) await this.fs(c.target, "cannot sync the output directory", () => fsyncDir(c.target));
    return removed;
  }

  async finish(): Promise<void> {
    this.requireOpen();
    // An output with no rows still gets one (empty) part, so readers learn the schema.
    if (!this.single && this.opts.emptyPart !== false && this.rowsWritten === 0 && this.current === undefined && this.unsealed.length === 0) {
      this.current = await this.startPart();
    }
    const last = await this.seal("final");
    if (last.layout === "dir") await this.commit(committableJson(last));
    else await this.assemble();
    await this.cleanStaging();
  }

  async close(): Promise<void> {
    const parts = [...this.unsealed, ...(this.current === undefined ? [] : [this.current])];
    if (this.current !== undefined) await this.current.writer.discard().catch(() => undefined);
    this.current = undefined;
    this.unsealed = [];
    for (const p of parts) await removeFile(p.inprogress).catch(() => undefined);
  }

  private requireOpen(): Schema {
    if (this.schema === undefined) throw connectorError(this.name, this.target, "used before open()");
    return this.schema;
  }

  private async startPart(): Promise<OpenPart> {
    const seq = this.seq++;
    const base = this.single ? `chunk-${pad(seq, 8)}${CHUNK_FORMAT.extension}` : `part-${pad(this.subtask, 5)}-${pad(seq, 8)}${this.format.extension}`;
    const inprogress = join(this.staging, base + IN_PROGRESS);
    const format = this.single ? CHUNK_FORMAT : this.format;
    const writer = await this.fs(inprogress, "cannot create", () => format.create(inprogress, this.requireOpen()));
    return { writer, base, inprogress };
  }

  private async closeCurrent(): Promise<void> {
    const part = this.current;
    if (part === undefined) return;
    this.current = undefined;
    await this.fs(part.inprogress, "cannot finish", () => part.writer.finish());
    this.unsealed.push(part);
  }

  /** Finishes what is open and renames every finished part to its sealed name. */
  private async seal(label: string): Promise<FileSinkCommittable> {
    this.requireOpen();
    await this.closeCurrent();
    const sealed = this.unsealed.map((p) => ({ base: p.base, staged: join(this.staging, `${p.base}.ckpt-${label}`), from: p.inprogress }));
    for (const s of sealed) await this.fs(s.from, "cannot seal", () => rename(s.from, s.staged));
    this.unsealed = [];
    if (sealed.length > 0) await this.fs(this.staging, "cannot sync the staging directory", () => fsyncDir(this.staging));
    if (this.single) {
      const added = sealed.map((s) => s.staged);
      this.chunks.push(...added);
      return { layout: "file", format: this.format.name, target: this.target, checkpoint: label, chunks: [...this.chunks], added };
    }
    for (const s of sealed) this.outstanding.add(s.staged);
    const parts = sealed.map((s) => ({ staged: s.staged, final: join(this.target, s.base) }));
    return { layout: "dir", format: this.format.name, target: this.target, checkpoint: label, parts, subtask: this.subtask, next: this.seq };
  }

  /** Single file: writes every chunk's batches into the target format, then publishes it. */
  private async assemble(): Promise<void> {
    const schema = this.requireOpen();
    const staged = join(this.staging, basename(this.target) + IN_PROGRESS);
    const writer = await this.fs(staged, "cannot create", () => this.format.create(staged, schema));
    try {
      for (const chunk of this.chunks) {
        await this.fs(chunk, "cannot read staged chunk", async () => {
          const fh = await open(chunk, "r");
          try {
            const reader = await RecordBatchReader.from(fh);
            for await (const batch of reader as AsyncIterable<RecordBatch>) await writer.write(relabel(batch, schema));
          } finally {
            await fh.close().catch(() => undefined);
          }
        });
      }
      await this.fs(staged, "cannot finish", () => writer.finish());
    } catch (e) {
      await writer.discard().catch(() => undefined);
      await removeFile(staged).catch(() => undefined);
      throw e;
    }
    await this.fs(this.target, "cannot publish", () => rename(staged, this.target));
    await this.fs(dirname(this.target), "cannot sync the output directory", () => fsyncDir(dirname(this.target)));
    for (const chunk of this.chunks) await removeFile(chunk);
    this.chunks = [];
  }

  /** Deletes leftovers of this job and subtask (earlier attempts) that no committable needs. */
  private async cleanStaging(): Promise<void> {
    const names = await readdir(this.staging).catch(() => [] as string[]);
    const keep = new Set([...this.outstanding, ...this.chunks]);
    for (const n of names) {
      const path = join(this.staging, n);
      if (!keep.has(path)) await removeFile(path).catch(() => undefined);
    }
    await removeDirIfEmpty(this.staging);
    await removeDirIfEmpty(dirname(this.staging));
    await removeDirIfEmpty(dirname(dirname(this.staging)));
  }

  /** The highest part (or chunk) number this subtask has used, committed or staged, or -1. */
  private async highestSeq(root: string): Promise<number> {
    const prefix = this.single ? "chunk" : `part-${pad(this.subtask, 5)}`;
    const re = new RegExp(`^${prefix}-(\\d+)\\.`);
    let max = -1;
    const scan = async (dir: string): Promise<void> => {
      for (const n of await readdir(dir).catch(() => [] as string[])) {
        const m = re.exec(n);
        if (m !== null) max = Math.max(max, Number(m[1]));
      }
    };
    if (!this.single) await scan(root);
    for (const job of await readdir(join(root, STAGING_DIR)).catch(() => [] as string[])) await scan(join(root, STAGING_DIR, job, String(this.subtask)));
    return max;
  }

  /** Runs a filesystem step, turning failures into ConnectorErrors naming the sink and path. */
  private async fs<T>(path: string, action: string, step: () => Promise<T>): Promise<T> {
    try {
      return await step();
    } catch (e) {
      if (e instanceof ConnectorError) throw e;
      if (errnoCode(e) !== undefined) throw fsError(this.name, path, action, e);
      throw connectorError(this.name, path, `${action}: ${messageOf(e)}`, { cause: e });
    }
  }
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, "0");
}

/** A jobId as one safe path segment. */
function safeName(jobId: string): string {
  const s = jobId.replace(/[^A-Za-z0-9._-]/g, "_");
  return s === "" || s === "." || s === ".." ? `job_${s.length}` : s;
}
