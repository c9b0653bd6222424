/**
 * The operator behind the tensor and text ops: compute some columns from a batch, pass every
 * other column of the planned output schema through. One shape covers in-place and new output
 * columns, steps that reject records (their rows leave every column and go to the dead-letter
 * output) and steps that expand rows (a chunker repeats a document's other columns per chunk).
 */

import { makeData, makeVector, type Field, type Int32, type Schema } from "apache-arrow";
import type { DeadLetter } from "../api/dead-letter.js";
import type { Batch } from "../api/stream.js";
import { Operator, type OperatorContext, type OperatorState } from "../executor/operator.js";
import type { Tensor } from "../../kernels/tensor.js";
import { columnOf, embeddingView, fixedShapeTensorAsTensor, isEmbeddingField, recordBatchFromColumns, type ExtensionColumn } from "../types/index.js";
import { rowKeys } from "./row-keys.js";
import { takeColumnRows } from "../types/take-column-rows.js";

/** A record the step could not process, by its row in the input batch. */
export interface RejectedRow {
  readonly row: number;
  readonly error: unknown;
}

export interface ColumnMapResult {
  /** The computed columns; their names are fields of the planned output schema. */
  readonly columns: readonly ExtensionColumn[];
  /**
   * The input row behind each output row, for passed-through columns: repeats expand rows,
   * omissions drop them. Absent: output row i is input row i.
   */
  readonly rows?: Int32Array;
  /** Rows to dead-letter (not in `rows`). */
  readonly rejected?: readonly RejectedRow[];
}

export interface ColumnMapOptions {
  /** The schema planned for this step; emitted batches have exactly these Fields. */
  readonly output: Schema;
  /** Computes the step's columns for one non-empty batch. */
  readonly compute: (batch: Batch) => Promise<ColumnMapResult> | ColumnMapResult;
  /** For the run summary (`wasm`, `onnxruntime-node`, …). */
  readonly backend: string;
  /**
   * The step may reject records: it then counts rows so a dead letter's key is the record's
   * position in the stream, and keeps that count in checkpoints.
   */
  readonly rejects?: boolean;
}

export class ColumnMapOperator extends Operator {
  private seen = 0;

  constructor(readonly step: string, private readonly opts: ColumnMapOptions) {
    super();
  }

  override outputSchema(): Schema {
    return this.opts.output;
  }

  override open(ctx: OperatorContext): void {
    ctx.metrics.backend = this.opts.backend;
  }

  async processBatch(batch: Batch, ctx: OperatorContext): Promise<void> {
    const offset = this.seen;
    this.seen += batch.numRows;
    // An empty batch carries nothing the planned schema does not already say.
    if (batch.numRows === 0) return;
    const result = await this.opts.compute(batch);
    if (result.rejected?.length) {
      const keys = rowKeys(batch, undefined, offset);
      const at = new Date().toISOString();
      const letters: DeadLetter[] = result.rejected.map(({ row, error }) => ({
        step: this.step,
        key: keys[row]!,
        reason: error instanceof Error ? error.message : String(error),
        error: error instanceof Error ? error.name : "Error",
        at,
      }));
      await ctx.deadLetter(letters);
    }
    const rows = result.rows;
    if (rows?.length === 0) return;
    const computed = new Map(result.columns.map((c) => [c.field.name, c]));
    const columns = this.opts.output.fields.map((field): ExtensionColumn => {
      const c = computed.get(field.name);
      // The planned Field (with its extension metadata) always wins, so every batch of a step agrees.
      if (c) return { field, vector: c.vector };
      const passed = columnOf(batch, field.name);
      return rows ? takeColumnRows(passed, rows) : passed;
    });
    const out = recordBatchFromColumns(columns, this.opts.output.metadata);
    if (out.numRows > 0) await ctx.emit(out);
  }

  override snapshot(): OperatorState {
    return this.opts.rejects ? { seen: this.seen } : undefined;
  }

  override restore(state: OperatorState): void {
    const seen = (state as { seen?: unknown } | undefined)?.seen;
    if (typeof seen === "number") this.seen = seen;
  }
}

/** Per-row presence across columns (a row is present when every column has it); undefined when no row is null. */
export function rowValidity(columns: readonly ExtensionColumn[], rows: number): boolean[] | undefined {
  if (columns.every((c) => c.vector.nullCount === 0)) return undefined;
  return Array.from({ length: rows }, (_, r) => columns.every((c) => c.vector.isValid(r)));
}

/** A plain Int32 column over `values`, null where `valid` says so. */
export function int32Column(field: Field, values: Int32Array, valid?: readonly boolean[]): ExtensionColumn {
  const data = makeData({ type: field.type as Int32, length: values.length, data: values, ...bitmapOf(valid) });
  return { field, vector: makeVector(data) };
}

/** A validity bitmap and null count for makeData, or nothing when every row is present. */
export function bitmapOf(valid: readonly boolean[] | undefined): { nullBitmap?: Uint8Array; nullCount?: number } {
  if (!valid || valid.every(Boolean)) return {};
  const bitmap = new Uint8Array((valid.length + 7) >> 3);
  let nulls = 0;
  valid.forEach((v, i) => {
    if (v) bitmap[i >> 3] = bitmap[i >> 3]! | (1 << (i & 7));
    else nulls++;
  });
  return { nullBitmap: bitmap, nullCount: nulls };
}

/** A tensor or embedding column as one `[rows, ...shape]` kernel tensor, viewed in place. */
export function columnTensor(column: ExtensionColumn): Tensor {
  return isEmbeddingField(column.field) ? embeddingView(column) : fixedShapeTensorAsTensor(column);
}
