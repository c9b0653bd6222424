/**
 * A sink format writes one part file at a time. The staged sink owns naming, staging and
 * commit; a format only knows how to put batches of one schema into one file and to make that
 * file complete and durable (`finish`: trailer written, fsynced, closed).
 */

import type { Data, RecordBatch, Schema } from "apache-arrow";

export interface PartWriter {
  write(batch: RecordBatch): Promise<void>;
  /** Rows written so far. */
  readonly rows: number;
  /** Bytes written or buffered so far (for rolling to a new part). */
  readonly bytes: number;
  /** Completes the file (footer, flush) and fsyncs it. The file is then whole. */
  finish(): Promise<void>;
  /** Closes without completing; the caller deletes the file. */
  discard(): Promise<void>;
}

export interface PartFormat {
  /** Short name used in committables and sink names: `jsonl`, `arrow`, `parquet`. */
  readonly name: string;
  /** File name extension with the dot. */
  readonly extension: string;
  /** Throws when the format cannot write `schema` (so it fails at open, before data flows). */
  check(schema: Schema): void;
  /** Starts a new file at `path` (created or truncated). */
  create(path: string, schema: Schema): Promise<PartWriter>;
}

/** Approximate bytes a batch holds in memory (buffers of sliced batches counted whole). */
export function batchByteSize(batch: RecordBatch): number {
  return dataBytes(batch.data, new Set());
}

function dataBytes(data: Data, seen: Set<ArrayBufferView>): number {
  let n = 0;
  for (const buf of [data.values, data.valueOffsets, data.nullBitmap, data.typeIds] as (ArrayBufferView | undefined)[]) {
    if (buf !== undefined && buf !== null && !seen.has(buf)) {
      seen.add(buf);
      n += buf.byteLength;
    }
  }
  for (const child of data.children) n += dataBytes(child, seen);
  if (data.dictionary !== undefined) for (const d of data.dictionary.data) n += dataBytes(d, seen);
  return n;
}
