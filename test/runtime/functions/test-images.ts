/** Real encoded images for decode tests, made with sharp from a known pixel pattern. */

import sharp from "sharp";

/**
 * A smooth RGB pattern with some texture: gradients plus a low-frequency ripple, so lossy codecs
 * keep it close and resampling paths can be compared with a tight tolerance.
 */
export function patternPixels(width: number, height: number, channels = 3): Uint8Array {
  const out = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * channels;
      out[i] = Math.round((255 * x) / (width - 1));
      out[i + 1] = Math.round((255 * y) / (height - 1));
      out[i + 2] = Math.round(127.5 + 100 * Math.sin(x / 23) * Math.cos(y / 17));
      if (channels === 4) out[i + 3] = (x + y) % 256;
    }
  }
  return out;
}

export type Encoding = "jpeg" | "png" | "webp";

export async function encodePattern(format: Encoding, width: number, height: number, channels: 3 | 4 = 3): Promise<Uint8Array> {
  const img = sharp(patternPixels(width, height, channels), { raw: { width, height, channels } });
  const buf =
    format === "jpeg" ? await img.jpeg({ quality: 95 }).toBuffer() : format === "png" ? await img.png().toBuffer() : await img.webp({ quality: 95 }).toBuffer();
  return new Uint8Array(buf);
}

/** Mean and max absolute difference of two equally long byte arrays. */
export function diffStats(a: ArrayLike<number>, b: ArrayLike<number>): { mean: number; max: number } {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let sum = 0, max = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    sum += d;
    if (d > max) max = d;
  }
  return { mean: sum / a.length, max };
}
