/**
 * The sharp peer for resize+normalize: raw RGB in, libvips `linear` resize to 224×224, raw out,
 * then the plain-JS normalize to f32 CHW. `sharp.concurrency(1)` when compared with one thread
 * of ours, so the comparison is thread for thread.
 */

import sharp from "sharp";
import { normalizeHwcToChw } from "./plain-js-kernels.js";

export interface SharpPeer {
  run(): Promise<Float32Array>;
  /** Restores sharp's thread count. */
  restore(): void;
}

export function sharpResizeNormalize(
  rgb: Uint8Array,
  width: number,
  height: number,
  out: [number, number],
  mean: readonly number[],
  std: readonly number[],
  threads = 1,
): SharpPeer {
  const before = sharp.concurrency();
  sharp.concurrency(threads);
  const input = Buffer.from(rgb.buffer, rgb.byteOffset, rgb.byteLength);
  return {
    async run() {
      const buf = await sharp(input, { raw: { width, height, channels: 3 } })
        .resize(out[1], out[0], { kernel: "linear", fit: "fill" })
        .raw()
        .toBuffer();
      return normalizeHwcToChw(buf, out[0] * out[1], mean, std);
    },
    restore() {
      sharp.concurrency(before);
    },
  };
}
