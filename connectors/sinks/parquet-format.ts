/**
 * Parquet parts. parquet-wasm encodes a whole table at once (its streaming writer also buffers
 * the whole file), so a part's batches are held in memory until the part is finished; the
 * sink's `maxPartBytes` (default 128 MiB for Parquet) bounds that buffer by rolling to a new
 * part. The Arrow schema goes into the file's `ARROW:schema` metadata, so extension types
 * survive (see parquet/parquet-wasm.ts).
 */

import { open } from "node:fs/promises";
import type { RecordBatch, Schema } from "apache-arrow";
import { encodeParquet, type ParquetWriteOptions } from "../parquet/parquet-wasm.js";
import type { PartFormat, PartWriter } from "./part-writer.js";
import { batchByteSize } from "./part-writer.js";

export function parquetFormat(opts: ParquetWriteOptions = {}): PartFormat {
  return {
    name: "parquet",
    extension: ".parquet",
    check() {
      // Types parquet-wasm cannot store fail when the first part is written, naming the sink.
    },
    async create(path, schema) {
      // Create the file now so the staged part is visible on disk as in-progress.
      await (await open(path, "w")).close();
      return new ParquetPartWriter(path, schema, opts);
    },
  };
}

class ParquetPartWriter implements PartWriter {
  rows = 0;
  bytes = 0;
  private batches: RecordBatch[] = [];

  constructor(
    private readonly path: string,
    private readonly schema: Schema,
    private readonly opts: ParquetWriteOptions,
  ) {}

  async write(batch: RecordBatch): Promise<void> {
    if (batch.numRows === 0) return;
    this.batches.push(batch);
    this.rows += batch.numRows;
    this.bytes += batchByteSize(batch);
  }

  async finish(): Promise<void> {
    const bytes = await encodeParquet(this.schema, this.batches, this.opts);
    this.batches = [];
    const fh = await open(this.path, "w");
    try {
      await fh.write(bytes);
      await fh.sync();
    } finally {
      await fh.close();
    }
  }

  async discard(): Promise<void> {
    this.batches = [];
  }
}
