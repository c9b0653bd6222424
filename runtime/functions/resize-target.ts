/**
 * Where an image is resized to: an exact `[height, width]`, or the shorter side set to a length
 * with the aspect ratio kept (torchvision's `Resize(int)`: the long side is floored). Shared by
 * the decoder's shrink-on-load and the resize built-in so both aim at the same size.
 */

import { SluiceError } from "../../kernels/errors.js";

export type ResizeTarget = readonly [height: number, width: number] | { readonly shorterSide: number };

/** The `[height, width]` an image of `height × width` has after resizing to `target`. */
export function resizedSize(height: number, width: number, target: ResizeTarget): [number, number] {
  if (Array.isArray(target)) {
    const [h, w] = target as readonly [number, number];
    if (!isPositiveInt(h) || !isPositiveInt(w)) throw new SluiceError(`resize: size must be [height, width] of positive integers, got ${JSON.stringify(target)}`);
    return [h, w];
  }
  const s = (target as { readonly shorterSide: number }).shorterSide;
  if (!isPositiveInt(s)) throw new SluiceError(`resize: shorterSide must be a positive integer, got ${JSON.stringify(s)}`);
  if (height <= width) return [s, Math.max(1, Math.floor((s * width) / height))];
  return [Math.max(1, Math.floor((s * height) / width)), s];
}

function isPositiveInt(v: unknown): v is number {
  return typeof v === "number" && Number.isInteger(v) && v > 0;
}
