/**
 * File connectors: replayable sources and two-phase-commit sinks over local files.
 *
 * Sources (every one resumes exactly from any position it emitted; see sources/file-position.ts):
 * - `filesSource(glob)`: one row per file — `path`, `size`, and the bytes (Binary) or a
 *   `sluice.object_ref`;
 * - `imagesSource(dir)`: the same over image files, content as an encoded `sluice.image`;
 * - `textSource(glob, {mode})`: one row per file or per line;
 * - `jsonlSource(glob, {schema | inferRows, onBadRecord})`: JSON Lines;
 * - `arrowSource(glob)`: Arrow IPC files and streams; `parquetSource(glob)`: Parquet.
 *
 * Inputs are a file, a directory (its files with the source's extensions, recursively), a glob
 * (`*`, `**`, `?`, `[…]`, `{a,b}`; hidden names skipped), or a list of those. Files are read in
 * sorted path order. Matching nothing is a ConnectorError unless `allowEmpty`.
 *
 * Sinks (`jsonlSink`, `arrowSink`, `parquetSink`) write a directory of part files
 * `part-<subtask>-<seq>.<ext>` by default, or one file with `singleFile: true`; see
 * sinks/staged-file-sink.ts for staging and commit.
 */

import type { FileSinkOptions } from "./sinks/staged-file-sink.js";
import { StagedFileSink } from "./sinks/staged-file-sink.js";
import { arrowFormat } from "./sinks/arrow-format.js";
import { jsonlFormat } from "./sinks/jsonl-format.js";
import { parquetFormat } from "./sinks/parquet-format.js";
import type { JsonWriteOptions } from "./json/arrow-to-json.js";
import type { ParquetWriteOptions } from "./parquet/parquet-wasm.js";
import { ArrowSource, type ArrowSourceOptions } from "./sources/arrow-source.js";
import { FilesSource, type FilesSourceOptions } from "./sources/files-source.js";
import { JsonlSource, type JsonlSourceOptions } from "./sources/jsonl-source.js";
import { ParquetSource, type ParquetSourceOptions } from "./sources/parquet-source.js";
import { TextSource, type TextSourceOptions } from "./sources/text-source.js";

export { ArrowSource, ARROW_EXTENSIONS, type ArrowSourceOptions } from "./sources/arrow-source.js";
export { FilesSource, IMAGE_EXTENSIONS, contentTypeOf, type FilesSourceOptions } from "./sources/files-source.js";
export { JsonlSource, JSONL_EXTENSIONS, type JsonlSourceOptions } from "./sources/jsonl-source.js";
export { ParquetSource, PARQUET_EXTENSIONS, type ParquetSourceOptions } from "./sources/parquet-source.js";
export { TextSource, type TextSourceOptions } from "./sources/text-source.js";
export { badRecordToDeadLetter, type BadRecord, type BadRecordHandler } from "./sources/bad-record.js";
export type { FilePosition } from "./sources/file-position.js";
export { StagedFileSink, type FileSinkOptions } from "./sinks/staged-file-sink.js";
export { STAGING_DIR, type FileSinkCommittable } from "./sinks/committable.js";
export type { PartFormat, PartWriter } from "./sinks/part-writer.js";
export { resolveFiles, comparePaths, type FileEntry, type ResolveOptions } from "./files/resolve-files.js";
export { compileGlob, expandBraces, hasGlobMagic, matchPath } from "./files/glob.js";
export { JSON_TEXT_KEY, SchemaInferrer } from "./json/json-infer.js";
export type { ExtraFields } from "./json/json-to-arrow.js";
export type { JsonWriteOptions } from "./json/arrow-to-json.js";
export type { ParquetCompression, ParquetWriteOptions } from "./parquet/parquet-wasm.js";

/** One row per file: `path`, `size`, and `bytes` (Binary) or `ref` (`sluice.object_ref`). */
export function filesSource(pathOrGlob: string | readonly string[], opts: FilesSourceOptions = {}): FilesSource {
  return new FilesSource(pathOrGlob, opts);
}

/** One row per image file (jpg, png, webp, …): `path`, `size`, `image` (encoded `sluice.image` or object ref). */
export function imagesSource(dirOrGlob: string | readonly string[], opts: FilesSourceOptions = {}): FilesSource {
  return new FilesSource(dirOrGlob, opts, true);
}

/** Text files, one row per file (`path`, `text`) or per line (`path`, `line`, `text`). */
export function textSource(pathOrGlob: string | readonly string[], opts: TextSourceOptions = {}): TextSource {
  return new TextSource(pathOrGlob, opts);
}

/** JSON Lines files, with a given or inferred schema. */
export function jsonlSource(pathOrGlob: string | readonly string[], opts: JsonlSourceOptions = {}): JsonlSource {
  return new JsonlSource(pathOrGlob, opts);
}

/** Arrow IPC files (file or stream format). */
export function arrowSource(pathOrGlob: string | readonly string[], opts: ArrowSourceOptions = {}): ArrowSource {
  return new ArrowSource(pathOrGlob, opts);
}

/** Parquet files. */
export function parquetSource(pathOrGlob: string | readonly string[], opts: ParquetSourceOptions = {}): ParquetSource {
  return new ParquetSource(pathOrGlob, opts);
}

export type JsonlSinkOptions = FileSinkOptions & JsonWriteOptions;
export type ParquetSinkOptions = FileSinkOptions & ParquetWriteOptions;

/** JSON Lines output: a directory of `.jsonl` parts, or one file with `singleFile`. */
export function jsonlSink(target: string, opts: JsonlSinkOptions = {}): StagedFileSink {
  return new StagedFileSink(jsonlFormat(opts), target, opts);
}

/** Arrow IPC file-format output: a directory of `.arrow` parts, or one file with `singleFile`. */
export function arrowSink(target: string, opts: FileSinkOptions = {}): StagedFileSink {
  return new StagedFileSink(arrowFormat("file"), target, opts);
}

/** Parquet output: a directory of `.parquet` parts (rolled at 128 MiB buffered by default), or one file. */
export function parquetSink(target: string, opts: ParquetSinkOptions = {}): StagedFileSink {
  return new StagedFileSink(parquetFormat(opts), target, { maxPartBytes: 128 * 2 ** 20, ...opts });
}
