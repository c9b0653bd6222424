/**
 * Image preprocessing built-ins over the kernels: resize, center-crop, normalize and to-tensor,
 * for one image (`[H,W,C]` u8) or a batch of same-size images run as one `[N,H,W,C]` tensor, so
 * a batch costs one kernel call per step instead of one per image.
 */

import { SluiceError } from "../../kernels/errors.js";
import type { ResizeAttrs } from "../../kernels/op-attrs.js";
import { tensor, type Tensor } from "../../kernels/tensor.js";
import { RecordError } from "../api/runtime-errors.js";
import type { DecodedImage } from "../types/image-decoded.js";
import { runKernel, type KernelOptions } from "./kernel-runner.js";
import { resizedSize, type ResizeTarget } from "./resize-target.js";

/** An image as pixels: a decoded image, or a u8 HWC tensor `[H,W,C]`. */
export type ImageLike = DecodedImage | Tensor<"u8">;

/** ImageNet statistics (RGB, on the 0..1 scale), the usual normalization of vision models. */
export const IMAGENET_MEAN = [0.485, 0.456, 0.406] as const;
export const IMAGENET_STD = [0.229, 0.224, 0.225] as const;

export interface ResizeOptions extends KernelOptions {
  /** Default linear. */
  readonly mode?: ResizeAttrs["mode"];
  /**
   * Default true: downscaling without it aliases (moiré on fine texture); PIL and torchvision
   * antialias by default, and models are trained on such images.
   */
  readonly antialias?: boolean;
}

export interface NormalizeOptions extends KernelOptions {
  readonly mean: readonly number[];
  readonly std: readonly number[];
  /** Multiplier applied before the mean. Default 1/255 (u8 pixels to 0..1). */
  readonly scale?: number;
}

export interface PreprocessSpec {
  readonly resize?: ResizeTarget;
  readonly resizeOptions?: Omit<ResizeOptions, "kernels">;
  readonly centerCrop?: readonly [height: number, width: number];
  /** Default: to-tensor only (0..1, no mean/std). */
  readonly normalize?: Omit<NormalizeOptions, "kernels">;
}

/** The pixels of an image as a `[H,W,C]` u8 tensor, sharing its buffer. */
export function pixelsOf(image: ImageLike): Tensor<"u8"> {
  if ("dtype" in image) {
    if (image.dtype !== "u8" || image.shape.length !== 3) throw new RecordError(`image: expected a u8 [H,W,C] tensor, got ${image.dtype} [${image.shape.join(",")}]`, { step: "image" });
    return image;
  }
  return tensor("u8", [image.height, image.width, image.channels], image.data);
}

/** Copies same-size images into one `[N,H,W,C]` u8 tensor; different sizes are an error naming both. */
export function stackImages(images: readonly ImageLike[]): Tensor<"u8"> {
  if (images.length === 0) throw new SluiceError("stack images: no images");
  const first = pixelsOf(images[0]!);
  const frame = first.data.length;
  const out = new Uint8Array(frame * images.length);
  images.forEach((img, i) => {
    const t = pixelsOf(img);
    if (t.shape.some((d, k) => d !== first.shape[k])) {
      throw new RecordError(`stack images: image ${i} is [${t.shape.join(",")}], image 0 is [${first.shape.join(",")}]; a batch needs one size (resize or crop first)`, { step: "stack_images" });
    }
    out.set(t.data, i * frame);
  });
  return tensor("u8", [images.length, ...first.shape], out);
}

/** Resizes `[H,W,C]` or `[N,H,W,C]` (u8 or f32) to a target size. */
export async function resizeImage(x: Tensor, target: ResizeTarget, options: ResizeOptions = {}): Promise<Tensor> {
  const [h, w] = spatial(x);
  const size = resizedSize(h, w, target);
  if (size[0] === h && size[1] === w) return x;
  const attrs: ResizeAttrs = { size, mode: options.mode ?? "linear", antialias: options.antialias ?? true, layout: "hwc" };
  return (await runKernel("resize", "resize", [x], attrs, options))[0]!;
}

/** Crops the centre `[height, width]` of `[H,W,C]` or `[N,H,W,C]`. */
export async function centerCropImage(x: Tensor, size: readonly [number, number], options: KernelOptions = {}): Promise<Tensor> {
  const [h, w] = spatial(x);
  if (size[0] === h && size[1] === w) return x;
  return (await runKernel("center_crop", "centerCrop", [x], { size, layout: "hwc" }, options))[0]!;
}

/** `(x · scale − mean) / std` per channel, HWC in, CHW f32 out (`[C,H,W]` or `[N,C,H,W]`). */
export async function normalizeImage(x: Tensor, options: NormalizeOptions): Promise<Tensor<"f32">> {
  const attrs = { mean: options.mean, std: options.std, inputLayout: "hwc", outputLayout: "chw", ...(options.scale === undefined ? {} : { scale: options.scale }) } as const;
  return (await runKernel("normalize", "normalize", [x], attrs, options))[0] as Tensor<"f32">;
}

/** u8 HWC → f32 CHW on 0..1, as torchvision's ToTensor. */
export function toTensor(x: Tensor, options: KernelOptions = {}): Promise<Tensor<"f32">> {
  const c = x.shape[x.shape.length - 1]!;
  return normalizeImage(x, { ...options, mean: new Array<number>(c).fill(0), std: new Array<number>(c).fill(1), scale: x.dtype === "u8" ? 1 / 255 : 1 });
}

/** resize → center-crop → normalize (or to-tensor) of one image: `[C,H,W]` f32. */
export async function preprocessImage(image: ImageLike, spec: PreprocessSpec, options: KernelOptions = {}): Promise<Tensor<"f32">> {
  return finish(await geometry(pixelsOf(image), spec, options), spec, options);
}

/**
 * The same over a batch: `[N,C,H,W]` f32. Same-size images go through every step as one
 * tensor; otherwise resize and crop run per image and the rest as one tensor, which needs the
 * images to agree in size after them (an exact resize size, or a crop).
 */
export async function preprocessImages(images: readonly ImageLike[], spec: PreprocessSpec, options: KernelOptions = {}): Promise<Tensor<"f32">> {
  if (images.length === 0) throw new SluiceError("preprocess images: no images");
  const pixels = images.map(pixelsOf);
  const sameSize = pixels.every((t) => t.shape.every((d, k) => d === pixels[0]!.shape[k]));
  const batch = sameSize
    ? await geometry(stackImages(pixels), spec, options)
    : stackImages(await Promise.all(pixels.map((t) => geometry(t, spec, options))) as Tensor<"u8">[]);
  return finish(batch, spec, options);
}

async function geometry(x: Tensor, spec: PreprocessSpec, options: KernelOptions): Promise<Tensor> {
  let t = x;
  if (spec.resize !== undefined) t = await resizeImage(t, spec.resize, { ...spec.resizeOptions, ...options });
  if (spec.centerCrop !== undefined) t = await centerCropImage(t, spec.centerCrop, options);
  return t;
}

function finish(x: Tensor, spec: PreprocessSpec, options: KernelOptions): Promise<Tensor<"f32">> {
  return spec.normalize ? normalizeImage(x, { ...spec.normalize, ...options }) : toTensor(x, options);
}

/** [H, W] of an HWC tensor of rank 3 or 4. */
function spatial(x: Tensor): [number, number] {
  if (x.shape.length !== 3 && x.shape.length !== 4) {
    throw new RecordError(`image: expected [H,W,C] or [N,H,W,C], got [${x.shape.join(",")}]`, { step: "image" });
  }
  const o = x.shape.length - 3;
  return [x.shape[o]!, x.shape[o + 1]!];
}
