/**
 * Generated inputs for `sluice demo`: a folder of JPEG/PNG/WebP images of several sizes made
 * from synthetic test cards, plus a few deliberately broken files (truncated, empty, not an
 * image) that the pipeline must dead-letter while everything else flows.
 */

import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import sharp from "sharp";

export interface DemoImages {
  dir: string;
  good: number;
  corrupt: string[];
}

const SIZES: [number, number][] = [[640, 480], [1280, 720], [1920, 1080], [800, 800], [320, 240]];

function card(width: number, height: number, seed: number): Buffer {
  const data = Buffer.alloc(width * height * 3);
  const fx = 1 + (seed % 5), fy = 1 + ((seed * 7) % 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      data[i] = (x * 255 * fx) / width;
      data[i + 1] = (y * 255 * fy) / height;
      data[i + 2] = (((x >> (3 + (seed % 3))) ^ (y >> 4)) & 1) * 200 + (seed * 13) % 55;
    }
  }
  return data;
}

/** Writes `count` good images (formats and sizes cycling) and 4 broken files into `dir`. */
export async function writeDemoImages(dir: string, count: number, onProgress?: (done: number) => void): Promise<DemoImages> {
  mkdirSync(dir, { recursive: true });
  const formats = ["jpeg", "jpeg", "png", "webp"] as const;
  let firstJpeg: Buffer | undefined;
  for (let i = 0; i < count; i++) {
    const [w, h] = SIZES[i % SIZES.length]!;
    const fmt = formats[i % formats.length]!;
    const img = sharp(card(w, h, i), { raw: { width: w, height: h, channels: 3 } });
    const bytes = await (fmt === "jpeg" ? img.jpeg({ quality: 85 }) : fmt === "png" ? img.png({ compressionLevel: 1 }) : img.webp({ quality: 80 })).toBuffer();
    if (fmt === "jpeg" && !firstJpeg) firstJpeg = bytes;
    writeFileSync(join(dir, `img-${String(i).padStart(4, "0")}.${fmt === "jpeg" ? "jpg" : fmt}`), bytes);
    onProgress?.(i + 1);
  }
  const corrupt = ["broken-truncated.jpg", "broken-empty.png", "broken-not-an-image.jpg", "broken-garbage.webp"];
  writeFileSync(join(dir, corrupt[0]!), (firstJpeg ?? Buffer.alloc(0)).subarray(0, 600));
  writeFileSync(join(dir, corrupt[1]!), Buffer.alloc(0));
  writeFileSync(join(dir, corrupt[2]!), "this is a text file with a .jpg name\n");
  writeFileSync(join(dir, corrupt[3]!), Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) & 0xff)));
  return { dir, good: count, corrupt };
}
