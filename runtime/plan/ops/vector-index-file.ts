/**
 * Reads a vector index file for the `search` op: ids and vectors from JSONL (one
 * `{"id": …, "embedding": [...]}` per line) or from Arrow IPC / Parquet files with an id column
 * and a vector column (`sluice.embedding`, a fixed-shape tensor, or a list of numbers). Read once
 * at plan time, so a malformed index or a dimension mismatch stops the pipeline before any data
 * flows. Messages name the file and the line or row.
 */

import { readFile } from "node:fs/promises";
import { extname } from "node:path";
import type { Vector } from "apache-arrow";
import { ArrowSource, ARROW_EXTENSIONS } from "../../../connectors/sources/arrow-source.js";
import { ParquetSource, PARQUET_EXTENSIONS } from "../../../connectors/sources/parquet-source.js";
import { SluiceError } from "../../../kernels/errors.js";
import type { Source } from "../../api/source.js";
import { embeddingRow, fixedShapeTensorRow, isEmbeddingField, isFixedShapeTensorField, type ExtensionColumn } from "../../types/index.js";

export type IndexId = string | number;

export interface IndexEntries {
  readonly ids: IndexId[];
  /** `[ids.length, dim]` row-major. */
  readonly vectors: Float32Array;
  readonly dim: number;
  /** Every id is an integer in the i32 range (ids can then be an i32 tensor column). */
  readonly integerIds: boolean;
}

export interface IndexFileOptions {
  /** Default `id`. */
  readonly idColumn?: string;
  /** Default `embedding`. */
  readonly vectorColumn?: string;
}

const JSONL_EXTENSIONS = [".jsonl", ".ndjson", ".json"];

/** Reads an index file; throws a SluiceError naming the file and what is wrong. */
export async function readIndexFile(path: string, opts: IndexFileOptions = {}): Promise<IndexEntries> {
  const idColumn = opts.idColumn ?? "id", vectorColumn = opts.vectorColumn ?? "embedding";
  const ext = extname(path).toLowerCase();
  const acc = new Accumulator(path);
  if (JSONL_EXTENSIONS.includes(ext)) await readJsonl(path, idColumn, vectorColumn, acc);
  else if (ARROW_EXTENSIONS.includes(ext)) await readBatches(new ArrowSource(path), path, idColumn, vectorColumn, acc);
  else if (PARQUET_EXTENSIONS.includes(ext)) await readBatches(new ParquetSource(path), path, idColumn, vectorColumn, acc);
  else throw new SluiceError(`index ${path}: unknown format '${ext}' (use ${[...JSONL_EXTENSIONS, ...ARROW_EXTENSIONS, ...PARQUET_EXTENSIONS].join(", ")})`);
  return acc.done();
}

/** Collects rows, checking every vector has the first one's dimension. */
class Accumulator {
  private readonly ids: IndexId[] = [];
  private readonly rows: ArrayLike<number>[] = [];
  private dim = -1;

  constructor(private readonly path: string) {}

  add(id: unknown, vector: ArrayLike<number> | null, where: string): void {
    if (typeof id === "bigint") id = Number.isSafeInteger(Number(id)) ? Number(id) : id.toString();
    if (typeof id !== "string" && !(typeof id === "number" && Number.isFinite(id))) throw this.error(`${where}: id must be a string or a number, got ${JSON.stringify(id) ?? String(id)}`);
    if (vector === null) throw this.error(`${where}: no vector (null)`);
    if (this.dim < 0) this.dim = vector.length;
    if (vector.length !== this.dim || this.dim === 0) throw this.error(`${where}: vector has ${vector.length} values, the first had ${this.dim}`);
    for (let i = 0; i < vector.length; i++) if (!Number.isFinite(vector[i]!)) throw this.error(`${where}: value ${i} is ${vector[i]}, not a finite number`);
    this.ids.push(id as IndexId);
    this.rows.push(vector);
  }

  done(): IndexEntries {
    if (this.ids.length === 0) throw this.error("holds no vectors");
    const vectors = new Float32Array(this.ids.length * this.dim);
    this.rows.forEach((r, i) => vectors.set(r, i * this.dim));
    const integerIds = this.ids.every((id) => typeof id === "number" && Number.isInteger(id) && id >= -(2 ** 31) && id < 2 ** 31);
    return { ids: this.ids, vectors, dim: this.dim, integerIds };
  }

  error(msg: string): SluiceError {
    return new SluiceError(`index ${this.path}: ${msg}`);
  }
}

async function readJsonl(path: string, idKey: string, vectorKey: string, acc: Accumulator): Promise<void> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    throw new SluiceError(`index ${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err });
  }
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === "") return;
    let rec: unknown;
    try {
      rec = JSON.parse(line);
    } catch (err) {
      throw acc.error(`line ${i + 1}: not JSON (${(err as Error).message})`);
    }
    if (typeof rec !== "object" || rec === null || Array.isArray(rec)) throw acc.error(`line ${i + 1}: expected an object with '${idKey}' and '${vectorKey}'`);
    const r = rec as Record<string, unknown>;
    const v = r[vectorKey];
    if (!Array.isArray(v) || !v.every((x) => typeof x === "number")) throw acc.error(`line ${i + 1}: '${vectorKey}' must be an array of numbers`);
    acc.add(r[idKey], v as number[], `line ${i + 1}`);
  });
}

async function readBatches(source: Source, path: string, idName: string, vectorName: string, acc: Accumulator): Promise<void> {
  const signal = new AbortController().signal;
  let row = 0;
  try {
    for await (const { batch } of source.read(undefined, { batchRows: 1 << 16, signal })) {
      const find = (name: string): ExtensionColumn => {
        const i = batch.schema.fields.findIndex((f) => f.name === name);
        if (i < 0) throw acc.error(`no column '${name}' (columns: ${batch.schema.fields.map((f) => f.name).join(", ")})`);
        return { field: batch.schema.fields[i]!, vector: batch.getChildAt(i)! };
      };
      const ids = find(idName), vectors = find(vectorName);
      for (let r = 0; r < batch.numRows; r++, row++) acc.add(ids.vector.get(r), vectorAt(vectors, r), `row ${row}`);
    }
  } catch (err) {
    if (err instanceof SluiceError && err.message.startsWith(`index ${path}`)) throw err;
    throw acc.error((err as Error).message);
  }
}

/** Row `r` of a vector column as numbers, whatever its storage. */
function vectorAt(column: ExtensionColumn, r: number): ArrayLike<number> | null {
  if (isEmbeddingField(column.field)) return embeddingRow(column, r);
  if (isFixedShapeTensorField(column.field)) {
    const t = fixedShapeTensorRow(column, r);
    return t === null ? null : Float32Array.from(t.data as ArrayLike<number>, Number);
  }
  const v = column.vector.get(r) as Vector | ArrayLike<number> | null;
  if (v === null || v === undefined) return null;
  return Float32Array.from(v as Iterable<number>, Number);
}
