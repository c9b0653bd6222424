/**
 * Positions of file-based sources. A position names the file (its index in the sorted file list
 * and its path, so a changed file list is detected instead of silently read wrongly) and how far
 * into it the source got: `offset` counts rows for row-addressed formats (Arrow, Parquet, one
 * row per file) and bytes for line formats (JSONL, text lines), which also carry the next line
 * number for error messages. Reading from a position yields exactly the rows after it.
 */

import type { Json } from "../../runtime/api/stream.js";
import type { SourcePosition } from "../../runtime/api/source.js";
import { connectorError } from "../errors.js";
import type { FileEntry } from "../files/resolve-files.js";

/** Where a file source is. JSON-serializable, stored in checkpoints. */
export interface FilePosition {
  /** Index of the file in the source's sorted file list. */
  readonly file: number;
  /** That file's absolute path, checked on resume. */
  readonly path: string;
  /** Rows (row formats) or bytes (line formats) of the file already consumed. */
  readonly offset: number;
  /** Line formats: the 1-based number of the next line. */
  readonly line?: number;
  /** Arrow IPC: index of the next record batch in the file; `offset` then counts its rows. */
  readonly batch?: number;
}

/** The position as the JSON a checkpoint stores. */
export function positionJson(p: FilePosition): Json {
  const out: { [key: string]: Json } = { file: p.file, path: p.path, offset: p.offset };
  if (p.line !== undefined) out["line"] = p.line;
  if (p.batch !== undefined) out["batch"] = p.batch;
  return out;
}

/** Validates a position handed back by the runtime against the current file list. */
export function parsePosition(connector: string, from: SourcePosition | undefined, files: readonly FileEntry[]): FilePosition | undefined {
  if (from === undefined || from === null) return undefined;
  const bad = (why: string): Error => connectorError(connector, undefined, `invalid source position ${JSON.stringify(from)}: ${why}`);
  if (typeof from !== "object" || Array.isArray(from)) throw bad("expected an object {file, path, offset}");
  const { file, path, offset, line, batch } = from;
  const count = (v: Json | undefined, name: string, required: boolean): number | undefined => {
    if (v === undefined && !required) return undefined;
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) throw bad(`'${name}' must be a non-negative integer`);
    return v;
  };
  if (typeof path !== "string") throw bad("'path' must be a string");
  const p: FilePosition = {
    file: count(file, "file", true)!,
    path,
    offset: count(offset, "offset", true)!,
    ...(line !== undefined && { line: count(line, "line", true)! }),
    ...(batch !== undefined && { batch: count(batch, "batch", true)! }),
  };
  const actual = files[p.file]?.path;
  if (actual !== p.path) {
    throw connectorError(
      connector,
      p.path,
      `the input files changed since this position was taken: expected this file at index ${p.file}, found ${actual === undefined ? `only ${files.length} files` : `'${actual}'`}`,
    );
  }
  return p;
}

/** One file to read and where in it to start. */
export interface FileStart {
  readonly index: number;
  readonly entry: FileEntry;
  /** The position to start this file from (zero offset except for the first resumed file). */
  readonly start: FilePosition;
}

/** The files from a position on, checking the abort signal between files. */
export function* filesFrom(connector: string, files: readonly FileEntry[], from: SourcePosition | undefined, signal: AbortSignal): Generator<FileStart> {
  const resumed = parsePosition(connector, from, files);
  for (let index = resumed?.file ?? 0; index < files.length; index++) {
    signal.throwIfAborted();
    const entry = files[index]!;
    const start = resumed !== undefined && index === resumed.file ? resumed : { file: index, path: entry.path, offset: 0 };
    yield { index, entry, start };
  }
}

/** Checks `batchRows` once per read, so a zero or fractional value fails loudly, not forever. */
export function checkBatchRows(connector: string, batchRows: number): number {
  if (!Number.isSafeInteger(batchRows) || batchRows < 1) throw connectorError(connector, undefined, `batchRows must be a positive integer, got ${batchRows}`);
  return batchRows;
}
