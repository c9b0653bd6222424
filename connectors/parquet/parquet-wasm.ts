/**
 * parquet-wasm (arrow-rs compiled to WebAssembly) does the Parquet encoding and decoding. It is
 * loaded on first use so pipelines without Parquet never instantiate its WebAssembly module.
 * Data crosses between apache-arrow JS and the module as Arrow IPC streams.
 *
 * arrow-rs stores the Arrow schema in the Parquet key-value metadata (`ARROW:schema`) and
 * restores it on read, so field metadata (extension types), FixedSizeList storage and schema
 * metadata survive a Parquet round trip.
 */

import { Table, tableFromIPC, tableToIPC, type RecordBatch, type Schema } from "apache-arrow";

type ParquetWasm = typeof import("parquet-wasm");

let loading: Promise<ParquetWasm> | undefined;

/** The parquet-wasm module (instantiated once per process). */
export function parquetWasm(): Promise<ParquetWasm> {
  loading ??= import("parquet-wasm");
  return loading;
}

/** Parquet compression codecs sinks may use. */
export type ParquetCompression = "uncompressed" | "snappy" | "gzip" | "brotli" | "lz4" | "zstd";

export interface ParquetWriteOptions {
  /** Default `snappy`: fast, and every Parquet reader has it. */
  readonly compression?: ParquetCompression;
  /** Rows per row group (default 65536): the unit a reader can skip to. */
  readonly rowGroupRows?: number;
}

/** Encodes batches of one schema as a complete Parquet file. */
export async function encodeParquet(schema: Schema, batches: readonly RecordBatch[], opts: ParquetWriteOptions = {}): Promise<Uint8Array> {
  const pw = await parquetWasm();
  const ipc = tableToIPC(new Table(schema, batches as RecordBatch[]), "stream");
  const table = pw.Table.fromIPCStream(ipc);
  const codec = {
    uncompressed: pw.Compression.UNCOMPRESSED,
    snappy: pw.Compression.SNAPPY,
    gzip: pw.Compression.GZIP,
    brotli: pw.Compression.BROTLI,
    lz4: pw.Compression.LZ4_RAW,
    zstd: pw.Compression.ZSTD,
  }[opts.compression ?? "snappy"];
  const props = new pw.WriterPropertiesBuilder()
    .setCompression(codec)
    .setMaxRowGroupSize(opts.rowGroupRows ?? 65536)
    .setCreatedBy("sluice")
    .build();
  // writeParquet consumes the table and the properties.
  return pw.writeParquet(table, props);
}

/** An IPC stream from parquet-wasm as apache-arrow JS batches. */
export function batchesFromIPC(ipc: Uint8Array): { schema: Schema; batches: RecordBatch[] } {
  const table: Table = tableFromIPC(ipc);
  return { schema: table.schema, batches: table.batches };
}
