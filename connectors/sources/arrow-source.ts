/**
 * Arrow IPC files and streams (the format is detected per file from its magic bytes). Batches
 * are passed through as stored — field metadata, and so extension types, included — and cut to
 * at most `batchRows` rows by zero-copy slicing. All files must share the first file's columns.
 *
 * Position: `{file, path, batch, offset}` — the next record batch of the file and how many of
 * its rows were already emitted. The file format jumps straight to that batch through its
 * footer; the stream format reads past the batches before it.
 */

import { open, type FileHandle } from "node:fs/promises";
import { RecordBatchReader, type AsyncRecordBatchFileReader, type RecordBatch, type Schema } from "apache-arrow";
import { ConnectorError } from "../../runtime/api/runtime-errors.js";
import type { PositionedBatch, SourcePosition, SourceReadOptions } from "../../runtime/api/source.js";
import { connectorError, fsError, messageOf } from "../errors.js";
import { FileListSource, type FileListSourceOptions } from "./file-list-source.js";
import { checkBatchRows, filesFrom, positionJson } from "./file-position.js";
import { relabel, requireSameColumns, sliceRows } from "./schema-check.js";

export type ArrowSourceOptions = FileListSourceOptions;

/** Extensions picked up when the input is a directory. */
export const ARROW_EXTENSIONS: readonly string[] = [".arrow", ".arrows", ".feather", ".ipc"];

/** A source of Arrow IPC files (file or stream format). */
export class ArrowSource extends FileListSource<ArrowSourceOptions> {
  constructor(inputs: string | readonly string[], opts: ArrowSourceOptions = {}) {
    super("arrow", ARROW_EXTENSIONS, inputs, opts);
  }

  protected fileSchema(path: string): Promise<Schema> {
    return this.withReader(path, async (reader) => reader.schema);
  }

  async *read(from: SourcePosition | undefined, opts: SourceReadOptions): AsyncIterable<PositionedBatch> {
    const batchRows = checkBatchRows(this.name, opts.batchRows);
    const schema = await this.schema();
    for (const { index, entry, start } of filesFrom(this.name, await this.files(), from, opts.signal)) {
      const fh = await this.open(entry.path);
      try {
        const reader = await this.reader(fh, entry.path);
        requireSameColumns(this.name, entry.path, schema, reader.schema);
        let b = start.batch ?? 0;
        let skip = start.offset;
        for await (const batch of this.batchesFrom(reader, b, entry.path)) {
          for (const slice of sliceRows(batch, skip, batchRows)) {
            const done = slice.end === batch.numRows;
            yield { batch: relabel(slice.batch, schema), position: positionJson({ file: index, path: entry.path, batch: done ? b + 1 : b, offset: done ? 0 : slice.end }) };
            opts.signal.throwIfAborted();
          }
          b++;
          skip = 0;
        }
      } finally {
        await fh.close().catch(() => undefined);
      }
    }
  }

  /** Record batches from index `from` on, with read errors named by file. */
  private async *batchesFrom(reader: RecordBatchReader, from: number, path: string): AsyncGenerator<RecordBatch> {
    try {
      if (reader.isFile()) {
        const file = reader as unknown as AsyncRecordBatchFileReader;
        for (let i = from; i < file.numRecordBatches; i++) {
          const batch = await file.readRecordBatch(i);
          if (batch === null) throw new Error(`record batch ${i} of ${file.numRecordBatches} is missing`);
          yield batch;
        }
        return;
      }
      let i = 0;
      for await (const batch of reader as AsyncIterable<RecordBatch>) if (i++ >= from) yield batch;
    } catch (e) {
      throw this.corrupt(path, e);
    }
  }

  private async withReader<T>(path: string, use: (reader: RecordBatchReader) => Promise<T>): Promise<T> {
    const fh = await this.open(path);
    try {
      return await use(await this.reader(fh, path));
    } finally {
      await fh.close().catch(() => undefined);
    }
  }

  private async open(path: string): Promise<FileHandle> {
    try {
      return await open(path, "r");
    } catch (e) {
      throw fsError(this.name, path, "cannot open", e);
    }
  }

  private async reader(fh: FileHandle, path: string): Promise<RecordBatchReader> {
    let reader: RecordBatchReader;
    try {
      reader = (await RecordBatchReader.from(fh)) as RecordBatchReader;
      await reader.open();
    } catch (e) {
      throw this.corrupt(path, e);
    }
    if (reader.schema === undefined || reader.schema === null) throw connectorError(this.name, path, "not an Arrow IPC file or stream (no schema; empty file?)");
    return reader;
  }

  private corrupt(path: string, e: unknown): ConnectorError {
    if (e instanceof ConnectorError) return e;
    return connectorError(this.name, path, `corrupt or truncated Arrow IPC data: ${messageOf(e)}`, { cause: e });
  }
}
