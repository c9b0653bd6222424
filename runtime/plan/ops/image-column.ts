/**
 * What an image step sees of its input column at plan time, and the Fields it writes.
 *
 * Image steps pass pixels through three column types:
 * - encoded bytes (Binary, or an encoded `sluice.image`) — what `decode` reads;
 * - decoded `sluice.image` — sizes vary per row, so they are unknown to the schema;
 * - once a step fixes the size (`resize`, `centerCrop`), an `arrow.fixed_shape_tensor`
 *   `[H,W,C]` (dim_names H, W, C) of u8 or f32; `normalize`/`toTensor` write `[C,H,W]`
 *   (dim_names C, H, W). A fixed shape in the schema is what lets `normalize` and a model's
 *   input check be decided before data flows.
 *
 * A decoded image schema does not say how many channels its rows have, so `decode` records it
 * in the field's metadata (`sluice.image.channels`); decoded columns from elsewhere are taken as
 * RGB, and a row with another channel count is dead-lettered by the step that needs to know.
 */

import { DataType, Schema, type Field } from "apache-arrow";
import { PlanError } from "../../api/runtime-errors.js";
import { IMAGE, extensionField, extensionNameOf } from "../../types/extension-field.js";
import { fixedShapeTensorField, fixedShapeTensorInfo } from "../../types/fixed-shape-tensor.js";
import { decodedImageStorage, imageInfo } from "../../types/image.js";
import type { PlanContext } from "../op-definition.js";

/** Field metadata key with the channel count of a decoded image column made by `decode`. */
export const CHANNELS_KEY = "sluice.image.channels";

/** Channel count assumed for a decoded image column without the `sluice.image.channels` hint. */
export const DEFAULT_CHANNELS = 3;

/** Spatial layout of a tensor image column: [H,W,C] or [C,H,W]. */
export type PixelLayout = "hwc" | "chw";

/** An image column as a step sees it. */
export type ImageColumnType =
  | { readonly kind: "encoded" }
  | { readonly kind: "decoded"; readonly channels: number }
  | {
      readonly kind: "tensor";
      readonly dtype: "u8" | "f32";
      readonly layout: PixelLayout;
      readonly height: number;
      readonly width: number;
      readonly channels: number;
    };

/** The field named `column`, or a plan error listing the columns there are. */
export function inputField(input: Schema, column: string, ctx: PlanContext): Field {
  const field = input.fields.find((f) => f.name === column);
  if (!field) {
    throw ctx.error(`column '${column}' is not in the input (columns: ${input.fields.map((f) => f.name).join(", ") || "none"})`, { arg: "column" });
  }
  return field;
}

/** Recognises an image column; a plan error naming the column for anything else. */
export function imageColumnType(field: Field, ctx: PlanContext): ImageColumnType {
  const name = field.name;
  try {
    const ext = extensionNameOf(field);
    if (ext === IMAGE) {
      if (imageInfo(field).encoded) return { kind: "encoded" };
      const hint = Number(field.metadata.get(CHANNELS_KEY));
      return { kind: "decoded", channels: Number.isInteger(hint) && hint > 0 ? hint : DEFAULT_CHANNELS };
    }
    if (ext === undefined && DataType.isBinary(field.type)) return { kind: "encoded" };
    if (ext === "arrow.fixed_shape_tensor") {
      const info = fixedShapeTensorInfo(field);
      if (info.shape.length !== 3) {
        throw ctx.error(`column '${name}' is a tensor of shape [${info.shape.join(",")}]; image steps need one image per row, [H,W,C] (rank 3)`, { arg: "column" });
      }
      if (info.dtype !== "u8" && info.dtype !== "f32") {
        throw ctx.error(`column '${name}' is a ${info.dtype} tensor; image steps take u8 or f32 pixels`, { arg: "column" });
      }
      const chw = info.dimNames?.join(",") === "C,H,W";
      const [a, b, c] = info.shape as [number, number, number];
      return chw
        ? { kind: "tensor", dtype: info.dtype, layout: "chw", channels: a, height: b, width: c }
        : { kind: "tensor", dtype: info.dtype, layout: "hwc", height: a, width: b, channels: c };
    }
  } catch (err) {
    if (err instanceof PlanError) throw err;
    throw ctx.error(`column '${name}': ${err instanceof Error ? err.message : String(err)}`, { arg: "column", cause: err });
  }
  throw ctx.error(`column '${name}' is ${describeField(field)}, not an image (encoded bytes, a decoded sluice.image, or an [H,W,C] tensor)`, { arg: "column" });
}

/**
 * The column as `[H,W,C]` pixels for a geometry or pixel step: decoded images (size known or
 * not) or an HWC tensor. Encoded bytes and channels-first tensors are plan errors that say which
 * step is missing.
 */
export function pixelColumn(field: Field, op: string, ctx: PlanContext): Exclude<ImageColumnType, { kind: "encoded" }> {
  const t = imageColumnType(field, ctx);
  if (t.kind === "encoded") throw ctx.error(`column '${field.name}' holds encoded image bytes; add a decode step before ${op}`, { arg: "column" });
  if (t.kind === "tensor" && t.layout === "chw") {
    throw ctx.error(`column '${field.name}' is a [C,H,W] tensor (channels first); ${op} takes [H,W,C] images — put it before normalize/toTensor`, { arg: "column" });
  }
  return t;
}

/** A decoded image Field carrying its channel count. */
export function decodedImageField(name: string, channels: number): Field {
  return extensionField(name, decodedImageStorage(), IMAGE, JSON.stringify({ encoded: false }), true, new Map([[CHANNELS_KEY, String(channels)]]));
}

/** A fixed-shape image tensor Field, `[H,W,C]` or `[C,H,W]` by layout. */
export function imageTensorField(name: string, dtype: "u8" | "f32", layout: PixelLayout, hwc: readonly [number, number, number]): Field {
  const [h, w, c] = hwc;
  return layout === "hwc"
    ? fixedShapeTensorField(name, dtype, { shape: [h, w, c], dimNames: ["H", "W", "C"] })
    : fixedShapeTensorField(name, dtype, { shape: [c, h, w], dimNames: ["C", "H", "W"] });
}

/**
 * The input schema with `field` written as `output`: in place of a column of that name (the
 * step's own input by default), else appended. Other columns and the schema metadata are kept.
 */
export function withOutputField(input: Schema, field: Field): Schema {
  const fields = [...input.fields];
  const i = fields.findIndex((f) => f.name === field.name);
  if (i >= 0) fields[i] = field;
  else fields.push(field);
  return new Schema(fields, new Map(input.metadata));
}

function describeField(field: Field): string {
  const ext = extensionNameOf(field);
  return ext ? `a ${ext} column` : `a ${String(field.type)} column`;
}
