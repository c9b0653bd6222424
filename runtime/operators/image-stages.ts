/**
 * The per-image steps of the image ops, as plain data plus one function each, so a step planned
 * alone and the same step fused into a decode run exactly the same code on the same pixels —
 * which is what keeps fused and unfused results bit-identical.
 *
 * Pixels are `[H,W,C]` tensors (u8 from decode, u8 or f32 from a tensor column); `normalize` and
 * `toTensor` may turn them into `[C,H,W]`. Each function also takes `[N,H,W,C]`.
 */

import { allocData, tensor, type Tensor } from "../../kernels/tensor.js";
import { RecordError } from "../api/runtime-errors.js";
import { decodeImage, type DecodeImageOptions } from "../functions/decode-image.js";
import { centerCropImage, normalizeImage, pixelsOf, resizeImage } from "../functions/image-preprocess.js";
import { runKernel, type KernelRunner } from "../functions/kernel-runner.js";
import type { ResizeTarget } from "../functions/resize-target.js";

/** How `resize` maps an image onto `size`: stretch, fill-and-crop, or fit-and-pad. */
export type ResizeFit = "fill" | "cover" | "contain";

interface StageBase {
  /** The plan step, for dead letters. */
  readonly step: string;
  /** Column read. */
  readonly column: string;
  /** Column written (may equal `column`). */
  readonly output: string;
}

export interface DecodeStage extends StageBase {
  readonly op: "decode";
  readonly maxPixels: number;
  readonly channels: 3 | 4;
  readonly autoOrient: boolean;
  /** Shrink-on-load target, set only when a fused resize to this size follows. */
  readonly targetSize?: ResizeTarget;
}

export interface ResizeStage extends StageBase {
  readonly op: "resize";
  readonly size: readonly [number, number];
  readonly mode: "linear" | "nearest";
  readonly antialias: boolean;
  readonly fit: ResizeFit;
}

export interface CenterCropStage extends StageBase {
  readonly op: "centerCrop";
  readonly size: readonly [number, number];
}

export interface NormalizeStage extends StageBase {
  readonly op: "normalize";
  readonly mean: readonly number[];
  readonly std: readonly number[];
  /** Default: the kernel's (1/255 for u8, 1 for f32). */
  readonly scale?: number;
}

export interface ToTensorStage extends StageBase {
  readonly op: "toTensor";
  readonly dtype: "u8" | "f32";
  readonly layout: "hwc" | "chw";
  /** f32 only. Default 1/255 from u8, 1 from f32. */
  readonly scale?: number;
}

export type PixelStage = ResizeStage | CenterCropStage | NormalizeStage | ToTensorStage;
export type ImageStage = DecodeStage | PixelStage;

/** Decodes one encoded image to `[H,W,C]` u8 pixels (RecordError for bad input). */
export async function runDecodeStage(stage: DecodeStage, bytes: Uint8Array): Promise<Tensor<"u8">> {
  const opts: DecodeImageOptions = { maxPixels: stage.maxPixels, channels: stage.channels, autoOrient: stage.autoOrient, targetSize: stage.targetSize };
  return pixelsOf(await decodeImage(bytes, opts));
}

/** Runs one pixel step on `[H,W,C]` or `[N,H,W,C]`. */
export async function runPixelStage(stage: PixelStage, x: Tensor, kernels: KernelRunner): Promise<Tensor> {
  switch (stage.op) {
    case "resize":
      return resizeFit(x, stage, kernels);
    case "centerCrop":
      return centerCropImage(x, stage.size, { kernels });
    case "normalize":
      return normalizeImage(x, { mean: stage.mean, std: stage.std, kernels, ...(stage.scale === undefined ? {} : { scale: stage.scale }) });
    case "toTensor":
      return toTensorStage(x, stage, kernels);
  }
}

/** The size `cover` resizes to before its centre crop: the smallest that covers `size`. */
export function coverSize(height: number, width: number, size: readonly [number, number]): [number, number] {
  const [h, w] = size;
  // Same rounding as torchvision's Resize(shorter side): the other side is floored.
  if (h * width >= w * height) return [h, Math.max(w, Math.floor((width * h) / height))];
  return [Math.max(h, Math.floor((height * w) / width)), w];
}

/** The size `contain` resizes to before padding: the largest that fits inside `size`. */
export function containSize(height: number, width: number, size: readonly [number, number]): [number, number] {
  const [h, w] = size;
  if (h * width <= w * height) return [h, Math.min(w, Math.max(1, Math.round((width * h) / height)))];
  return [Math.min(h, Math.max(1, Math.round((height * w) / width))), w];
}

async function resizeFit(x: Tensor, stage: ResizeStage, kernels: KernelRunner): Promise<Tensor> {
  const opts = { mode: stage.mode, antialias: stage.antialias, kernels };
  if (stage.fit === "fill") return resizeImage(x, stage.size, opts);
  const [h, w] = spatial(x);
  if (stage.fit === "cover") return centerCropImage(await resizeImage(x, coverSize(h, w, stage.size), opts), stage.size, { kernels });
  return padCenter(await resizeImage(x, containSize(h, w, stage.size), opts), stage.size);
}

/** Places the image in the middle of a zero (black) canvas of `size` — letterboxing. */
function padCenter(x: Tensor, size: readonly [number, number]): Tensor {
  const [h, w] = spatial(x);
  const [oh, ow] = size;
  if (h === oh && w === ow) return x;
  const n = x.shape.length === 4 ? x.shape[0]! : 1;
  const c = x.shape[x.shape.length - 1]!;
  const out = allocData(x.dtype, n * oh * ow * c);
  const top = Math.floor((oh - h) / 2), left = Math.floor((ow - w) / 2);
  const src = x.data as Uint8Array | Float32Array;
  for (let i = 0; i < n; i++) {
    for (let y = 0; y < h; y++) {
      const from = ((i * h + y) * w) * c;
      (out as Uint8Array | Float32Array).set(src.subarray(from, from + w * c), ((i * oh + top + y) * ow + left) * c);
    }
  }
  return tensor(x.dtype, x.shape.length === 4 ? [n, oh, ow, c] : [oh, ow, c], out);
}

async function toTensorStage(x: Tensor, stage: ToTensorStage, kernels: KernelRunner): Promise<Tensor> {
  if (stage.dtype === "u8") {
    if (x.dtype !== "u8") throw new RecordError(`toTensor: u8 output needs u8 pixels, got ${x.dtype}`, { step: stage.step });
    return stage.layout === "hwc" ? x : hwcToChw(x as Tensor<"u8">);
  }
  const c = x.shape[x.shape.length - 1]!;
  const attrs = {
    mean: new Array<number>(c).fill(0),
    std: new Array<number>(c).fill(1),
    scale: stage.scale ?? (x.dtype === "u8" ? 1 / 255 : 1),
    inputLayout: "hwc",
    outputLayout: stage.layout,
  } as const;
  return (await runKernel(stage.step, "normalize", [x], attrs, { kernels }))[0]!;
}

/** `[..,H,W,C]` → `[..,C,H,W]` for u8, which the f32-only normalize kernel cannot do. */
function hwcToChw(x: Tensor<"u8">): Tensor<"u8"> {
  const [h, w] = spatial(x);
  const n = x.shape.length === 4 ? x.shape[0]! : 1;
  const c = x.shape[x.shape.length - 1]!;
  const plane = h * w;
  const out = new Uint8Array(x.data.length);
  for (let i = 0; i < n; i++) {
    const base = i * plane * c;
    for (let p = 0; p < plane; p++) for (let k = 0; k < c; k++) out[base + k * plane + p] = x.data[base + p * c + k]!;
  }
  return tensor("u8", x.shape.length === 4 ? [n, c, h, w] : [c, h, w], out);
}

function spatial(x: Tensor): [number, number] {
  const o = x.shape.length - 3;
  return [x.shape[o]!, x.shape[o + 1]!];
}
