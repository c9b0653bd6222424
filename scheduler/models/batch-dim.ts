/** Whether a model takes a batch of rows per call, and how many. */

import type { ModelIO } from "./model-runtime.js";

/**
 * - `dynamic`: every input's dim 0 is dynamic; one call may carry any number of rows.
 * - `fixed`: every input's dim 0 is the same number (1 for most exported vision models); calls
 *   carry exactly that many rows.
 * - `none`: no common batch dim (a scalar input, dims 0 that disagree); each record is its own call.
 */
export type BatchDim =
  | { readonly kind: "dynamic"; readonly symbol: string | null }
  | { readonly kind: "fixed"; readonly size: number }
  | { readonly kind: "none"; readonly reason: string };

/** The batch dim of a model, read from its input metadata. */
export function batchDim(model: { readonly inputs: readonly ModelIO[] }): BatchDim {
  const { inputs } = model;
  if (inputs.length === 0) return { kind: "none", reason: "the model has no inputs" };
  const scalar = inputs.find((i) => i.shape.length === 0);
  if (scalar) return { kind: "none", reason: `input '${scalar.name}' has no dimensions (a scalar or an unknown rank)` };
  const firsts = inputs.map((i) => i.shape[0]!);
  if (firsts.every((d) => typeof d !== "number")) {
    return { kind: "dynamic", symbol: firsts.find((d): d is string => typeof d === "string") ?? null };
  }
  const size = firsts[0];
  if (typeof size === "number" && size > 0 && firsts.every((d) => d === size)) return { kind: "fixed", size };
  return {
    kind: "none",
    reason: `inputs disagree on dim 0 (${inputs.map((i) => `${i.name}: ${i.shape[0] ?? "?"}`).join(", ")})`,
  };
}
