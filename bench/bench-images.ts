/**
 * Inputs for the application benchmarks: seeded synthetic "photos" encoded as JPEG with sharp,
 * cached on disk between runs (generating 200 full-HD frames takes longer than benchmarking
 * them). Unlike the demo's smooth test cards, each frame has shapes, edges and grain, so the
 * JPEGs carry photo-like entropy and decoding costs what it costs on real pictures.
 */

import { existsSync, linkSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { uniform } from "../scheduler/models/seeded-random.js";

export interface BenchImagesOptions {
  count: number;
  width?: number;
  height?: number;
  /** JPEG quality. Default 85. */
  quality?: number;
  /** Folder to fill. Default: a cache folder under the OS temp dir named after the size and quality. */
  dir?: string;
  onProgress?: (done: number, total: number) => void;
}

export interface BenchImages {
  dir: string;
  /** Absolute paths, in sorted order (the order the images source reads them). */
  files: string[];
  width: number;
  height: number;
  /** Total encoded bytes. */
  bytes: number;
  /** How many were made in this call (the rest came from the cache). */
  generated: number;
}

/** Bump when the generator changes, so a stale cache is never mistaken for the current images. */
const GENERATOR_VERSION = 1;

/** The default cache folder for images of a size and quality. */
export function benchImagesDir(width: number, height: number, quality = 85): string {
  return join(tmpdir(), "sluice-bench", `jpeg-${width}x${height}-q${quality}-v${GENERATOR_VERSION}`);
}

/** RGB pixels of one synthetic photo: a sky-like gradient, overlapping shapes, and grain. */
export function syntheticPhoto(width: number, height: number, seed: number): Buffer {
  const rnd = uniform(seed * 7919 + 17);
  const px = Buffer.alloc(width * height * 3);
  const top = [rnd() * 255, rnd() * 255, rnd() * 255], bottom = [rnd() * 255, rnd() * 255, rnd() * 255];
  for (let y = 0; y < height; y++) {
    const t = y / (height - 1);
    const r = top[0]! * (1 - t) + bottom[0]! * t, g = top[1]! * (1 - t) + bottom[1]! * t, b = top[2]! * (1 - t) + bottom[2]! * t;
    for (let x = 0, i = y * width * 3; x < width; x++, i += 3) {
      px[i] = r;
      px[i + 1] = g;
      px[i + 2] = b;
    }
  }
  const shapes = 12 + Math.floor(rnd() * 12);
  for (let s = 0; s < shapes; s++) {
    const cx = rnd() * width, cy = rnd() * height, rad = (0.03 + rnd() * 0.2) * height;
    const colour = [rnd() * 255, rnd() * 255, rnd() * 255];
    const circle = rnd() < 0.5, stripes = rnd() < 0.3 ? 2 + Math.floor(rnd() * 10) : 0;
    const x0 = Math.max(0, Math.floor(cx - rad)), x1 = Math.min(width, Math.ceil(cx + rad));
    const y0 = Math.max(0, Math.floor(cy - rad)), y1 = Math.min(height, Math.ceil(cy + rad));
    for (let y = y0; y < y1; y++) {
      for (let x = x0; x < x1; x++) {
        if (circle && (x - cx) ** 2 + (y - cy) ** 2 > rad * rad) continue;
        if (stripes && ((x + y) / stripes) % 2 < 1) continue;
        const i = (y * width + x) * 3;
        px[i] = colour[0]!;
        px[i + 1] = colour[1]!;
        px[i + 2] = colour[2]!;
      }
    }
  }
  // Grain: cheap xorshift per pixel, ±12 levels, so flat areas are not free to encode or decode.
  let state = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < px.length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    const v = px[i]! + (((state >>> 0) % 25) - 12);
    px[i] = v < 0 ? 0 : v > 255 ? 255 : v;
  }
  return px;
}

const name = (i: number): string => `img-${String(i).padStart(5, "0")}.jpg`;

/** Makes sure `count` JPEGs exist in the folder (generating only the missing ones) and lists them. */
export async function ensureBenchImages(o: BenchImagesOptions): Promise<BenchImages> {
  const width = o.width ?? 1920, height = o.height ?? 1080, quality = o.quality ?? 85;
  const dir = o.dir ?? benchImagesDir(width, height, quality);
  mkdirSync(dir, { recursive: true });
  let generated = 0, bytes = 0;
  const files: string[] = [];
  for (let i = 0; i < o.count; i++) {
    const path = join(dir, name(i));
    if (!existsSync(path)) {
      const jpeg = await sharp(syntheticPhoto(width, height, i), { raw: { width, height, channels: 3 } }).jpeg({ quality }).toBuffer();
      // Write then rename: an interrupted run never leaves a truncated JPEG in the cache.
      writeFileSync(`${path}.tmp`, jpeg);
      renameSync(`${path}.tmp`, path);
      generated++;
    }
    bytes += statSync(path).size;
    files.push(path);
    o.onProgress?.(i + 1, o.count);
  }
  return { dir, files, width, height, bytes, generated };
}

/**
 * A folder of `count` hard links cycling over `sources`: a 10k-image input for the cost of a few
 * distinct files (no extra data blocks, and the page cache holds them all). Readers see ordinary
 * files. Remove it with `rmSync(dir, { recursive: true })`; the sources are untouched.
 */
export function linkFarm(dir: string, sources: readonly string[], count: number): string[] {
  if (sources.length === 0) throw new Error("linkFarm: no source files");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const path = join(dir, name(i));
    linkSync(sources[i % sources.length]!, path);
    out.push(path);
  }
  return out;
}

