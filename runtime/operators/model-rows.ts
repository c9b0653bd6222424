/**
 * Inference on the async row operator: a micro-batch of row ranges (possibly from several input
 * batches) becomes one feed per model input — a view of the column when the micro-batch is one
 * range, else one `TypedArray.set` per range — runs through `runRows` (one call for a dynamic
 * batch dim, one per `size` rows for a fixed one), and each range gets views of its rows of
 * every output. Outputs of adjacent ranges of one call are joined back without a copy.
 */

import { Data, type Field, type Schema } from "apache-arrow";
import { allocData, type DType, type Tensor, type TensorData } from "../../kernels/tensor.js";
import { runRows, type ModelRuntime } from "../../scheduler/models/index.js";
import type { InvokeFn } from "../async/async-types.js";
import { ModelError } from "../api/runtime-errors.js";
import type { Batch } from "../api/stream.js";
import { columnOf, fixedShapeTensorAsTensor, type FixedShapeTensorStorage } from "../types/index.js";
import { arrowTypeFor } from "../types/element-types.js";
import type { ResultRun } from "./async-row-operator.js";
import type { OutputLayout } from "./output-layout.js";
import type { RowRange } from "./row-ranges.js";

export interface ModelFeed {
  /** Model input name. */
  readonly name: string;
  /** Fixed-shape tensor column feeding it. */
  readonly column: string;
  readonly dtype: DType;
  /** Shape of one row (the model input's dims after the batch dim). */
  readonly rowShape: readonly number[];
}

export interface ModelFetch {
  /** Model output name. */
  readonly name: string;
  /** The fixed-shape tensor field it becomes. */
  readonly field: Field<FixedShapeTensorStorage>;
  readonly dtype: DType;
  /** Elements per row. */
  readonly rowSize: number;
}

export interface ModelRowsOptions {
  model: ModelRuntime;
  feeds: readonly ModelFeed[];
  fetches: readonly ModelFetch[];
  /** Rows per model call for a dynamic batch dim. */
  maxRows: number;
  /** The model's batch dim is dynamic: a micro-batch (≤ maxRows rows) is one `model.run`. */
  dynamic: boolean;
}

/** Per range: its rows of each fetched output, in `fetches` order. */
export type RangeOutputs = readonly TensorData[];

/** The invoker function: gathers the ranges, runs the model, hands each range its output rows. */
export function modelInvoke(o: ModelRowsOptions): InvokeFn<RowRange, RangeOutputs> {
  const rowSizes = o.feeds.map((f) => f.rowShape.reduce((a, b) => a * b, 1));
  const arrays = o.feeds.map((f) => allocData(f.dtype, 0).constructor);
  const columns = new ColumnIndex(o.feeds.map((f) => f.column));
  // The column's values buffer, straight from the batch's Data (a view costs a microsecond per
  // batch, a tenth of the whole call's bookkeeping); anything unexpected takes the checked path.
  const valuesOf = (batch: Batch, k: number): TensorData => {
    const d = batch.data.children[columns.of(batch.schema)[k]!];
    const values = d?.children[0]?.values as TensorData | undefined;
    const need = batch.numRows * rowSizes[k]!;
    if (d && d.length === batch.numRows && values instanceof arrays[k]! && values.length >= need) return values.length === need ? values : values.subarray(0, need);
    return fixedShapeTensorAsTensor(columnOf(batch, o.feeds[k]!.column)).data;
  };

  // The feed shape of a full micro-batch, shared by its calls (shapes are readonly): calls of
  // maxRows rows are the usual case.
  const fullShapes = o.feeds.map((f) => [o.maxRows, ...f.rowShape]);
  const run = (feeds: Record<string, Tensor>): Promise<Record<string, Tensor>> =>
    // A dynamic batch takes the micro-batch as it is (the queue never cuts more than maxRows
    // rows); runRows handles fixed batches (row groups, padding).
    o.dynamic ? o.model.run(feeds) : runRows(o.model, feeds, { maxBatch: o.maxRows });

  // Not async: an async function's frame is the largest allocation of a small call, and the
  // gathering below is synchronous anyway (a throw becomes the call's failure in the invoker).
  return (ranges) => {
    let total = 0;
    for (const r of ranges) total += r.count;
    const feeds: Record<string, Tensor> = {};
    for (let k = 0; k < o.feeds.length; k++) {
      const f = o.feeds[k]!;
      const size = rowSizes[k]!;
      let data: TensorData;
      if (ranges.length === 1) {
        // One range lies in one batch: a view of its rows (the column itself for a whole batch), no copy.
        const r = ranges[0]!;
        const values = valuesOf(r.batch, k);
        data = r.start === 0 && r.count * size === values.length ? values : values.subarray(r.start * size, (r.start + r.count) * size);
      } else {
        data = allocData(f.dtype, total * size);
        let at = 0;
        for (const r of ranges) {
          (data as Float32Array).set(valuesOf(r.batch, k).subarray(r.start * size, (r.start + r.count) * size) as Float32Array, at);
          at += r.count * size;
        }
      }
      const shape = total === o.maxRows ? fullShapes[k]! : [total, ...f.rowShape];
      feeds[f.name] = { dtype: f.dtype, shape, data } as Tensor;
    }
    return run(feeds).then((out) => splitOutputs(o, out, ranges, total));
  };
}

/** Each range's rows of every fetched output: views, no copies. */
function splitOutputs(o: ModelRowsOptions, out: Record<string, Tensor>, ranges: readonly RowRange[], total: number): RangeOutputs[] {
  const datas: TensorData[] = new Array(o.fetches.length);
  for (let k = 0; k < o.fetches.length; k++) {
    const f = o.fetches[k]!;
    const t = out[f.name];
    if (!t) throw new ModelError(`model ${o.model.name} returned no output '${f.name}'`);
    if (t.shape[0] !== total) throw new ModelError(`model ${o.model.name}: output '${f.name}' has ${t.shape[0] ?? "no"} rows for ${total} input rows`);
    datas[k] = t.data;
  }
  // The usual micro-batch is one range: it takes the outputs as they are.
  if (ranges.length === 1) return [datas];
  const results: RangeOutputs[] = new Array(ranges.length);
  let row = 0;
  for (let i = 0; i < ranges.length; i++) {
    const n = ranges[i]!.count;
    results[i] = datas.map((d, k) => d.subarray(row * o.fetches[k]!.rowSize, (row + n) * o.fetches[k]!.rowSize));
    row += n;
  }
  return results;
}

/** The operator's `assemble`: kept columns plus one fixed-shape tensor column per output. */
export function modelAssemble(o: ModelRowsOptions, layout: OutputLayout): (run: ResultRun<RangeOutputs>) => Batch {
  const valueTypes = o.fetches.map((f) => arrowTypeFor(f.dtype));
  // Data built directly (no makeData visitor): this runs once per model call. A Data passed as
  // the buffers of another is copied (apache-arrow's clone path), so each tensor column's
  // constant buffers (no nulls) come from one template instead of a buffers array and a stride
  // lookup per batch.
  const columnTemplates = o.fetches.map((f) => new Data(f.field.type, 0, 0, 0, [undefined, undefined, NO_NULLS]));
  return (run) => {
    const columns: Data[] = new Array(o.fetches.length);
    for (let k = 0; k < o.fetches.length; k++) {
      const f = o.fetches[k]!;
      const data = run.outputs.length === 1 ? run.outputs[0]![k]! : joinRows(run.outputs.map((p) => p[k]!), f.dtype);
      const values = new Data(valueTypes[k]!, 0, data.length, 0, [undefined, data, NO_NULLS]);
      columns[k] = new Data(f.field.type, 0, run.count, 0, columnTemplates[k]!, [values]);
    }
    return layout.build(run.batch, run.start, run.count, columns);
  };
}

const NO_NULLS = new Uint8Array(0);

/** One array of all parts; no copy when they lie back to back in one buffer (ranges of one call). */
function joinRows(parts: readonly TensorData[], dtype: DType): TensorData {
  if (parts.length === 1) return parts[0]!;
  const first = parts[0]!;
  let length = first.length;
  let adjacent = true;
  for (let i = 1; i < parts.length; i++) {
    const prev = parts[i - 1]!;
    const p = parts[i]!;
    adjacent &&= p.buffer === first.buffer && p.byteOffset === prev.byteOffset + prev.byteLength;
    length += p.length;
  }
  if (adjacent) {
    const Ctor = first.constructor as new (b: ArrayBufferLike, offset: number, length: number) => TensorData;
    return new Ctor(first.buffer, first.byteOffset, length);
  }
  const out = allocData(dtype, length);
  let at = 0;
  for (const p of parts) {
    (out as Float32Array).set(p as Float32Array, at);
    at += p.length;
  }
  return out;
}

/** Where named columns sit in a batch, recomputed only when a batch's column names differ. */
class ColumnIndex {
  private names: readonly string[] = [];
  private indices: number[] = [];

  constructor(private readonly columns: readonly string[]) {}

  private schema: Schema | undefined;

  of(schema: Schema): number[] {
    // Batches of one upstream step usually share their Schema object: then nothing to compare.
    if (schema === this.schema) return this.indices;
    this.schema = schema;
    const fields = schema.fields;
    let same = fields.length === this.names.length;
    for (let i = 0; same && i < fields.length; i++) same = fields[i]!.name === this.names[i];
    if (!same) {
      this.names = fields.map((f) => f.name);
      this.indices = this.columns.map((c) => this.names.indexOf(c));
    }
    return this.indices;
  }
}
