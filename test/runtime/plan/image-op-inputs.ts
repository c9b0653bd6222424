/** Input batches for the image op tests: a `path` key, a `size` column and encoded images. */

import { Field, Int32, Utf8, vectorFromArray, type RecordBatch, type Schema } from "apache-arrow";
import type { OpDefinition, PlannedTransform } from "../../../runtime/plan/op-definition.js";
import { encodedImageColumn } from "../../../runtime/types/image-encoded.js";
import { recordBatchFromColumns } from "../../../runtime/types/multimodal-batch.js";
import type { ExtensionColumn } from "../../../runtime/types/extension-field.js";
import { IMAGE_OPS } from "../../../runtime/plan/ops/image-ops.js";
import { planTransform, testStep } from "../../helpers/plan-step.js";

export interface ImageRow {
  path: string;
  bytes: Uint8Array | null;
}

/** `path` (Utf8), `n` (Int32, the row's number) and `image` (encoded sluice.image, nullable). */
export function imageBatch(rows: readonly ImageRow[], firstN = 0): RecordBatch {
  const path: ExtensionColumn = { field: new Field("path", new Utf8(), false), vector: vectorFromArray(rows.map((r) => r.path), new Utf8()) };
  const n: ExtensionColumn = { field: new Field("n", new Int32(), false), vector: vectorFromArray(rows.map((_, i) => firstN + i), new Int32()) };
  return recordBatchFromColumns([path, n, encodedImageColumn("image", rows.map((r) => r.bytes))]);
}

export function imageOp(name: string): OpDefinition {
  const def = IMAGE_OPS.find((d) => d.name === name);
  if (!def) throw new Error(`no image op '${name}'`);
  return def;
}

/** Plans `ops` one after another, each against the previous output (as the planner does). */
export async function planChain(input: Schema, ops: readonly [string, Record<string, unknown>][]): Promise<PlannedTransform[]> {
  const out: PlannedTransform[] = [];
  let schema = input;
  for (const [name, args] of ops) {
    const p = await planTransform(imageOp(name), args, schema);
    out.push(p);
    schema = p.output;
  }
  return out;
}

/** Fuses planned steps left to right, as the planner does; throws if any pair refuses. */
export function fuseAll(steps: readonly PlannedTransform[], ops: readonly [string, Record<string, unknown>][]): PlannedTransform {
  let fused = steps[0]!;
  for (let i = 1; i < steps.length; i++) {
    const next = fused.fuse?.(steps[i]!, testStep(ops[i]![0], ops[i]![1]));
    if (!next) throw new Error(`step ${ops[i]![0]} was not fused`);
    fused = next;
  }
  return fused;
}
