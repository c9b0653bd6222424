/**
 * Arrow IPC parts, streamed to disk as batches arrive: the apache-arrow writer's byte queue is
 * drained into the file by a pump running beside the writes. The file format (`.arrow`, with a
 * footer for random access) is the sink's output; the stream format (`.arrows`) serves as the
 * append-friendly staging chunk of single-file sinks. Field metadata, and so extension types,
 * is written with the schema.
 */

import { open, type FileHandle } from "node:fs/promises";
import { RecordBatchFileWriter, RecordBatchStreamWriter, Table, tableToIPC, type RecordBatch, type RecordBatchWriter, type Schema } from "apache-arrow";
import type { PartFormat, PartWriter } from "./part-writer.js";
import { batchByteSize } from "./part-writer.js";

/** Arrow IPC file format (default) or stream format parts. */
export function arrowFormat(kind: "file" | "stream" = "file"): PartFormat {
  return {
    name: kind === "file" ? "arrow" : "arrow-stream",
    extension: kind === "file" ? ".arrow" : ".arrows",
    check() {
      // apache-arrow writes every type it can represent.
    },
    async create(path, schema) {
      return new ArrowPartWriter(await open(path, "w"), schema, kind);
    },
  };
}

class ArrowPartWriter implements PartWriter {
  rows = 0;
  bytes = 0;
  private readonly writer: RecordBatchWriter;
  private readonly pump: Promise<void>;
  private pumpError: unknown;

  constructor(
    private readonly fh: FileHandle,
    private readonly schema: Schema,
    private readonly kind: "file" | "stream",
  ) {
    const writer: RecordBatchWriter = kind === "file" ? new RecordBatchFileWriter() : new RecordBatchStreamWriter();
    this.writer = writer;
    this.pump = drain(writer, fh).catch((e: unknown) => {
      this.pumpError = e;
    });
  }

  async write(batch: RecordBatch): Promise<void> {
    if (this.pumpError !== undefined) throw this.pumpError;
    this.writer.write(batch);
    this.rows += batch.numRows;
    this.bytes += batchByteSize(batch);
  }

  async finish(): Promise<void> {
    try {
      if (this.rows === 0) {
        // The writer emits nothing without a batch; an empty part still carries the schema.
        this.writer.close();
        await this.pump;
        await this.fh.write(tableToIPC(new Table(this.schema), this.kind), 0);
      } else {
        this.writer.close();
        await this.pump;
      }
      if (this.pumpError !== undefined) throw this.pumpError;
      await this.fh.sync();
    } finally {
      await this.fh.close();
    }
  }

  async discard(): Promise<void> {
    this.writer.abort();
    await this.pump;
    await this.fh.close();
  }
}

const QUEUE_EMPTY = Symbol("queue empty");

/**
 * Moves the writer's byte chunks into the file, gathering every chunk already queued into one
 * `writev`. The writer emits several small chunks per batch (metadata, padding, one per buffer);
 * one write call each made sealing a part wait for a backlog of thousands of syscalls.
 */
async function drain(writer: RecordBatchWriter, fh: FileHandle): Promise<void> {
  const it = writer[Symbol.asyncIterator]();
  let next = it.next();
  for (;;) {
    const first = await next;
    if (first.done === true) return;
    const chunks: Uint8Array[] = [first.value];
    let bytes = first.value.byteLength;
    for (;;) {
      next = it.next();
      // A queued chunk resolves before the already-resolved marker; an empty queue does not,
      // and `next` stays pending for the outer loop (so does the end of the stream).
      const r = await Promise.race([next, Promise.resolve(QUEUE_EMPTY)]);
      if (r === QUEUE_EMPTY || r.done === true) break;
      chunks.push(r.value);
      bytes += r.value.byteLength;
      if (bytes >= 8 << 20) {
        next = it.next();
        break;
      }
    }
    await fh.writev(chunks);
  }
}