/**
 * One row per file: `path` (absolute), `size` (bytes), and the content — either the bytes
 * themselves (a Binary column, or an encoded `sluice.image` column for images) or a
 * `sluice.object_ref` (`file://` URI, length, content type) that a later step materializes
 * through the ObjectStore. References keep batches small when files are large or when most rows
 * get filtered before their bytes are needed.
 *
 * Position after a batch: `{file, path, offset: 1}` for the last file in it (that file's one
 * row consumed). In bytes mode a batch also closes once its bytes reach `batchBytes`, so a
 * folder of large files never builds one enormous batch.
 */

import { readFile } from "node:fs/promises";
import { extname } from "node:path";
import { pathToFileURL } from "node:url";
import { Binary, Field, Int64, Schema, Utf8 } from "apache-arrow";
import type { PositionedBatch, Source, SourcePosition, SourceReadOptions } from "../../runtime/api/source.js";
import {
  encodedImageColumn,
  imageField,
  objectRefColumn,
  objectRefField,
  recordBatchFromColumns,
  type ExtensionColumn,
  type ObjectRef,
} from "../../runtime/types/index.js";
import { connectorError, fsError } from "../errors.js";
import { resolveFiles, type FileEntry, type ResolveOptions } from "../files/resolve-files.js";
import { binaryColumn, int64Column, utf8Column, MAX_COLUMN_BYTES } from "./columns.js";
import { checkBatchRows, filesFrom, positionJson } from "./file-position.js";

export interface FilesSourceOptions extends ResolveOptions {
  /** `bytes` (default): the file content in the batch; `ref`: a `sluice.object_ref` to it. */
  readonly content?: "bytes" | "ref";
  /** Name of the content column (default `bytes`, `ref` in ref mode; `image` for images). */
  readonly column?: string;
  /** Bytes mode: a batch closes once its content reaches this many bytes (default 64 MiB). */
  readonly batchBytes?: number;
  /** Bytes mode: a larger file is an error naming it (default 1 GiB); use refs for such files. */
  readonly maxFileBytes?: number;
  /** Bytes mode: how many files are read concurrently ahead of the batch being built (default 8). */
  readonly readAhead?: number;
}

/** Extensions an images folder picks up (lowercase). */
export const IMAGE_EXTENSIONS: readonly string[] = [".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp", ".tif", ".tiff", ".avif"];

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".png": "image/png",
  ".webp": "image/webp",
  ".gif": "image/gif",
  ".bmp": "image/bmp",
  ".tif": "image/tiff",
  ".tiff": "image/tiff",
  ".avif": "image/avif",
  ".txt": "text/plain",
  ".md": "text/markdown",
  ".html": "text/html",
  ".csv": "text/csv",
  ".json": "application/json",
  ".jsonl": "application/x-ndjson",
  ".ndjson": "application/x-ndjson",
  ".pdf": "application/pdf",
  ".parquet": "application/vnd.apache.parquet",
  ".arrow": "application/vnd.apache.arrow.file",
  ".arrows": "application/vnd.apache.arrow.stream",
  ".mp4": "video/mp4",
  ".wav": "audio/wav",
  ".mp3": "audio/mpeg",
};

/** The MIME type the extension of `path` suggests, if sluice knows it. */
export function contentTypeOf(path: string): string | undefined {
  return CONTENT_TYPES[extname(path).toLowerCase()];
}

/** A source of one row per file; `images` tags the content column as `sluice.image`. */
export class FilesSource implements Source {
  readonly name: string;
  private readonly mode: "bytes" | "ref";
  private readonly column: string;
  private readonly batchBytes: number;
  private readonly maxFileBytes: number;
  private readonly readAhead: number;
  private listing: Promise<FileEntry[]> | undefined;

  constructor(
    private readonly inputs: string | readonly string[],
    private readonly opts: FilesSourceOptions = {},
    private readonly images = false,
  ) {
    this.name = `${images ? "images" : "files"}(${typeof inputs === "string" ? inputs : inputs.join(",")})`;
    this.mode = opts.content ?? "bytes";
    this.column = opts.column ?? (images ? "image" : this.mode);
    this.batchBytes = opts.batchBytes ?? 64 * 2 ** 20;
    this.maxFileBytes = Math.min(opts.maxFileBytes ?? 2 ** 30, MAX_COLUMN_BYTES);
    this.readAhead = Math.max(1, Math.floor(opts.readAhead ?? 8));
    if (this.column === "path" || this.column === "size") throw connectorError(this.name, undefined, `content column may not be named '${this.column}'`);
  }

  /** The sorted input files (listed once per source instance). */
  files(): Promise<FileEntry[]> {
    this.listing ??= resolveFiles(this.name, this.inputs, this.images ? { extensions: IMAGE_EXTENSIONS, ...this.opts } : this.opts);
    return this.listing;
  }

  async schema(): Promise<Schema> {
    const content: Field =
      this.mode === "ref"
        ? objectRefField(this.column, false)
        : this.images
          ? imageField(this.column, { encoded: true }, false)
          : new Field(this.column, new Binary(), false);
    return new Schema([new Field("path", new Utf8(), false), new Field("size", new Int64(), false), content]);
  }

  async *read(from: SourcePosition | undefined, opts: SourceReadOptions): AsyncIterable<PositionedBatch> {
    const batchRows = checkBatchRows(this.name, opts.batchRows);
    const files = await this.files();
    // Reads run up to `readAhead` files ahead of the batch being built, in order.
    const starts = filesFrom(this.name, files, from, opts.signal);
    const ahead: { index: number; entry: FileEntry; bytes: Promise<Uint8Array | undefined> }[] = [];
    const fill = (): void => {
      while (ahead.length < this.readAhead) {
        const next = starts.next();
        if (next.done === true) return;
        const { index, entry, start } = next.value;
        if (start.offset >= 1) continue; // this file's row was consumed before the position
        const bytes = this.mode === "bytes" ? this.readBytes(entry, opts.signal) : Promise.resolve(undefined);
        bytes.catch(() => undefined); // awaited in order below; never an unhandled rejection
        ahead.push({ index, entry, bytes });
      }
    };
    let rows: { index: number; entry: FileEntry; bytes: Uint8Array | undefined }[] = [];
    let bytes = 0;
    fill();
    while (ahead.length > 0) {
      opts.signal.throwIfAborted();
      const head = ahead.shift()!;
      const content = await head.bytes;
      fill();
      rows.push({ index: head.index, entry: head.entry, bytes: content });
      bytes += content?.byteLength ?? 0;
      if (rows.length >= batchRows || bytes >= this.batchBytes || bytes + this.maxFileBytes > MAX_COLUMN_BYTES) {
        yield this.batchOf(rows);
        rows = [];
        bytes = 0;
      }
    }
    if (rows.length > 0) yield this.batchOf(rows);
  }

  private async readBytes(entry: FileEntry, signal: AbortSignal): Promise<Uint8Array> {
    if (entry.size > this.maxFileBytes) {
      throw connectorError(this.name, entry.path, `file of ${entry.size} bytes exceeds maxFileBytes ${this.maxFileBytes} (read it as an object reference instead)`);
    }
    try {
      const buf = await readFile(entry.path, { signal });
      return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    } catch (e) {
      if (signal.aborted) throw signal.reason;
      throw fsError(this.name, entry.path, "cannot read", e);
    }
  }

  private batchOf(rows: readonly { index: number; entry: FileEntry; bytes: Uint8Array | undefined }[]): PositionedBatch {
    const last = rows[rows.length - 1]!;
    const content: ExtensionColumn =
      this.mode === "ref"
        ? objectRefColumn(this.column, rows.map((r) => refOf(r.entry)), { nullable: false })
        : this.images
          ? encodedImageColumn(this.column, rows.map((r) => r.bytes!), { nullable: false })
          : binaryColumn(this.column, rows.map((r) => r.bytes!));
    const batch = recordBatchFromColumns([
      utf8Column("path", rows.map((r) => r.entry.path)),
      // The size of what was read: a file rewritten since it was listed reports its new size.
      int64Column("size", rows.map((r) => r.bytes?.byteLength ?? r.entry.size)),
      content,
    ]);
    return { batch, position: positionJson({ file: last.index, path: last.entry.path, offset: 1 }) };
  }
}

function refOf(entry: FileEntry): ObjectRef {
  const contentType = contentTypeOf(entry.path);
  return { uri: pathToFileURL(entry.path).href, length: entry.size, ...(contentType !== undefined && { contentType }) };
}
