import { crc32 } from "node:zlib";
import sharp from "sharp";
import { beforeAll, describe, expect, it } from "vitest";
import { RecordError } from "../../../runtime/api/runtime-errors.js";
import { decodeImage } from "../../../runtime/functions/decode-image.js";
import { pixelsOf, resizeImage } from "../../../runtime/functions/image-preprocess.js";
import type { ResizeTarget } from "../../../runtime/functions/resize-target.js";
import { diffStats, encodePattern, patternPixels } from "./test-images.js";

let jpeg: Uint8Array, png: Uint8Array, webp: Uint8Array;

beforeAll(async () => {
  [jpeg, png, webp] = await Promise.all([encodePattern("jpeg", 64, 48), encodePattern("png", 64, 48), encodePattern("webp", 64, 48)]);
});

async function rejection(p: Promise<unknown>): Promise<RecordError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(RecordError);
  expect((err as RecordError).step).toBe("decode_image");
  return err as RecordError;
}

/** A PNG whose header claims `width × height` (CRC fixed up) but whose data is an 8×8 image. */
async function pngClaiming(width: number, height: number): Promise<Uint8Array> {
  const small = new Uint8Array(await sharp({ create: { width: 8, height: 8, channels: 3, background: "#808080" } }).png().toBuffer());
  const view = new DataView(small.buffer, small.byteOffset);
  // Signature (8) + length (4) + "IHDR" (4): width and height follow; the CRC covers type + data.
  view.setUint32(16, width);
  view.setUint32(20, height);
  view.setUint32(29, crc32(small.subarray(12, 29)));
  return small;
}

describe("decodeImage", () => {
  it("decodes PNG losslessly to HWC RGB", async () => {
    const img = await decodeImage(png);
    expect(img).toMatchObject({ width: 64, height: 48, channels: 3, mode: "RGB" });
    expect(img.data).toEqual(patternPixels(64, 48));
  });

  it("decodes JPEG and WebP close to the source pixels", async () => {
    for (const bytes of [jpeg, webp]) {
      const img = await decodeImage(bytes);
      expect(img).toMatchObject({ width: 64, height: 48, channels: 3 });
      expect(diffStats(img.data, patternPixels(64, 48)).mean).toBeLessThan(3);
    }
  });

  it("drops alpha for 3 channels, keeps it for 4, and adds opaque alpha when there is none", async () => {
    const rgba = await encodePattern("png", 16, 8, 4);
    const src = patternPixels(16, 8, 4);
    const three = await decodeImage(rgba);
    expect(three.channels).toBe(3);
    expect([...three.data.subarray(0, 6)]).toEqual([src[0], src[1], src[2], src[4], src[5], src[6]]);
    const four = await decodeImage(rgba, { channels: 4 });
    expect(four).toMatchObject({ channels: 4, mode: "RGBA" });
    expect(four.data).toEqual(src);
    const opaque = await decodeImage(png, { channels: 4 });
    expect(opaque.data[3]).toBe(255);
  });

  it("expands grayscale to RGB", async () => {
    const gray = new Uint8Array(await sharp(Uint8Array.of(0, 100, 200, 255), { raw: { width: 2, height: 2, channels: 1 } }).png().toBuffer());
    const img = await decodeImage(gray);
    expect([...img.data]).toEqual([0, 0, 0, 100, 100, 100, 200, 200, 200, 255, 255, 255]);
  });

  it("rejects zero bytes, unknown formats and unsupported formats", async () => {
    expect((await rejection(decodeImage(new Uint8Array(0)))).message).toBe("decode image: empty input (0 bytes)");
    expect((await rejection(decodeImage(new TextEncoder().encode("hello world")))).message).toMatch(/not a JPEG, PNG or WebP image \(first bytes 68 65 6c 6c/);
    const gif = new Uint8Array(await sharp({ create: { width: 2, height: 2, channels: 3, background: "#000" } }).gif().toBuffer());
    expect((await rejection(decodeImage(gif))).message).toMatch(/gif is not supported/);
  });

  it("rejects corrupt headers and corrupt or truncated data", async () => {
    const garbage = Uint8Array.of(0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4, 5, 6, 7, 8);
    expect((await rejection(decodeImage(garbage))).message).toMatch(/corrupt jpeg header/);
    for (const [name, bytes] of [["jpeg", jpeg], ["png", png], ["webp", webp]] as const) {
      const truncated = bytes.slice(0, Math.floor(bytes.length * 0.6));
      expect((await rejection(decodeImage(truncated))).message, name).toMatch(new RegExp(`decode image: corrupt (or truncated )?${name}`));
    }
    const flipped = png.slice();
    const mid = Math.floor(png.length / 2);
    for (let i = mid; i < mid + 32; i++) flipped[i] ^= 0x5a; // inside the image data: CRC and zlib both break
    expect((await rejection(decodeImage(flipped))).message).toMatch(/corrupt or truncated png/);
  });

  it("refuses an image over the pixel limit from its header, before decoding", async () => {
    // The data is 8×8: only the header says 30000×30000, so this can only fail on the header.
    const bomb = await pngClaiming(30000, 30000);
    expect((await rejection(decodeImage(bomb))).message).toBe(`decode image: image is 30000x30000 = 900000000 pixels, over the limit of ${64 * 1024 * 1024}`);
    expect((await rejection(decodeImage(jpeg, { maxPixels: 64 * 48 - 1 }))).message).toMatch(/64x48 = 3072 pixels, over the limit of 3071/);
    expect((await decodeImage(jpeg, { maxPixels: 64 * 48 })).width).toBe(64);
  });

  it("shrink-on-load for a target size stays within tolerance of the full decode + resize", async () => {
    const cases: [number, number, ResizeTarget][] = [
      [1600, 1200, [224, 224]],
      [1920, 1080, { shorterSide: 256 }],
      [1001, 777, [300, 200]],
    ];
    for (const [w, h, target] of cases) {
      const bytes = await encodePattern("jpeg", w, h);
      const full = await resizeImage(pixelsOf(await decodeImage(bytes)), target);
      const shrunk = await decodeImage(bytes, { targetSize: target });
      // The fast path really ran: the decoder returned the target size, not the full frame.
      expect([shrunk.height, shrunk.width, 3]).toEqual(full.shape);
      const fast = await resizeImage(pixelsOf(shrunk), target);
      const d = diffStats(fast.data, full.data);
      expect(d.mean, `${w}x${h} → ${JSON.stringify(target)}`).toBeLessThan(1);
      expect(d.max).toBeLessThanOrEqual(8);
    }
  });

  it("decodes at full size when the target is not much smaller, or the format is not JPEG", async () => {
    const big = await encodePattern("jpeg", 300, 200);
    expect((await decodeImage(big, { targetSize: [150, 200] })).width).toBe(300);
    const pngBig = await encodePattern("png", 800, 600);
    expect((await decodeImage(pngBig, { targetSize: [100, 100] })).width).toBe(800);
  });
});
