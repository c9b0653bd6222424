import { beforeAll, describe, expect, it } from "vitest";
import sharp from "sharp";
import { Binary, Field, Int32, Struct, Utf8 } from "apache-arrow";
import {
  EXTENSION_METADATA_KEY,
  EXTENSION_NAME_KEY,
  ExtensionMetadataError,
  columnOf,
  decodedImageAt,
  decodedImageColumn,
  decodedImageColumnFromTensor,
  decodedImages,
  decodedImagesTensor,
  detectImageFormat,
  encodedImageAt,
  encodedImageColumn,
  encodedImages,
  imageField,
  imageInfo,
  imageTensor,
  isImageField,
  recordBatchFromColumns,
  tableFromColumns,
} from "../../../runtime/types/index.js";
import { tensor } from "../../../kernels/tensor.js";
import { IPC_FORMATS, ipcRoundTrip } from "./ipc-round-trip.js";

function pixels(n: number, seed = 0): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (i * 37 + seed) & 255);
}

function fieldWith(metadata: string | undefined, type: Struct | Binary | Int32): Field {
  const md = new Map([[EXTENSION_NAME_KEY, "sluice.image"]]);
  if (metadata !== undefined) md.set(EXTENSION_METADATA_KEY, metadata);
  return new Field("img", type, true, md);
}

let png: Uint8Array;
let jpeg: Uint8Array;

beforeAll(async () => {
  const base = sharp(Buffer.from(pixels(2 * 3 * 3)), { raw: { width: 2, height: 3, channels: 3 } });
  png = new Uint8Array(await base.clone().png().toBuffer());
  jpeg = new Uint8Array(await base.clone().jpeg().toBuffer());
});

describe("sluice.image, decoded", () => {
  it("builds the documented storage and round-trips pixels, sizes and modes", () => {
    const col = decodedImageColumn("img", [
      { width: 2, height: 3, mode: "RGB", data: pixels(18) },
      null,
      { width: 1, height: 1, mode: "RGBA", channels: 4, data: pixels(4, 9) },
      { width: 4, height: 2, mode: "L", data: new Uint8ClampedArray(pixels(8, 3)) },
    ]);
    expect(col.field.metadata.get(EXTENSION_NAME_KEY)).toBe("sluice.image");
    expect(col.field.metadata.get(EXTENSION_METADATA_KEY)).toBe('{"encoded":false}');
    expect(String(col.field.type)).toBe("Struct<{data:Binary, width:Int32, height:Int32, channels:Int32, mode:Utf8}>");
    expect(isImageField(col.field)).toBe(true);
    expect(imageInfo(col.field)).toEqual({ encoded: false });
    const imgs = decodedImages(col);
    expect(imgs.map((i) => (i ? [i.width, i.height, i.channels, i.mode] : null))).toEqual([[2, 3, 3, "RGB"], null, [1, 1, 4, "RGBA"], [4, 2, 1, "L"]]);
    expect([...imgs[0]!.data]).toEqual([...pixels(18)]);
    expect([...imgs[3]!.data]).toEqual([...pixels(8, 3)]);
    // Rows are views into one buffer.
    expect(imgs[2]!.data.buffer).toBe(imgs[0]!.data.buffer);
    expect(imgs[2]!.data.byteOffset).toBe(imgs[0]!.data.byteOffset + 18);
    expect(decodedImageAt(col, 1)).toBeNull();
    const t = imageTensor(imgs[0]!);
    expect(t.shape).toEqual([3, 2, 3]);
    expect(t.data).toBe(imgs[0]!.data);
  });

  it("wraps a [n,h,w,c] tensor zero-copy and views the column back as the same tensor", () => {
    const t = tensor("u8", [3, 4, 5, 3], pixels(180));
    const col = decodedImageColumnFromTensor("img", t, "RGB");
    const row1 = decodedImageAt(col, 1)!;
    expect([row1.width, row1.height, row1.channels, row1.mode]).toEqual([5, 4, 3, "RGB"]);
    expect(row1.data.buffer).toBe(t.data.buffer);
    expect(row1.data.byteOffset).toBe(t.data.byteOffset + 60);
    const back = decodedImagesTensor(col, { requireZeroCopy: true });
    expect(back.shape).toEqual([3, 4, 5, 3]);
    expect(back.mode).toBe("RGB");
    expect(back.data.buffer).toBe(t.data.buffer);
    expect(back.data.byteOffset).toBe(t.data.byteOffset);
    expect(back.data.length).toBe(180);
  });

  it("copies a multi-chunk column into one batch tensor, and refuses mixed sizes and nulls", () => {
    const a = decodedImageColumnFromTensor("img", tensor("u8", [1, 2, 2, 1], [1, 2, 3, 4]), "L");
    const b = decodedImageColumnFromTensor("img", tensor("u8", [1, 2, 2, 1], [5, 6, 7, 8]), "L");
    const col = columnOf(tableFromColumns([a]).concat(tableFromColumns([b])), "img");
    expect([...decodedImagesTensor(col).data]).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(() => decodedImagesTensor(col, { requireZeroCopy: true })).toThrow(/column 'img': layout for a zero-copy view/);
    const mixed = decodedImageColumn("img", [
      { width: 2, height: 2, mode: "L", data: pixels(4) },
      { width: 3, height: 2, mode: "L", data: pixels(6) },
    ]);
    expect(() => decodedImagesTensor(mixed)).toThrow(/column 'img': image size for a batch tensor: expected 2x2 L \(as row 0\), got 3x2 L at row 1/);
    const withNull = decodedImageColumn("img", [{ width: 1, height: 1, mode: "L", data: pixels(1) }, null]);
    expect(() => decodedImagesTensor(withNull)).toThrow(/column 'img': rows for a batch tensor: expected no null rows, got row 1 is null/);
  });

  it("rejects pixel buffers, channels and modes that do not agree", () => {
    expect(() => decodedImageColumn("img", [{ width: 2, height: 2, mode: "RGB", data: pixels(11) }])).toThrow(
      /column 'img': row 0 data length: expected 12 \(2x2x3\), got 11/,
    );
    expect(() => decodedImageColumn("img", [{ width: 1, height: 1, mode: "RGB", channels: 4, data: pixels(4) }])).toThrow(
      /column 'img': row 0 channels for mode RGB: expected 3, got 4/,
    );
    expect(() => decodedImageColumn("img", [{ width: 1, height: 1, mode: "CMYK" as never, data: pixels(4) }])).toThrow(
      /column 'img': row 0 mode: expected one of L, LA, RGB, RGBA, BGR, BGRA, got "CMYK"/,
    );
    expect(() => decodedImageColumn("img", [{ width: -1, height: 1, mode: "L", data: pixels(0) }])).toThrow(/row 0 width: expected a non-negative int32, got -1/);
    expect(() => decodedImageColumnFromTensor("img", tensor("u8", [2, 2, 2, 3]), "RGBA")).toThrow(/column 'img': tensor channels for mode RGBA: expected 4, got 3/);
  });

  it("rejects the wrong storage for the metadata", () => {
    expect(() => imageInfo(fieldWith('{"encoded":false}', new Binary()))).toThrow(
      /column 'img': storage type for a decoded image: expected Struct<data: Binary, width: Int32, height: Int32, channels: Int32, mode: Utf8>, got Binary/,
    );
    const renamed = new Struct([
      new Field("bytes", new Binary()),
      new Field("width", new Int32()),
      new Field("height", new Int32()),
      new Field("channels", new Int32()),
      new Field("mode", new Utf8()),
    ]);
    expect(() => imageInfo(fieldWith('{"encoded":false}', renamed))).toThrow(/decoded image child names: expected \[data, width, height, channels, mode\], got \[bytes, width/);
  });
});

describe("sluice.image, encoded", () => {
  it("stores file bytes with the declared format and returns row views", () => {
    const col = encodedImageColumn("img", [png, null, png], { format: "png" });
    expect(col.field.metadata.get(EXTENSION_METADATA_KEY)).toBe('{"encoded":true,"format":"png"}');
    expect(String(col.field.type)).toBe("Binary");
    expect(imageInfo(col.field)).toEqual({ encoded: true, format: "png" });
    const rows = encodedImages(col);
    expect(rows[1]).toBeNull();
    expect(rows[0]!.format).toBe("png");
    expect([...rows[2]!.bytes]).toEqual([...png]);
    expect(rows[2]!.bytes.buffer).toBe(rows[0]!.bytes.buffer);
    expect(rows[2]!.bytes.byteOffset).toBe(rows[0]!.bytes.byteOffset + png.length);
  });

  it("detects per-row formats when the column declares none", async () => {
    const col = encodedImageColumn("img", [jpeg, png]);
    expect(col.field.metadata.get(EXTENSION_METADATA_KEY)).toBe('{"encoded":true}');
    expect(encodedImageAt(col, 0)!.format).toBe("jpeg");
    expect(encodedImageAt(col, 1)!.format).toBe("png");
    // The bytes decode back to the original pixels (PNG is lossless).
    const raw = await sharp(encodedImageAt(col, 1)!.bytes).raw().toBuffer();
    expect([...raw]).toEqual([...pixels(18)]);
  });

  it("knows the common signatures", () => {
    const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));
    expect(detectImageFormat(Uint8Array.from([...ascii("RIFF"), 0, 0, 0, 0, ...ascii("WEBPVP8 ")]))).toBe("webp");
    expect(detectImageFormat(Uint8Array.from(ascii("GIF89a")))).toBe("gif");
    expect(detectImageFormat(Uint8Array.from(ascii("II*\0")))).toBe("tiff");
    expect(detectImageFormat(Uint8Array.from([0, 0, 0, 0x1c, ...ascii("ftypavif")]))).toBe("avif");
    expect(detectImageFormat(Uint8Array.from([1, 2, 3]))).toBeUndefined();
  });

  it("rejects bytes that are not the declared format, unless verification is off", () => {
    expect(() => encodedImageColumn("img", [png, jpeg], { format: "png" })).toThrow(/column 'img': row 1 image format: expected png, got jpeg/);
    expect(() => encodedImageColumn("img", [Uint8Array.of(1, 2)], { format: "png" })).toThrow(/expected png, got unrecognised bytes \(2 bytes\)/);
    expect(encodedImageColumn("img", [Uint8Array.of(1, 2)], { format: "png", verify: false }).vector.length).toBe(1);
  });

  it("rejects bad metadata and the wrong storage", () => {
    expect(() => imageInfo(fieldWith(undefined, new Binary()))).toThrow(/column 'img': sluice.image metadata: expected a JSON object, got no metadata/);
    expect(() => imageInfo(fieldWith('{"format":"png"}', new Binary()))).toThrow(/expected "encoded" as a boolean, got null/);
    expect(() => imageInfo(fieldWith('{"encoded":true,"format":"heic"}', new Binary()))).toThrow(ExtensionMetadataError);
    expect(() => imageInfo(fieldWith('{"encoded":true,"format":"heic"}', new Binary()))).toThrow(/"format" one of jpeg, png, webp, gif, bmp, tiff, avif, got "heic"/);
    expect(() => imageInfo(fieldWith('{"encoded":true}', new Int32()))).toThrow(/column 'img': storage type for an encoded image: expected Binary, got Int32/);
    expect(() => imageField("img", { encoded: true, format: "heic" as never })).toThrow(ExtensionMetadataError);
    const decoded = decodedImageColumn("img", []);
    expect(() => encodedImages(decoded)).toThrow(/column 'img': image storage: expected encoded images, got decoded images/);
  });
});

describe.each(IPC_FORMATS)("sluice.image IPC %s round trip", (format) => {
  it("keeps decoded and encoded image columns, their metadata and child fields", () => {
    const t = tensor("u8", [2, 3, 2, 3], pixels(36));
    const decoded = decodedImageColumnFromTensor("pixels", t, "BGR", { valid: [true, false] });
    const encoded = encodedImageColumn("file", [png, jpeg]);
    const { table, bytes } = ipcRoundTrip(recordBatchFromColumns([decoded, encoded]), format);
    const d = columnOf(table, "pixels");
    expect(d.field.metadata.get(EXTENSION_METADATA_KEY)).toBe('{"encoded":false}');
    expect((d.field.type as Struct).children.map((f) => `${f.name}:${f.type}`)).toEqual([
      "data:Binary",
      "width:Int32",
      "height:Int32",
      "channels:Int32",
      "mode:Utf8",
    ]);
    const row0 = decodedImageAt(d, 0)!;
    expect([row0.width, row0.height, row0.mode]).toEqual([2, 3, "BGR"]);
    expect([...row0.data]).toEqual([...t.data.subarray(0, 18)]);
    expect(row0.data.buffer).toBe(bytes.buffer);
    expect(decodedImageAt(d, 1)).toBeNull();
    const e = columnOf(table, "file");
    expect(imageInfo(e.field)).toEqual({ encoded: true });
    expect(encodedImages(e).map((r) => r?.format)).toEqual(["png", "jpeg"]);
    expect([...encodedImageAt(e, 1)!.bytes]).toEqual([...jpeg]);
  });
});
