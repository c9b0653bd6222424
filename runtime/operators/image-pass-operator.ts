/**
 * One pass per image through a list of image steps (decode, resize, centerCrop, normalize,
 * toTensor): the operator behind every image op, alone or fused. Fused, a row's pixels go from
 * bytes to the model's tensor without the intermediate columns ever being built; only the
 * columns the planned output schema names are materialized. Batches of same-size tensors
 * without nulls run each step once over the whole batch instead.
 *
 * Images of a batch run concurrently (sharp decodes on libuv's thread pool). A record that fails
 * a step with a RecordError — corrupt, truncated, empty, over the pixel limit, null, too small
 * to crop — is dead-lettered naming that step, and is dropped from every column; the other rows
 * and their pass-through columns flow on in order. Any other error is a bug and fails the job.
 */

import type { Field, Schema } from "apache-arrow";
import type { Tensor } from "../../kernels/tensor.js";
import type { DeadLetter } from "../api/dead-letter.js";
import { RecordError } from "../api/runtime-errors.js";
import type { Batch } from "../api/stream.js";
import { Operator, type OperatorContext } from "../executor/operator.js";
import type { KernelRunner } from "../functions/kernel-runner.js";
import { columnOf, recordBatchFromColumns } from "../types/multimodal-batch.js";
import { decodedImageAt, decodedImageColumn } from "../types/image-decoded.js";
import { encodedImageAt } from "../types/image-encoded.js";
import { fixedShapeTensorColumn, fixedShapeTensorInfo, fixedShapeTensorRow, fixedShapeTensorView, isFixedShapeTensorField } from "../types/fixed-shape-tensor.js";
import { IMAGE, extensionNameOf, type ExtensionColumn } from "../types/extension-field.js";
import { takeRows } from "../types/take-rows.js";
import type { ImageMode } from "../types/image-format.js";
import { rowKeys } from "./row-keys.js";
import { runDecodeStage, runPixelStage, type ImageStage } from "./image-stages.js";

export interface ImagePassOptions {
  /** The steps, in order; a step reads a column written by an earlier one or an input column. */
  readonly stages: readonly ImageStage[];
  /** The planned output schema: which columns are written, with their Fields. */
  readonly output: Schema;
  /** Column whose values key dead letters; default: the row's position in the stream. */
  readonly key?: string;
  readonly kernels: KernelRunner;
  /** Reported as the operator's backend (e.g. `sharp + wasm`). */
  readonly backend?: string;
}

type RowResult = { ok: true; values: Map<string, Tensor> } | { ok: false; step: string; error: RecordError };

const MODES: Record<number, ImageMode> = { 1: "L", 2: "LA", 3: "RGB", 4: "RGBA" };

export class ImagePassOperator extends Operator {
  private seen = 0;
  /** Output columns the stages write, each with the step that writes its final value. */
  private readonly written = new Map<string, string>();

  constructor(readonly step: string, private readonly opts: ImagePassOptions) {
    super();
    for (const s of opts.stages) if (opts.output.fields.some((f) => f.name === s.output)) this.written.set(s.output, s.step);
  }

  override outputSchema(): Schema {
    return this.opts.output;
  }

  override open(ctx: OperatorContext): void {
    if (this.opts.backend) ctx.metrics.backend = this.opts.backend;
  }

  async processBatch(batch: Batch, ctx: OperatorContext): Promise<void> {
    const keys = rowKeys(batch, this.opts.key, this.seen);
    this.seen += batch.numRows;
    if (batch.numRows === 0) return;
    const whole = await this.runWhole(batch);
    if (whole) {
      await ctx.emit(this.assemble(batch, keys.map((_, i) => i), (field) => tensorColumn(field, whole.get(field.name)!)));
      return;
    }
    const results = await Promise.all(keys.map((_, row) => this.runRow(batch, row)));
    const good: number[] = [];
    const letters: DeadLetter[] = [];
    const at = new Date().toISOString();
    results.forEach((r, row) => {
      if (r.ok) good.push(row);
      else letters.push({ step: r.step, key: keys[row]!, reason: r.error.message, error: r.error.name, at });
    });
    if (letters.length) await ctx.deadLetter(letters);
    if (good.length === 0) return;
    const values = good.map((row) => (results[row] as { values: Map<string, Tensor> }).values);
    await ctx.emit(this.assemble(batch, good, (field) => columnFromRows(field, values.map((v) => v.get(field.name)!))));
  }

  /**
   * A batch whose steps all read fixed-shape tensor columns without nulls runs each step once
   * over the whole `[N,H,W,C]` tensor: one kernel call per step instead of one per image (and
   * one GPU dispatch). Undefined where that does not apply, or when a step refuses the batch —
   * then the rows run one by one, so that only the bad ones are dead-lettered.
   */
  private async runWhole(batch: Batch): Promise<Map<string, Tensor> | undefined> {
    const values = new Map<string, Tensor>();
    try {
      for (const stage of this.opts.stages) {
        if (stage.op === "decode") return undefined;
        let x = values.get(stage.column);
        if (!x) {
          const col = columnOf(batch, stage.column);
          if (!isFixedShapeTensorField(col.field) || col.vector.nullCount > 0) return undefined;
          // Plan time admitted only u8/f32 [H,W,C] tensor columns here.
          x = fixedShapeTensorView(col) as Tensor;
        }
        values.set(stage.output, await runPixelStage(stage, x, this.opts.kernels));
      }
      for (const name of this.written.keys()) {
        const t = values.get(name)!;
        this.checkPlanned(name, { ...t, shape: t.shape.slice(1) });
      }
      return values;
    } catch (err) {
      if (err instanceof RecordError) return undefined;
      throw err;
    }
  }

  private async runRow(batch: Batch, row: number): Promise<RowResult> {
    const values = new Map<string, Tensor>();
    let step = this.step;
    try {
      for (const stage of this.opts.stages) {
        step = stage.step;
        if (stage.op === "decode") {
          const bytes = encodedBytes(batch, stage.column, row);
          if (!bytes) throw new RecordError("no image (null)", { step });
          values.set(stage.output, await runDecodeStage(stage, bytes));
        } else {
          const x = values.get(stage.column) ?? pixelsAt(batch, stage.column, row);
          if (!x) throw new RecordError("no image (null)", { step });
          values.set(stage.output, await runPixelStage(stage, x, this.opts.kernels));
        }
      }
      for (const [name, writer] of this.written) {
        step = writer;
        this.checkPlanned(name, values.get(name)!);
      }
      return { ok: true, values };
    } catch (err) {
      if (err instanceof RecordError) return { ok: false, step, error: err };
      throw err;
    }
  }

  /** A row whose pixels do not fit the planned column (an RGBA image where RGB was planned). */
  private checkPlanned(name: string, t: Tensor): void {
    const field = this.opts.output.fields.find((f) => f.name === name)!;
    if (extensionNameOf(field) === IMAGE) return;
    const info = fixedShapeTensorInfo(field);
    if (t.dtype !== info.dtype || t.shape.length !== info.shape.length || t.shape.some((d, i) => d !== info.shape[i])) {
      throw new RecordError(`column '${name}': image came out ${t.dtype} [${t.shape.join(",")}], the plan expects ${info.dtype} [${info.shape.join(",")}] (an image with another channel count?)`);
    }
  }

  /** The planned output: written columns from `written`, the rest taken from the input's `good` rows. */
  private assemble(batch: Batch, good: readonly number[], written: (field: Field) => ExtensionColumn): Batch {
    const passNames = this.opts.output.fields.map((f) => f.name).filter((n) => !this.written.has(n));
    const passed = passNames.length ? takeRows(recordBatchFromColumns(passNames.map((n) => columnOf(batch, n))), good) : undefined;
    const columns = this.opts.output.fields.map((field) => (this.written.has(field.name) ? written(field) : columnOf(passed!, field.name)));
    return recordBatchFromColumns(columns, batch.schema.metadata);
  }
}

/** A written column from per-row pixels: decoded images, or rows stacked into one tensor. */
function columnFromRows(field: Field, rows: readonly Tensor[]): ExtensionColumn {
  if (extensionNameOf(field) === IMAGE) {
    const images = rows.map((t) => ({ height: t.shape[0]!, width: t.shape[1]!, channels: t.shape[2]!, mode: MODES[t.shape[2]!] ?? "RGB", data: t.data as Uint8Array }));
    return { field, vector: decodedImageColumn(field.name, images).vector };
  }
  const frame = rows[0]!.data.length;
  const data = rows[0]!.dtype === "u8" ? new Uint8Array(rows.length * frame) : new Float32Array(rows.length * frame);
  rows.forEach((t, i) => data.set(t.data as Uint8Array & Float32Array, i * frame));
  return tensorColumn(field, { dtype: rows[0]!.dtype, shape: [rows.length, ...rows[0]!.shape], data } as Tensor);
}

/** A written tensor column over `[N, ...shape]` (no copy), under its planned Field. */
function tensorColumn(field: Field, t: Tensor): ExtensionColumn {
  return { field, vector: fixedShapeTensorColumn(field.name, t).vector };
}

/** Encoded bytes of a row (Binary or encoded `sluice.image`), or null. */
function encodedBytes(batch: Batch, column: string, row: number): Uint8Array | null {
  const col = columnOf(batch, column);
  if (extensionNameOf(col.field) === IMAGE) return encodedImageAt(col, row)?.bytes ?? null;
  return (col.vector.get(row) as Uint8Array | null) ?? null;
}

/** A row of a decoded image or `[H,W,C]` tensor column as pixels, or null. */
function pixelsAt(batch: Batch, column: string, row: number): Tensor | null {
  const col = columnOf(batch, column);
  if (extensionNameOf(col.field) === IMAGE) {
    const img = decodedImageAt(col, row);
    return img && { dtype: "u8", shape: [img.height, img.width, img.channels], data: img.data };
  }
  // Plan time admitted only u8/f32 [H,W,C] tensor columns here.
  return fixedShapeTensorRow(col, row) as Tensor | null;
}
