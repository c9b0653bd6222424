/**
 * decode → resize → normalize for a column of encoded images, producing a fixed-shape f32
 * tensor column `[3, H, W]` ready for a vision model. Each image decodes concurrently (sharp
 * works on libuv's thread pool); a record that fails to decode is dead-lettered with its key and
 * the reason, and the rest of the batch flows on.
 */

import { Field, Utf8, vectorFromArray, type Schema } from "apache-arrow";
import type { Batch, Json } from "../api/stream.js";
import { RecordError } from "../api/runtime-errors.js";
import { decodeImage, normalizeImage, pixelsOf, resizeImage, IMAGENET_MEAN, IMAGENET_STD, type KernelRunner } from "../functions/index.js";
import { encodedImageAt, fixedShapeTensorColumn, fixedShapeTensorField, recordBatchFromColumns, type ExtensionColumn } from "../types/index.js";
import { Operator, type OperatorContext } from "../executor/operator.js";
import { rowKeys } from "./row-keys.js";

export interface ImagePreprocessOptions {
  /** Column with encoded image bytes (Binary or encoded `sluice.image`). */
  input: string;
  /** Name of the tensor column produced. */
  output: string;
  /** Column kept alongside the tensor and used as the dead-letter key (e.g. the file path). */
  key?: string;
  size: readonly [number, number];
  mean?: readonly number[];
  std?: readonly number[];
  maxPixels?: number;
  /** Decode JPEGs at reduced scale when they are much larger than `size` (shrink-on-load). Default true. */
  shrinkOnLoad?: boolean;
  kernels: KernelRunner;
}

export class ImagePreprocessOperator extends Operator {
  private seen = 0;

  constructor(readonly step: string, private readonly opts: ImagePreprocessOptions) {
    super();
  }

  override outputSchema(input: Schema): Schema {
    const fields: Field[] = [];
    if (this.opts.key) {
      const k = input.fields.find((f) => f.name === this.opts.key);
      if (!k) throw new RecordError(`key column '${this.opts.key}' is not in the input (${input.fields.map((f) => f.name).join(", ")})`, { step: this.step });
      fields.push(new Field(k.name, new Utf8(), false));
    }
    if (!input.fields.some((f) => f.name === this.opts.input)) {
      throw new RecordError(`image column '${this.opts.input}' is not in the input (${input.fields.map((f) => f.name).join(", ")})`, { step: this.step });
    }
    fields.push(fixedShapeTensorField(this.opts.output, "f32", { shape: [3, this.opts.size[0], this.opts.size[1]] }));
    return new (input.constructor as typeof Schema)(fields);
  }

  private bytesAt(batch: Batch, row: number): Uint8Array | null {
    const field = batch.schema.fields.find((f) => f.name === this.opts.input)!;
    const vector = batch.getChild(this.opts.input)!;
    if (field.metadata.get("ARROW:extension:name") === "sluice.image") {
      return encodedImageAt({ field, vector } as ExtensionColumn, row)?.bytes ?? null;
    }
    return (vector.get(row) as Uint8Array | null) ?? null;
  }

  override open(ctx: OperatorContext): void {
    const k = this.opts.kernels as KernelRunner & { choose?: (op: "resize", inputs: { dtype: "u8"; shape: number[] }[]) => string };
    ctx.metrics.backend = `sharp + ${k.choose ? k.choose("resize", [{ dtype: "u8", shape: [1080, 1920, 3] }]) : "kernels"}`;
  }

  async processBatch(batch: Batch, ctx: OperatorContext): Promise<void> {
    const { size, kernels } = this.opts;
    const keys = rowKeys(batch, this.opts.key, this.seen);
    this.seen += batch.numRows;
    const results = await Promise.all(
      keys.map(async (_, row) => {
        const bytes = this.bytesAt(batch, row);
        if (!bytes) throw new RecordError("no image bytes (null)");
        const img = await decodeImage(bytes, {
          maxPixels: this.opts.maxPixels,
          targetSize: this.opts.shrinkOnLoad === false ? undefined : size,
        });
        const resized = await resizeImage(pixelsOf(img), size, { kernels });
        return normalizeImage(resized, { mean: this.opts.mean ?? IMAGENET_MEAN, std: this.opts.std ?? IMAGENET_STD, kernels });
      }).map((p) => p.then((t) => ({ ok: true as const, t }), (e: unknown) => ({ ok: false as const, e }))),
    );
    const good: number[] = [];
    const letters = [];
    for (const [row, r] of results.entries()) {
      if (r.ok) good.push(row);
      else {
        const e = r.e as Error;
        letters.push({ step: this.step, key: keys[row]!, reason: e.message, error: e.name || "Error", at: new Date().toISOString() });
      }
    }
    if (letters.length) await ctx.deadLetter(letters);
    if (good.length === 0) return;
    const plane = 3 * size[0] * size[1];
    const data = new Float32Array(good.length * plane);
    good.forEach((row, i) => data.set((results[row] as { t: { data: Float32Array } }).t.data, i * plane));
    const columns: ExtensionColumn[] = [];
    if (this.opts.key) {
      columns.push({ field: new Field(this.opts.key, new Utf8(), false), vector: vectorFromArray(good.map((r) => String(keys[r] as Json)), new Utf8()) } as ExtensionColumn);
    }
    columns.push(fixedShapeTensorColumn(this.opts.output, { dtype: "f32", shape: [good.length, 3, size[0], size[1]], data }));
    await ctx.emit(recordBatchFromColumns(columns));
  }
}
