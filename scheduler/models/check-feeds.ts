/**
 * The plan-time check of tensor columns against a model's inputs: every input needs a column of
 * its name, with the dtype sluice feeds it with and a per-row shape its dims accept. Run before
 * any data flows, so a mismatch names the input with what was expected and what was found.
 */

import type { DType } from "../../kernels/tensor.js";
import { ModelFeedError } from "./model-errors.js";
import type { ModelDim, ModelIO } from "./model-runtime.js";
import { dimsToString } from "./model-session.js";

/** A tensor column as the planner knows it: the shape of one row, `null` for a dim that varies per row. */
export interface FeedColumn {
  readonly name: string;
  readonly dtype: DType;
  readonly shape: readonly (number | null)[];
}

export interface FeedMismatch {
  /** The model input concerned. */
  readonly input: string;
  readonly problem: "missing" | "dtype" | "rank" | "dim";
  readonly expected: string;
  readonly actual: string;
  /** One line for an error message: `input 'x': dtype expected f32 (model float32), got i32`. */
  readonly message: string;
}

/**
 * Checks columns against `model.inputs`, comparing each row shape with the input's shape after
 * dim 0 (the batch dim). Columns no input uses are not reported. Returns every mismatch, empty
 * when the columns fit.
 */
export function checkFeeds(model: { readonly inputs: readonly ModelIO[] }, columns: readonly FeedColumn[]): FeedMismatch[] {
  const byName = new Map(columns.map((c) => [c.name, c]));
  const issues: FeedMismatch[] = [];
  const add = (input: string, problem: FeedMismatch["problem"], what: string, expected: string, actual: string): void => {
    issues.push({ input, problem, expected, actual, message: `input '${input}': ${what} expected ${expected}, got ${actual}` });
  };
  for (const io of model.inputs) {
    const col = byName.get(io.name);
    if (!col) {
      add(io.name, "missing", "column", `a tensor column '${io.name}'`, columns.length ? `columns ${columns.map((c) => `'${c.name}'`).join(", ")}` : "no columns");
      continue;
    }
    if (col.dtype !== io.dtype) add(io.name, "dtype", "dtype", `${io.dtype} (model ${io.onnxType})`, col.dtype);
    if (io.shape.length === 0) continue; // unknown rank: onnxruntime checks at run time
    const row = io.shape.slice(1);
    const rowText = `${dimsToString(row)} per row (model ${dimsToString(io.shape)})`;
    if (row.length !== col.shape.length) {
      add(io.name, "rank", "row shape", rowText, `${colShape(col.shape)} (rank ${col.shape.length})`);
      continue;
    }
    const bad = row.findIndex((d, i) => !dimAccepts(d, col.shape[i]!));
    if (bad >= 0) add(io.name, "dim", `row dim ${bad}`, `${rowText}`, `${colShape(col.shape)} (dim ${bad} is ${col.shape[bad] ?? "variable"})`);
  }
  return issues;
}

/** `checkFeeds`, throwing one `ModelFeedError` that lists every mismatch. */
export function assertFeeds(model: { readonly name: string; readonly inputs: readonly ModelIO[] }, columns: readonly FeedColumn[]): void {
  const issues = checkFeeds(model, columns);
  if (issues.length > 0) throw new ModelFeedError(model.name, `columns do not fit the model's inputs:\n  ${issues.map((i) => i.message).join("\n  ")}`);
}

function dimAccepts(model: ModelDim, col: number | null): boolean {
  // A fixed model dim needs every row to have exactly that size; a column dim that varies cannot promise it.
  return typeof model !== "number" || model === col;
}

function colShape(shape: readonly (number | null)[]): string {
  return `[${shape.map((d) => (d === null ? "*" : String(d))).join(",")}]`;
}
