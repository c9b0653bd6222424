/**
 * The image ops: decode, resize, centerCrop, normalize, toTensor. Each reads `column` and writes
 * `output` (default: in place), passing the other columns through.
 *
 * Column types (see image-column.ts): decode turns encoded bytes into a decoded `sluice.image`
 * (sizes vary per row); resize and centerCrop fix the size and so write an `[H,W,C]` tensor
 * (u8 from images, the input dtype from tensors); normalize and toTensor write `[C,H,W]` (or
 * `[H,W,C]`) tensors and need a fixed size. Records that fail (corrupt, too large, null, too
 * small to crop) are dead-lettered with the reason and dropped from every column.
 *
 * Planned alone each op is its own per-image pass; decode followed by the others on the same
 * column fuses into one pass that never builds the intermediate columns, and decodes JPEGs with
 * shrink-on-load when a linear downscale follows (image-chain.ts).
 */

import { DataType, type Field, type Schema } from "apache-arrow";
import type { OpName } from "../../../kernels/op-attrs.js";
import type { DType, Tensor } from "../../../kernels/tensor.js";
import { DEFAULT_MAX_PIXELS } from "../../functions/decode-image.js";
import { IMAGENET_MEAN, IMAGENET_STD } from "../../functions/image-preprocess.js";
import type { ImageStage, ResizeFit } from "../../operators/image-stages.js";
import { defineOp, type ArgSpec, type OpDefinition, type PlanContext, type PlannedTransform } from "../op-definition.js";
import { singleImageStep } from "./image-chain.js";
import { decodedImageField, imageColumnType, imageTensorField, inputField, pixelColumn, withOutputField, type ImageColumnType } from "./image-column.js";

const columnArg: ArgSpec = { type: "string", doc: "image column read", default: "image" };
const outputArg: ArgSpec = { type: "string", doc: "column written; default: replaces `column` in place" };
const keyArg: ArgSpec = { type: "string", doc: "column that keys dead letters; default `path` when the input has a string `path`, else the row's position" };
const sizeArg: ArgSpec = { type: "number[]", length: 2, min: 1, required: true, doc: "[height, width] in pixels" };

interface CommonArgs {
  column?: string;
  output?: string;
  key?: string;
}

/** What every image op resolves first: its columns, the input's type and the dead-letter key. */
interface Resolved<T> {
  column: string;
  output: string;
  key: string | undefined;
  type: T;
}

function resolveKey(a: CommonArgs, input: Schema, ctx: PlanContext): string | undefined {
  if (a.key !== undefined) {
    if (!input.fields.some((f) => f.name === a.key)) throw ctx.error(`key column '${a.key}' is not in the input (columns: ${input.fields.map((f) => f.name).join(", ")})`, { arg: "key" });
    return a.key;
  }
  const path = input.fields.find((f) => f.name === "path");
  return path && DataType.isUtf8(path.type) ? "path" : undefined;
}

function intSize(size: readonly number[], ctx: PlanContext): [number, number] {
  if (!size.every((d) => Number.isInteger(d))) throw ctx.error(`argument 'size' must be whole pixels [height, width], got [${size.join(", ")}]`, { arg: "size" });
  return [size[0]!, size[1]!];
}

const probe = (dtype: DType, shape: readonly number[]): Tensor => ({ dtype, shape, data: new Uint8Array(0) }) as Tensor;

/** The backend a kernel would use on a typical image of this column (1080p when sizes vary). */
function kernelBackend(ctx: PlanContext, op: OpName, t: ImageColumnType): string {
  if (t.kind === "tensor") return ctx.kernelBackend(op, [probe(t.dtype, [t.height, t.width, t.channels])]);
  return ctx.kernelBackend(op, [probe("u8", [1080, 1920, t.kind === "decoded" ? t.channels : 3])]);
}

interface StepPlan {
  stage: ImageStage;
  /** The Field the step writes. */
  field: Field;
  /** Short label, for this step's detail and for fused detail lines. */
  label: string;
  backend: string;
  /** Detail line when planned alone; default `label (columns)`. */
  detail?: string;
  shrinkOnLoad?: boolean;
}

/** A one-stage planned transform: output schema, operator, explain line, fusable part. */
function planned(ctx: PlanContext, r: Resolved<unknown>, input: Schema, p: StepPlan): PlannedTransform {
  const output = withOutputField(input, p.field);
  const chain = { stages: [p.stage], labels: [p.label], backends: [p.backend], output, key: r.key, kernels: ctx.kernels, shrinkOnLoad: p.shrinkOnLoad ?? false, placement: ctx.step.backend };
  return singleImageStep(chain, p.detail ?? `${p.label} (${columns(r)})`);
}

const columns = (r: Resolved<unknown>): string => (r.output === r.column ? r.column : `${r.column} → ${r.output}`);

function resolvePixels(a: CommonArgs, input: Schema, ctx: PlanContext, op: string): Resolved<Exclude<ImageColumnType, { kind: "encoded" }>> {
  const column = a.column ?? "image";
  return { column, output: a.output ?? column, key: resolveKey(a, input, ctx), type: pixelColumn(inputField(input, column, ctx), op, ctx) };
}

/** `normalize`/`toTensor` need the size in the schema: a fixed-size tensor, not decoded images. */
function fixedSize(r: Resolved<Exclude<ImageColumnType, { kind: "encoded" }>>, op: string, ctx: PlanContext): Extract<ImageColumnType, { kind: "tensor" }> {
  if (r.type.kind !== "tensor") throw ctx.error(`${op} needs fixed-size images: add a resize step before it (column '${r.column}' holds decoded images of varying size)`, { arg: "column" });
  return r.type;
}

const px = (s: readonly [number, number]): string => `${s[0]}×${s[1]}`;

interface DecodeArgs extends CommonArgs {
  maxPixels?: number;
  channels?: 3 | 4;
  autoOrient?: boolean;
  shrinkOnLoad?: boolean;
}

const decode = defineOp<DecodeArgs>({
  name: "decode",
  kind: "transform",
  category: "image",
  summary: "encoded JPEG/PNG/WebP bytes → decoded sluice.image (u8 RGB or RGBA); bad images are dead-lettered",
  example: "decode: { column: image, maxPixels: 40000000 }",
  args: {
    column: { ...columnArg, doc: "encoded image column (Binary or encoded sluice.image)" },
    output: outputArg,
    maxPixels: { type: "integer", min: 1, default: DEFAULT_MAX_PIXELS, doc: "larger images (width × height, read from the header) are dead-lettered" },
    channels: { type: "integer", oneOf: [3, 4], default: 3, doc: "3: RGB (alpha dropped), 4: RGBA" },
    autoOrient: { type: "boolean", default: false, doc: "apply the EXIF orientation" },
    shrinkOnLoad: { type: "boolean", default: true, doc: "fused with a following linear downscale, decode JPEGs at reduced scale (faster; within a few levels)" },
    key: keyArg,
  },
  plan: (a, input, ctx) => {
    const column = a.column ?? "image";
    const t = imageColumnType(inputField(input, column, ctx), ctx);
    if (t.kind !== "encoded") throw ctx.error(`column '${column}' holds ${t.kind === "decoded" ? "decoded images" : "a pixel tensor"} already; decode takes encoded image bytes`, { arg: "column" });
    const r: Resolved<unknown> = { column, output: a.output ?? column, key: resolveKey(a, input, ctx), type: t };
    const channels = a.channels ?? 3;
    const maxPixels = a.maxPixels ?? DEFAULT_MAX_PIXELS;
    const stage: ImageStage = { op: "decode", step: ctx.step.name, column, output: r.output, maxPixels, channels, autoOrient: a.autoOrient ?? false };
    const detail = `decode (${columns(r)}, ${channels === 3 ? "RGB" : "RGBA"} u8, max ${maxPixels} px)`;
    return planned(ctx, r, input, { stage, field: decodedImageField(r.output, channels), label: "decode", backend: "sharp", detail, shrinkOnLoad: a.shrinkOnLoad ?? true });
  },
});

interface ResizeArgs extends CommonArgs {
  size: number[];
  mode?: "linear" | "nearest";
  antialias?: boolean;
  fit?: ResizeFit;
}

const resize = defineOp<ResizeArgs>({
  name: "resize",
  kind: "transform",
  category: "image",
  summary: "images or [H,W,C] tensors → [height, width, C] tensor (fill, cover = resize + center crop, contain = fit + pad)",
  example: "resize: { column: image, size: [224, 224], fit: cover }",
  args: {
    column: columnArg,
    output: outputArg,
    size: sizeArg,
    mode: { type: "string", oneOf: ["linear", "nearest"], default: "linear", doc: "interpolation" },
    antialias: { type: "boolean", default: true, doc: "filter when downscaling (as PIL and torchvision)" },
    fit: { type: "string", oneOf: ["fill", "cover", "contain"], default: "fill", doc: "fill: stretch; cover: scale to cover, crop the centre; contain: scale to fit, pad with black" },
    key: keyArg,
  },
  plan: (a, input, ctx) => {
    const r = resolvePixels(a, input, ctx, "resize");
    const size = intSize(a.size, ctx);
    const [mode, antialias, fit] = [a.mode ?? "linear", a.antialias ?? true, a.fit ?? "fill"] as const;
    const dtype = r.type.kind === "tensor" ? r.type.dtype : "u8";
    const stage: ImageStage = { op: "resize", step: ctx.step.name, column: r.column, output: r.output, size, mode, antialias, fit };
    const label = `resize ${px(size)}${fit === "fill" ? "" : ` ${fit}`}${mode === "nearest" ? " nearest" : ""}`;
    return planned(ctx, r, input, { stage, field: imageTensorField(r.output, dtype, "hwc", [...size, r.type.channels]), label, backend: kernelBackend(ctx, "resize", r.type) });
  },
});

const centerCrop = defineOp<CommonArgs & { size: number[] }>({
  name: "centerCrop",
  kind: "transform",
  category: "image",
  summary: "the centre [height, width] of images or [H,W,C] tensors; smaller images are dead-lettered",
  example: "centerCrop: { column: image, size: [224, 224] }",
  args: { column: columnArg, output: outputArg, size: sizeArg, key: keyArg },
  plan: (a, input, ctx) => {
    const r = resolvePixels(a, input, ctx, "centerCrop");
    const size = intSize(a.size, ctx);
    if (r.type.kind === "tensor" && (size[0] > r.type.height || size[1] > r.type.width)) {
      throw ctx.error(`crop ${px(size)} is larger than the ${px([r.type.height, r.type.width])} images of column '${r.column}'`, { arg: "size" });
    }
    const dtype = r.type.kind === "tensor" ? r.type.dtype : "u8";
    const stage: ImageStage = { op: "centerCrop", step: ctx.step.name, column: r.column, output: r.output, size };
    const field = imageTensorField(r.output, dtype, "hwc", [...size, r.type.channels]);
    return planned(ctx, r, input, { stage, field, label: `centerCrop ${px(size)}`, backend: kernelBackend(ctx, "centerCrop", r.type) });
  },
});

interface NormalizeArgs extends CommonArgs {
  mean?: "imagenet" | number[];
  std?: "imagenet" | number[];
  scale?: number;
}

function perChannel(v: "imagenet" | number[] | undefined, imagenet: readonly number[], arg: string, channels: number, ctx: PlanContext): number[] {
  const values = v === undefined || v === "imagenet" ? [...imagenet] : v;
  if (values.length !== channels) {
    throw ctx.error(`argument '${arg}' needs ${channels} values, one per channel${v === undefined || v === "imagenet" ? " (imagenet statistics are for 3-channel RGB)" : `, got ${values.length}`}`, { arg });
  }
  return values;
}

const normalize = defineOp<NormalizeArgs>({
  name: "normalize",
  kind: "transform",
  category: "image",
  summary: "fixed-size [H,W,C] pixels → f32 [C,H,W]: (x · scale − mean) / std per channel",
  example: "normalize: { column: image, output: pixel_values, mean: imagenet, std: imagenet }",
  args: {
    column: columnArg,
    output: outputArg,
    mean: { type: ["string", "number[]"], oneOf: ["imagenet"], default: "imagenet", doc: "per-channel mean on the scaled (0..1) values, or `imagenet`" },
    std: { type: ["string", "number[]"], oneOf: ["imagenet"], default: "imagenet", doc: "per-channel standard deviation, or `imagenet`" },
    scale: { type: "number", doc: "multiplier before the mean; default 1/255 for u8 pixels, 1 for f32" },
    key: keyArg,
  },
  plan: (a, input, ctx) => {
    const r = resolvePixels(a, input, ctx, "normalize");
    const t = fixedSize(r, "normalize", ctx);
    const mean = perChannel(a.mean, IMAGENET_MEAN, "mean", t.channels, ctx);
    const std = perChannel(a.std, IMAGENET_STD, "std", t.channels, ctx);
    if (std.some((s) => s === 0)) throw ctx.error("argument 'std' must not contain 0", { arg: "std" });
    const stage: ImageStage = { op: "normalize", step: ctx.step.name, column: r.column, output: r.output, mean, std, ...(a.scale === undefined ? {} : { scale: a.scale }) };
    const field = imageTensorField(r.output, "f32", "chw", [t.height, t.width, t.channels]);
    return planned(ctx, r, input, { stage, field, label: "normalize", backend: kernelBackend(ctx, "normalize", t) });
  },
});

interface ToTensorArgs extends CommonArgs {
  dtype?: "u8" | "f32";
  layout?: "chw" | "hwc";
  scale?: number;
}

const toTensor = defineOp<ToTensorArgs>({
  name: "toTensor",
  kind: "transform",
  category: "image",
  summary: "fixed-size [H,W,C] pixels → a tensor: f32 scaled to 0..1 (as torchvision ToTensor) or u8, CHW or HWC",
  example: "toTensor: { column: image, dtype: f32, layout: chw }",
  args: {
    column: columnArg,
    output: outputArg,
    dtype: { type: "string", oneOf: ["f32", "u8"], default: "f32", doc: "element type written" },
    layout: { type: "string", oneOf: ["chw", "hwc"], default: "chw", doc: "channels first or last" },
    scale: { type: "number", doc: "f32 only: multiplier; default 1/255 for u8 pixels, 1 for f32" },
    key: keyArg,
  },
  plan: (a, input, ctx) => {
    const r = resolvePixels(a, input, ctx, "toTensor");
    const t = fixedSize(r, "toTensor", ctx);
    const [dtype, layout] = [a.dtype ?? "f32", a.layout ?? "chw"] as const;
    if (dtype === "u8" && t.dtype !== "u8") throw ctx.error(`dtype u8 needs u8 pixels; column '${r.column}' is ${t.dtype}`, { arg: "dtype" });
    if (dtype === "u8" && a.scale !== undefined) throw ctx.error("argument 'scale' applies to f32 output only", { arg: "scale" });
    const stage: ImageStage = { op: "toTensor", step: ctx.step.name, column: r.column, output: r.output, dtype, layout, ...(a.scale === undefined ? {} : { scale: a.scale }) };
    const backend = dtype === "f32" ? kernelBackend(ctx, "normalize", t) : "js";
    const field = imageTensorField(r.output, dtype, layout, [t.height, t.width, t.channels]);
    return planned(ctx, r, input, { stage, field, label: `toTensor ${dtype} ${layout}`, backend });
  },
});

/** The image ops, for the catalog. */
export const IMAGE_OPS: readonly OpDefinition[] = [decode, resize, centerCrop, normalize, toTensor];
