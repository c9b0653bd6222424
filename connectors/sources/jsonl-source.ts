/**
 * JSON Lines: one JSON object per line, blank lines skipped. The schema is given, or inferred
 * from the first `inferRows` objects of the input (see json/json-infer.ts). A line that is not
 * valid UTF-8, not valid JSON, not an object, or does not fit the schema is a bad record: an
 * error naming `file:line` and the cause, or — with `onBadRecord` — reported and skipped, so the
 * runtime can dead-letter it while the job goes on.
 *
 * Keys that are not in the schema: with a given schema they are ignored (the schema is the
 * projection the user asked for); with an inferred one they are bad records by default, since
 * a key that first shows up after the sample would otherwise vanish (raise `inferRows` or pass
 * a schema). `extraFields` overrides both.
 *
 * Position: the byte offset and number of the next line in the current file.
 */

import { open } from "node:fs/promises";
import type { Schema } from "apache-arrow";
import { ConnectorError } from "../../runtime/api/runtime-errors.js";
import type { PositionedBatch, Source, SourcePosition, SourceReadOptions } from "../../runtime/api/source.js";
import { connectorError, fsError, messageOf } from "../errors.js";
import { LineTooLongError, readLines } from "../files/line-reader.js";
import { resolveFiles, type FileEntry, type ResolveOptions } from "../files/resolve-files.js";
import { SchemaInferrer } from "../json/json-infer.js";
import { CoercionError, JsonBatchBuilder, UnsupportedJsonTypeError, checkJsonSchema, type ExtraFields } from "../json/json-to-arrow.js";
import type { BadRecord, BadRecordHandler } from "./bad-record.js";
import { checkBatchRows, filesFrom, positionJson } from "./file-position.js";

export interface JsonlSourceOptions extends ResolveOptions {
  /** The schema to read into; inferred from the first `inferRows` objects when absent. */
  readonly schema?: Schema;
  /** How many objects inference samples (default 1000). */
  readonly inferRows?: number;
  /** Called for each bad line, which is then skipped; without it a bad line is an error. */
  readonly onBadRecord?: BadRecordHandler;
  /** Keys outside the schema: default `ignore` for a given schema, `reject` for an inferred one. */
  readonly extraFields?: ExtraFields;
  /** A longer line is an error (default 256 MiB). */
  readonly maxLineBytes?: number;
}

/** Extensions picked up when the input is a directory. */
export const JSONL_EXTENSIONS: readonly string[] = [".jsonl", ".ndjson"];

const decoder = new TextDecoder("utf-8", { fatal: true });

/** A JSON Lines source over one or more files. */
export class JsonlSource implements Source {
  readonly name: string;
  private listing: Promise<FileEntry[]> | undefined;
  private resolved: Promise<Schema> | undefined;

  constructor(
    private readonly inputs: string | readonly string[],
    private readonly opts: JsonlSourceOptions = {},
  ) {
    this.name = `jsonl(${typeof inputs === "string" ? inputs : inputs.join(",")})`;
  }

  files(): Promise<FileEntry[]> {
    this.listing ??= resolveFiles(this.name, this.inputs, { extensions: JSONL_EXTENSIONS, ...this.opts });
    return this.listing;
  }

  schema(): Promise<Schema> {
    this.resolved ??= this.resolveSchema();
    return this.resolved;
  }

  async *read(from: SourcePosition | undefined, opts: SourceReadOptions): AsyncIterable<PositionedBatch> {
    const batchRows = checkBatchRows(this.name, opts.batchRows);
    const schema = await this.schema();
    const extra = this.opts.extraFields ?? (this.opts.schema === undefined ? "reject" : "ignore");
    const builder = new JsonBatchBuilder(schema, extra);
    for (const { index, entry, start } of filesFrom(this.name, await this.files(), from, opts.signal)) {
      let end = start.offset;
      let next = start.line ?? 1;
      const flush = (): PositionedBatch => ({ batch: builder.flush(), position: positionJson({ file: index, path: entry.path, offset: end, line: next }) });
      for await (const line of this.lines(entry, start.offset, next)) {
        end = line.end;
        next = line.number + 1;
        if (line.text === undefined) {
          await this.bad(entry.path, line.number, line.error!, line.raw);
          continue;
        }
        if (line.text.trim() === "") continue;
        try {
          builder.append(JSON.parse(line.text));
        } catch (e) {
          const reason = e instanceof CoercionError ? e.message : e instanceof SyntaxError ? `invalid JSON: ${e.message}` : messageOf(e);
          await this.bad(entry.path, line.number, reason, line.text);
          continue;
        }
        if (builder.length >= batchRows) {
          yield flush();
          opts.signal.throwIfAborted();
        }
      }
      if (builder.length > 0) yield flush();
    }
  }

  private async resolveSchema(): Promise<Schema> {
    if (this.opts.schema !== undefined) {
      try {
        checkJsonSchema(this.opts.schema);
      } catch (e) {
        if (e instanceof UnsupportedJsonTypeError) throw connectorError(this.name, undefined, e.message);
        throw e;
      }
      return this.opts.schema;
    }
    const want = this.opts.inferRows ?? 1000;
    const inferrer = new SchemaInferrer();
    for (const entry of await this.files()) {
      for await (const line of this.lines(entry, 0, 1)) {
        if (line.text === undefined || line.text.trim() === "") continue;
        let value: unknown;
        try {
          value = JSON.parse(line.text);
        } catch {
          continue; // reported when the line is read
        }
        if (value !== null && typeof value === "object" && !Array.isArray(value)) inferrer.add(value as Record<string, unknown>);
        if (inferrer.rows >= want) return inferrer.schema();
      }
    }
    if (inferrer.rows === 0) throw connectorError(this.name, undefined, "cannot infer a schema: the input holds no JSON object (pass a schema)");
    return inferrer.schema();
  }

  /** Lines of one file as text (or the decoding error), closing the file when done. */
  private async *lines(entry: FileEntry, offset: number, line: number): AsyncGenerator<{ number: number; end: number; text?: string; error?: string; raw: string }> {
    let fh;
    try {
      fh = await open(entry.path, "r");
    } catch (e) {
      throw fsError(this.name, entry.path, "cannot open", e);
    }
    try {
      const opts = { offset, line, ...(this.opts.maxLineBytes !== undefined && { maxLineBytes: this.opts.maxLineBytes }) };
      for await (const raw of readLines(fh, opts)) {
        let text: string;
        try {
          text = decoder.decode(raw.bytes);
        } catch {
          yield { number: raw.number, end: raw.end, error: "not valid UTF-8", raw: Buffer.from(raw.bytes.subarray(0, 256)).toString("latin1") };
          continue;
        }
        yield { number: raw.number, end: raw.end, text, raw: text };
      }
    } catch (e) {
      if (e instanceof LineTooLongError) throw connectorError(this.name, `${entry.path}:${e.line}`, e.message);
      if (e instanceof ConnectorError) throw e;
      throw fsError(this.name, entry.path, "cannot read", e);
    } finally {
      await fh.close();
    }
  }

  private async bad(path: string, line: number, reason: string, text: string): Promise<void> {
    const handler = this.opts.onBadRecord;
    if (handler === undefined) throw connectorError(this.name, `${path}:${line}`, reason);
    const record: BadRecord = { source: this.name, path, line, reason, text: text.length > 1024 ? `${text.slice(0, 1021)}...` : text };
    await handler(record);
  }
}
