/**
 * JSON Lines parts: one object per row, keys in schema order, appended to the part file as
 * batches arrive. See json/arrow-to-json.ts for how non-JSON types are written (binary as
 * base64 or left out, tensors as nested arrays, int64 beyond 2^53 as strings).
 */

import { open, type FileHandle } from "node:fs/promises";
import type { RecordBatch, Schema } from "apache-arrow";
import { compileRowWriter, type JsonWriteOptions } from "../json/arrow-to-json.js";
import type { PartFormat, PartWriter } from "./part-writer.js";

export function jsonlFormat(opts: JsonWriteOptions = {}): PartFormat {
  return {
    name: "jsonl",
    extension: ".jsonl",
    check(schema) {
      compileRowWriter(schema, opts);
    },
    async create(path, schema) {
      return new JsonlPartWriter(await open(path, "w"), schema, opts);
    },
  };
}

class JsonlPartWriter implements PartWriter {
  rows = 0;
  bytes = 0;
  private readonly toLines: (batch: RecordBatch) => string[];

  constructor(
    private readonly fh: FileHandle,
    schema: Schema,
    opts: JsonWriteOptions,
  ) {
    this.toLines = compileRowWriter(schema, opts);
  }

  async write(batch: RecordBatch): Promise<void> {
    if (batch.numRows === 0) return;
    const text = Buffer.from(`${this.toLines(batch).join("\n")}\n`, "utf8");
    await this.fh.write(text);
    this.rows += batch.numRows;
    this.bytes += text.byteLength;
  }

  async finish(): Promise<void> {
    try {
      await this.fh.sync();
    } finally {
      await this.fh.close();
    }
  }

  async discard(): Promise<void> {
    await this.fh.close();
  }
}
