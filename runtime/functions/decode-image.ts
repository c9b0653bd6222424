/**
 * The decode-image built-in: JPEG / PNG / WebP bytes → HWC u8 pixels, through sharp (libvips).
 * Untrusted input is the normal case here, so the header is read first and an image over the
 * pixel limit is refused before any pixel memory is allocated; every failure is a RecordError
 * that says what was wrong with this record.
 */

import sharp, { type Metadata } from "sharp";
import { SluiceError } from "../../kernels/errors.js";
import { RecordError } from "../api/runtime-errors.js";
import type { DecodedImage } from "../types/image-decoded.js";
import { detectImageFormat, type ImageFormat } from "../types/image-format.js";
import { resizedSize, type ResizeTarget } from "./resize-target.js";

/** Default pixel limit: 64 megapixels (an 8K frame is 33 MP). */
export const DEFAULT_MAX_PIXELS = 64 * 1024 * 1024;

export const DECODABLE_FORMATS: readonly ImageFormat[] = ["jpeg", "png", "webp"];

export interface DecodeImageOptions {
  /** Largest width × height accepted; checked from the header. Default 64 Mi pixels. */
  readonly maxPixels?: number;
  /** 3: RGB (alpha dropped), 4: RGBA (opaque alpha added when missing). Default 3. */
  readonly channels?: 3 | 4;
  /** Apply the EXIF orientation. Default false: pixels as stored, as most model pipelines expect. */
  readonly autoOrient?: boolean;
  /**
   * The size the caller will resize to next. For a JPEG at least twice that size, the decode
   * uses libjpeg's shrink-on-load (DCT scaling by 1/2, 1/4, 1/8) and libvips resamples the rest,
   * returning the image already at that size — several times faster than decoding every pixel
   * and then resizing. Other formats and smaller JPEGs decode at full size. Either way the
   * caller's resize to the same target gives the same picture within a few levels.
   */
  readonly targetSize?: ResizeTarget;
}

/** Decodes one encoded image. Throws RecordError for empty, unknown, corrupt, truncated or oversized input. */
export async function decodeImage(bytes: Uint8Array, options: DecodeImageOptions = {}): Promise<DecodedImage> {
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  const channels = options.channels ?? 3;
  if (!Number.isSafeInteger(maxPixels) || maxPixels < 1) throw new SluiceError(`decode image: maxPixels must be a positive integer, got ${maxPixels}`);
  if (channels !== 3 && channels !== 4) throw new SluiceError(`decode image: channels must be 3 or 4, got ${String(channels)}`);
  if (bytes.length === 0) throw recordError("empty input (0 bytes)");
  const format = detectImageFormat(bytes);
  if (!format) throw recordError(`not a JPEG, PNG or WebP image (first bytes ${hex(bytes.subarray(0, 8))})`);
  if (!DECODABLE_FORMATS.includes(format)) throw recordError(`${format} is not supported (supported: ${DECODABLE_FORMATS.join(", ")})`);

  const input = { limitInputPixels: maxPixels, failOn: "warning", autoOrient: options.autoOrient ?? false } as const;
  let meta: Metadata;
  try {
    meta = await sharp(bytes, { ...input, limitInputPixels: false }).metadata();
  } catch (err) {
    throw recordError(`corrupt ${format} header: ${messageOf(err)}`, err);
  }
  const { width, height } = meta;
  if (!width || !height) throw recordError(`${format} header has no dimensions`);
  if (width * height > maxPixels) {
    throw recordError(`image is ${width}x${height} = ${width * height} pixels, over the limit of ${maxPixels}`);
  }

  let pipeline = sharp(bytes, input).toColourspace("srgb");
  const upright = options.autoOrient && (meta.orientation ?? 1) >= 5 ? { width: height, height: width } : { width, height };
  if (options.targetSize !== undefined && format === "jpeg") {
    const [th, tw] = resizedSize(upright.height, upright.width, options.targetSize);
    // Below 2x there is no DCT scaling to gain, and the caller's own resize is the reference.
    if (upright.width >= 2 * tw && upright.height >= 2 * th) {
      pipeline = pipeline.resize({ width: tw, height: th, fit: "fill", kernel: "linear", fastShrinkOnLoad: true });
    }
  }
  pipeline = channels === 3 ? pipeline.removeAlpha() : pipeline.ensureAlpha();
  try {
    const { data, info } = await pipeline.raw({ depth: "uchar" }).toBuffer({ resolveWithObject: true });
    if (info.channels !== channels) throw recordError(`decoded to ${info.channels} channels, expected ${channels}`);
    return {
      width: info.width,
      height: info.height,
      channels,
      mode: channels === 3 ? "RGB" : "RGBA",
      data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    };
  } catch (err) {
    if (err instanceof RecordError) throw err;
    throw recordError(`corrupt or truncated ${format}: ${messageOf(err)}`, err);
  }
}

function recordError(reason: string, cause?: unknown): RecordError {
  return new RecordError(`decode image: ${reason}`, { step: "decode_image", cause });
}

/** libvips messages span lines ("…corrupt header:\npngload: …"); make them one line for a dead letter. */
function messageOf(err: unknown): string {
  const m = err instanceof Error ? err.message : String(err);
  return m.split("\n").map((l) => l.trim()).filter((l) => l !== "").join(" ");
}

function hex(b: Uint8Array): string {
  return [...b].map((x) => x.toString(16).padStart(2, "0")).join(" ");
}
