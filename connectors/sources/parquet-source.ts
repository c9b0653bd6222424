/**
 * Parquet files, read lazily through a file-backed Blob (only the footer and the row groups
 * being read are loaded), decoded by parquet-wasm into Arrow batches of at most `batchRows`
 * rows. The Arrow schema stored in the file (`ARROW:schema`) is restored, so extension types
 * written by sluice — or by pyarrow — come back with their metadata. All files must share the
 * first file's columns.
 *
 * Position: `{file, path, offset}` with `offset` the number of rows of the file already read;
 * resuming finds the row group holding that row from the footer and skips within it.
 */

import { openAsBlob } from "node:fs";
import type { RecordBatch, Schema } from "apache-arrow";
import type { ParquetFile } from "parquet-wasm";
import type { PositionedBatch, SourcePosition, SourceReadOptions } from "../../runtime/api/source.js";
import { ConnectorError } from "../../runtime/api/runtime-errors.js";
import { connectorError, fsError, messageOf } from "../errors.js";
import { FileListSource, type FileListSourceOptions } from "./file-list-source.js";
import { batchesFromIPC, parquetWasm } from "../parquet/parquet-wasm.js";
import { checkBatchRows, filesFrom, positionJson } from "./file-position.js";
import { relabel, requireSameColumns, sliceRows } from "./schema-check.js";

export interface ParquetSourceOptions extends FileListSourceOptions {
  /** Read only these columns (in this order). */
  readonly columns?: readonly string[];
}

/** Extensions picked up when the input is a directory. */
export const PARQUET_EXTENSIONS: readonly string[] = [".parquet", ".pq"];


/** A source of Parquet files. */
export class ParquetSource extends FileListSource<ParquetSourceOptions> {
  constructor(inputs: string | readonly string[], opts: ParquetSourceOptions = {}) {
    super("parquet", PARQUET_EXTENSIONS, inputs, opts);
  }

  async *read(from: SourcePosition | undefined, opts: SourceReadOptions): AsyncIterable<PositionedBatch> {
    const batchRows = checkBatchRows(this.name, opts.batchRows);
    const schema = await this.schema();
    for (const { index, entry, start } of filesFrom(this.name, await this.files(), from, opts.signal)) {
      requireSameColumns(this.name, entry.path, schema, await this.fileSchema(entry.path));
      const file = await this.open(entry.path);
      try {
        const groups = this.rowGroupRows(file, entry.path);
        let group = 0;
        let first = 0; // first row of `group`
        while (group < groups.length && first + groups[group]! <= start.offset) first += groups[group++]!;
        if (group === groups.length) continue; // the file was read to its end
        let offset = start.offset;
        // One stream per row group: parquet-wasm's async reader applies `offset` to every
        // selected row group, so only the first group read may carry it.
        for (let g = group; g < groups.length; g++) {
          let stream: ReadableStream;
          try {
            stream = await file.stream({
              rowGroups: [g],
              offset: g === group ? start.offset - first : 0,
              batchSize: batchRows,
              ...(this.opts.columns !== undefined && { columns: [...this.opts.columns] }),
            });
          } catch (e) {
            throw this.corrupt(entry.path, e);
          }
          for await (const decoded of this.decoded(stream, entry.path)) {
            const batch = this.opts.columns === undefined ? decoded : inOrder(decoded, this.opts.columns);
            for (const slice of sliceRows(batch, 0, batchRows)) {
              offset += slice.batch.numRows;
              yield { batch: relabel(slice.batch, schema), position: positionJson({ file: index, path: entry.path, offset }) };
              opts.signal.throwIfAborted();
            }
          }
        }
      } finally {
        file.free();
      }
    }
  }

  private async *decoded(stream: ReadableStream, path: string): AsyncGenerator<RecordBatch> {
    const reader = stream.getReader();
    try {
      while (true) {
        let next: ReadableStreamReadResult<{ intoIPCStream(): Uint8Array }>;
        try {
          next = await reader.read();
        } catch (e) {
          throw this.corrupt(path, e);
        }
        if (next.done) return;
        yield* batchesFromIPC(next.value.intoIPCStream()).batches;
      }
    } finally {
      await reader.cancel().catch(() => undefined);
    }
  }

  private rowGroupRows(file: ParquetFile, path: string): number[] {
    try {
      const meta = file.metadata();
      return meta.rowGroups().map((g) => g.numRows());
    } catch (e) {
      throw this.corrupt(path, e);
    }
  }

  protected async fileSchema(path: string): Promise<Schema> {
    const file = await this.open(path);
    try {
      const schema = batchesFromIPC(file.schema().intoIPCStream()).schema;
      if (this.opts.columns === undefined) return schema;
      const names = schema.fields.map((f) => f.name);
      return schema.selectAt(
        this.opts.columns.map((c) => {
          const i = names.indexOf(c);
          if (i < 0) throw connectorError(this.name, path, `no column '${c}' (columns: ${names.join(", ")})`);
          return i;
        }),
      );
    } catch (e) {
      throw this.corrupt(path, e);
    } finally {
      file.free();
    }
  }

  private async open(path: string): Promise<ParquetFile> {
    const pw = await parquetWasm();
    let blob: Blob;
    try {
      blob = await openAsBlob(path);
    } catch (e) {
      throw fsError(this.name, path, "cannot open", e);
    }
    try {
      return await pw.ParquetFile.fromFile(blob);
    } catch (e) {
      throw this.corrupt(path, e);
    }
  }

  private corrupt(path: string, e: unknown): ConnectorError {
    if (e instanceof ConnectorError) return e;
    return connectorError(this.name, path, `corrupt, truncated or not a Parquet file: ${messageOf(e)}`, { cause: e });
  }
}

/** The batch's columns in the order asked for (parquet-wasm returns them in file order). */
function inOrder(batch: RecordBatch, columns: readonly string[]): RecordBatch {
  const names = batch.schema.fields.map((f) => f.name);
  return batch.selectAt(columns.map((c) => names.indexOf(c)));
}
