/**
 * Image container formats and pixel modes of `sluice.image`, and format detection from magic
 * bytes (so an encoded column whose metadata names no format can still be routed per row, and
 * one that names a format can be checked against its bytes).
 */

/** Encoded image formats `sluice.image` knows by name. */
export type ImageFormat = "jpeg" | "png" | "webp" | "gif" | "bmp" | "tiff" | "avif";
export const IMAGE_FORMATS: readonly ImageFormat[] = ["jpeg", "png", "webp", "gif", "bmp", "tiff", "avif"];

/**
 * Pixel layouts of decoded images, PIL-style names. Pixels are u8, interleaved (HWC), row-major,
 * top row first; BGR/BGRA are there for OpenCV-produced frames.
 */
export type ImageMode = "L" | "LA" | "RGB" | "RGBA" | "BGR" | "BGRA";
export const IMAGE_MODE_CHANNELS: Readonly<Record<ImageMode, number>> = { L: 1, LA: 2, RGB: 3, RGBA: 4, BGR: 3, BGRA: 4 };

export function isImageFormat(v: unknown): v is ImageFormat {
  return typeof v === "string" && (IMAGE_FORMATS as readonly string[]).includes(v);
}

export function isImageMode(v: unknown): v is ImageMode {
  return typeof v === "string" && Object.prototype.hasOwnProperty.call(IMAGE_MODE_CHANNELS, v);
}

/** The format the bytes start like, or undefined when no known signature matches. */
export function detectImageFormat(bytes: Uint8Array): ImageFormat | undefined {
  const at = (offset: number, sig: readonly number[]): boolean => sig.every((b, i) => bytes[offset + i] === b);
  const ascii = (offset: number, s: string): boolean => at(offset, [...s].map((c) => c.charCodeAt(0)));
  if (at(0, [0xff, 0xd8, 0xff])) return "jpeg";
  if (at(0, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return "png";
  if (ascii(0, "RIFF") && ascii(8, "WEBP")) return "webp";
  if (ascii(0, "GIF87a") || ascii(0, "GIF89a")) return "gif";
  if (ascii(0, "BM") && bytes.length >= 14) return "bmp";
  if (ascii(0, "II*\0") || ascii(0, "MM\0*")) return "tiff";
  if (ascii(4, "ftyp") && (ascii(8, "avif") || ascii(8, "avis"))) return "avif";
  return undefined;
}
