/**
 * Dynamic batching over a `ModelRuntime`: many records in as few calls as the model's batch dim
 * allows, with the same results as one call per record. A dynamic batch dim takes all rows in one
 * call (or chunks of `maxBatch`); a fixed one (batch 1 in most exported vision models) takes
 * exactly its size per call, the last call padded with zero rows whose outputs are dropped.
 */

import { allocData, sizeOf, type Tensor } from "../../kernels/tensor.js";
import { batchDim } from "./batch-dim.js";
import { ModelFeedError, ModelRunError } from "./model-errors.js";
import type { ModelRuntime } from "./model-runtime.js";
import { split, stack } from "./stack-split.js";

export interface RunBatchedOptions {
  /** Most rows per call when the batch dim is dynamic. Default: all rows in one call. */
  maxBatch?: number;
}

type Feeds = Readonly<Record<string, Tensor>>;

/**
 * Runs records, each a valid feed set on its own (dim 0 of every feed is the record's row count,
 * usually 1), and returns each record's outputs (dim 0 = its row count). Records are stacked into
 * batched calls when the model allows; otherwise each record is its own call.
 */
export async function runBatched(model: ModelRuntime, records: readonly Feeds[], opts: RunBatchedOptions = {}): Promise<Record<string, Tensor>[]> {
  if (records.length === 0) return [];
  const bd = batchDim(model);
  const rowsPer = records.map((r, i) => rowCount(model, r, `record ${i}`));
  if (bd.kind === "none" || (bd.kind === "fixed" && rowsPer.every((n) => n === bd.size))) {
    const out: Record<string, Tensor>[] = [];
    for (const r of records) out.push(await model.run(r));
    return out;
  }
  const stacked: Record<string, Tensor> = {};
  for (const io of model.inputs) {
    const parts = records.map((r, i) => {
      const t = r[io.name];
      if (!t) throw new ModelFeedError(model.name, `record ${i}: missing input '${io.name}'`);
      return t;
    });
    try {
      stacked[io.name] = stack(parts);
    } catch (cause) {
      throw new ModelFeedError(model.name, `input '${io.name}': records do not stack: ${(cause as Error).message}`, { cause });
    }
  }
  const all = await runRows(model, stacked, opts);
  const perRecord: Record<string, Tensor>[] = records.map(() => ({}));
  for (const [name, t] of Object.entries(all)) {
    split(t, rowsPer).forEach((part, i) => (perRecord[i]![name] = part));
  }
  return perRecord;
}

/**
 * Runs `feeds` whose dim 0 is a row count N, in calls the model's batch dim allows, and returns
 * outputs with dim 0 = N. The columnar path: an inference operator hands over a whole batch.
 */
export async function runRows(model: ModelRuntime, feeds: Feeds, opts: RunBatchedOptions = {}): Promise<Record<string, Tensor>> {
  const bd = batchDim(model);
  if (bd.kind === "none") return model.run(feeds);
  const rows = rowCount(model, feeds, "feeds");
  const fixed = bd.kind === "fixed" ? bd.size : undefined;
  const chunk = fixed ?? opts.maxBatch ?? rows;
  if (!Number.isInteger(chunk) || chunk < 1) throw new ModelFeedError(model.name, `maxBatch must be a positive integer, got ${chunk}`);
  if (rows === chunk || (fixed === undefined && rows <= chunk)) return checked(model, await model.run(feeds), rows);

  const sizes: number[] = [];
  for (let left = rows; left > 0; left -= chunk) sizes.push(Math.min(chunk, left));
  const pieces: Record<string, Tensor[]> = {};
  for (const [name, t] of Object.entries(feeds)) pieces[name] = split(t, sizes);
  const outs: Record<string, Tensor>[] = [];
  for (let c = 0; c < sizes.length; c++) {
    const n = sizes[c]!;
    const call: Record<string, Tensor> = {};
    for (const [name, parts] of Object.entries(pieces)) call[name] = fixed !== undefined && n < fixed ? padRows(parts[c]!, fixed) : parts[c]!;
    const out = checked(model, await model.run(call), fixed ?? n);
    outs.push(n < (fixed ?? n) ? takeRows(out, n) : out);
  }
  const result: Record<string, Tensor> = {};
  for (const name of Object.keys(outs[0]!)) result[name] = stack(outs.map((o) => o[name]!));
  return result;
}

function rowCount(model: ModelRuntime, feeds: Feeds, what: string): number {
  let rows: number | undefined;
  for (const io of model.inputs) {
    const t = feeds[io.name];
    if (!t) throw new ModelFeedError(model.name, `${what}: missing input '${io.name}'`);
    const n = t.shape[0];
    if (n === undefined) throw new ModelFeedError(model.name, `${what}: input '${io.name}' has no dim 0 to batch on`);
    if (rows !== undefined && n !== rows) throw new ModelFeedError(model.name, `${what}: inputs disagree on the row count (${rows} vs ${n} in '${io.name}')`);
    rows = n;
  }
  if (rows === undefined || rows < 1) throw new ModelFeedError(model.name, `${what}: no rows`);
  return rows;
}

function checked(model: ModelRuntime, out: Record<string, Tensor>, rows: number): Record<string, Tensor> {
  for (const [name, t] of Object.entries(out)) {
    if (t.shape[0] !== rows) {
      throw new ModelRunError(model.name, `output '${name}' has dim 0 = ${t.shape[0] ?? "none"} for a call of ${rows} rows; it cannot be split back into rows`);
    }
  }
  return out;
}

function padRows(t: Tensor, rows: number): Tensor {
  const rest = t.shape.slice(1);
  const data = allocData(t.dtype, rows * sizeOf(rest));
  (data as { set(a: ArrayLike<number>): void }).set(t.data);
  return { dtype: t.dtype, shape: [rows, ...rest], data } as Tensor;
}

function takeRows(out: Record<string, Tensor>, n: number): Record<string, Tensor> {
  const res: Record<string, Tensor> = {};
  for (const [name, t] of Object.entries(out)) res[name] = split(t, [n, t.shape[0]! - n])[0]!;
  return res;
}
