/**
 * Text files as rows: one row per file (`path`, `text`) or one per line (`path`, `line`,
 * `text`, the line without its terminator). Input must be UTF-8; invalid bytes are an error
 * naming the file (and line), never replacement characters that silently change the text.
 *
 * Positions: per file, `{file, path, offset: 1}` for the last file of a batch; per line, the
 * byte offset and number of the next line, so a resumed read starts at that line exactly.
 */

import { open, readFile } from "node:fs/promises";
import { Field, Int32, Schema, Utf8 } from "apache-arrow";
import { ConnectorError } from "../../runtime/api/runtime-errors.js";
import type { PositionedBatch, Source, SourcePosition, SourceReadOptions } from "../../runtime/api/source.js";
import { recordBatchFromColumns } from "../../runtime/types/index.js";
import { connectorError, fsError } from "../errors.js";
import { LineTooLongError, readLines } from "../files/line-reader.js";
import { resolveFiles, type FileEntry, type ResolveOptions } from "../files/resolve-files.js";
import { int32Column, utf8Column } from "./columns.js";
import { checkBatchRows, filesFrom, positionJson } from "./file-position.js";

export interface TextSourceOptions extends ResolveOptions {
  /** `file` (default): one row per file; `line`: one row per line. */
  readonly mode?: "file" | "line";
  /** Line mode: drop lines that are empty or only whitespace (default false). */
  readonly skipEmptyLines?: boolean;
  /** Line mode: a longer line is an error (default 256 MiB). */
  readonly maxLineBytes?: number;
  /** File mode: a batch closes once its text reaches this many bytes (default 64 MiB). */
  readonly batchBytes?: number;
}

const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/** A source of text files, by file or by line. */
export class TextSource implements Source {
  readonly name: string;
  private listing: Promise<FileEntry[]> | undefined;

  constructor(
    private readonly inputs: string | readonly string[],
    private readonly opts: TextSourceOptions = {},
  ) {
    this.name = `text(${typeof inputs === "string" ? inputs : inputs.join(",")})`;
  }

  files(): Promise<FileEntry[]> {
    this.listing ??= resolveFiles(this.name, this.inputs, this.opts);
    return this.listing;
  }

  async schema(): Promise<Schema> {
    const path = new Field("path", new Utf8(), false);
    const text = new Field("text", new Utf8(), false);
    return new Schema(this.opts.mode === "line" ? [path, new Field("line", new Int32(), false), text] : [path, text]);
  }

  read(from: SourcePosition | undefined, opts: SourceReadOptions): AsyncIterable<PositionedBatch> {
    return this.opts.mode === "line" ? this.readByLine(from, opts) : this.readByFile(from, opts);
  }

  private async *readByFile(from: SourcePosition | undefined, opts: SourceReadOptions): AsyncIterable<PositionedBatch> {
    const batchRows = checkBatchRows(this.name, opts.batchRows);
    const batchBytes = this.opts.batchBytes ?? 64 * 2 ** 20;
    let rows: { index: number; path: string; text: string }[] = [];
    let bytes = 0;
    const flush = (): PositionedBatch => {
      const last = rows[rows.length - 1]!;
      const batch = recordBatchFromColumns([utf8Column("path", rows.map((r) => r.path)), utf8Column("text", rows.map((r) => r.text))]);
      rows = [];
      bytes = 0;
      return { batch, position: positionJson({ file: last.index, path: last.path, offset: 1 }) };
    };
    for (const { index, entry, start } of filesFrom(this.name, await this.files(), from, opts.signal)) {
      if (start.offset >= 1) continue;
      let buf: Buffer;
      try {
        buf = await readFile(entry.path, { signal: opts.signal });
      } catch (e) {
        if (opts.signal.aborted) throw opts.signal.reason;
        throw fsError(this.name, entry.path, "cannot read", e);
      }
      rows.push({ index, path: entry.path, text: this.decode(buf, entry.path) });
      bytes += buf.byteLength;
      if (rows.length >= batchRows || bytes >= batchBytes) yield flush();
    }
    if (rows.length > 0) yield flush();
  }

  private async *readByLine(from: SourcePosition | undefined, opts: SourceReadOptions): AsyncIterable<PositionedBatch> {
    const batchRows = checkBatchRows(this.name, opts.batchRows);
    for (const { index, entry, start } of filesFrom(this.name, await this.files(), from, opts.signal)) {
      let fh;
      try {
        fh = await open(entry.path, "r");
      } catch (e) {
        throw fsError(this.name, entry.path, "cannot open", e);
      }
      try {
        let lines: number[] = [];
        let texts: string[] = [];
        let end = start.offset;
        let next = start.line ?? 1;
        const flush = (): PositionedBatch => {
          const batch = recordBatchFromColumns([utf8Column("path", lines.map(() => entry.path)), int32Column("line", lines), utf8Column("text", texts)]);
          lines = [];
          texts = [];
          return { batch, position: positionJson({ file: index, path: entry.path, offset: end, line: next }) };
        };
        for await (const raw of readLines(fh, { offset: start.offset, line: start.line ?? 1, ...(this.opts.maxLineBytes !== undefined && { maxLineBytes: this.opts.maxLineBytes }) })) {
          const text = this.decode(raw.bytes, `${entry.path}:${raw.number}`);
          end = raw.end;
          next = raw.number + 1;
          if (this.opts.skipEmptyLines === true && text.trim() === "") continue;
          lines.push(raw.number);
          texts.push(text);
          if (lines.length >= batchRows) {
            yield flush();
            opts.signal.throwIfAborted();
          }
        }
        if (lines.length > 0) yield flush();
      } catch (e) {
        if (e instanceof LineTooLongError) throw connectorError(this.name, `${entry.path}:${e.line}`, e.message);
        if (e instanceof ConnectorError || opts.signal.aborted) throw e;
        throw fsError(this.name, entry.path, "cannot read", e);
      } finally {
        await fh.close();
      }
    }
  }

  private decode(bytes: Uint8Array, where: string): string {
    try {
      return decoder.decode(bytes);
    } catch (e) {
      throw connectorError(this.name, where, "not valid UTF-8 text", { cause: e });
    }
  }
}
