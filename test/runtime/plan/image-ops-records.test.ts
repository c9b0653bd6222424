import { Field, Schema, Utf8, vectorFromArray, type RecordBatch } from "apache-arrow";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { writeDemoImages } from "../../../runtime/cli/demo-data.js";
import { decodeImage } from "../../../runtime/functions/decode-image.js";
import type { ExtensionColumn } from "../../../runtime/types/extension-field.js";
import { fixedShapeTensorView } from "../../../runtime/types/fixed-shape-tensor.js";
import { decodedImageColumn, decodedImages } from "../../../runtime/types/image-decoded.js";
import { encodedImageColumn } from "../../../runtime/types/image-encoded.js";
import { columnOf, recordBatchFromColumns } from "../../../runtime/types/multimodal-batch.js";
import { runOperator } from "../../helpers/plan-step.js";
import { encodePattern, patternPixels } from "../functions/test-images.js";
import { fuseAll, imageBatch, planChain, type ImageRow } from "./image-op-inputs.js";

/** Good images of known sizes and every kind of bad input, interleaved. */
let rows: ImageRow[];
const sizes: Record<string, [number, number]> = { "a.jpg": [90, 120], "b.png": [48, 64], "c.webp": [60, 80], "d.jpg": [480, 640] };
const expectedReasons: Record<string, string | RegExp> = {
  "broken-truncated.jpg": /^decode image: corrupt or truncated jpeg: \S/,
  "broken-empty.png": "decode image: empty input (0 bytes)",
  "broken-not-an-image.jpg": "decode image: not a JPEG, PNG or WebP image (first bytes 74 68 69 73 20 69 73 20)",
  "broken-garbage.webp": /^decode image: not a JPEG, PNG or WebP image/,
  "huge.jpg": "decode image: image is 1200x1000 = 1200000 pixels, over the limit of 1000000",
  "null.jpg": "no image (null)",
};

beforeAll(async () => {
  const demo = await writeDemoImages(mkdtempSync(join(tmpdir(), "sluice-image-ops-")), 1);
  const file = (name: string): Uint8Array => new Uint8Array(readFileSync(join(demo.dir, name)));
  rows = [
    { path: "broken-empty.png", bytes: file("broken-empty.png") },
    { path: "a.jpg", bytes: await encodePattern("jpeg", 120, 90) },
    { path: "broken-truncated.jpg", bytes: file("broken-truncated.jpg") },
    { path: "b.png", bytes: await encodePattern("png", 64, 48, 4) },
    { path: "huge.jpg", bytes: await encodePattern("jpeg", 1200, 1000) },
    { path: "null.jpg", bytes: null },
    { path: "c.webp", bytes: await encodePattern("webp", 80, 60) },
    { path: "broken-not-an-image.jpg", bytes: file("broken-not-an-image.jpg") },
    { path: "broken-garbage.webp", bytes: file("broken-garbage.webp") },
    { path: "d.jpg", bytes: file("img-0000.jpg") },
  ];
});

const strings = (b: RecordBatch, name: string): unknown[] => [...columnOf(b, name).vector].map((v) => v as unknown);

function expectBadRowsLettered(letters: { step: string; key: unknown; reason: string; error: string }[], step: string): void {
  expect(letters.map((l) => l.key).sort()).toEqual(Object.keys(expectedReasons).sort());
  for (const l of letters) {
    expect(l.step).toBe(step);
    expect(l.error).toBe("RecordError");
    const want = expectedReasons[l.key as string]!;
    if (typeof want === "string") expect(l.reason).toBe(want);
    else expect(l.reason).toMatch(want);
  }
}

describe("image ops: bad records are dead-lettered, good rows flow with their columns", () => {
  it("decode: each bad kind with its reason; paths and numbers stay aligned with the pixels", async () => {
    const [decode] = await planChain(imageBatch(rows).schema, [["decode", { maxPixels: 1_000_000 }]]);
    const run = await runOperator(decode!.create(), [imageBatch(rows)]);
    expectBadRowsLettered(run.deadLetters, "decode");
    expect(run.out).toHaveLength(1);
    const out = run.out[0]!;
    expect(strings(out, "path")).toEqual(["a.jpg", "b.png", "c.webp", "d.jpg"]);
    expect(strings(out, "n")).toEqual([1, 3, 6, 9]);
    const images = decodedImages(columnOf(out, "image"));
    for (const [i, img] of images.entries()) {
      const path = strings(out, "path")[i] as string;
      expect([img!.height, img!.width]).toEqual(sizes[path]);
      expect(img!.channels).toBe(3); // the RGBA PNG lost its alpha
      const direct = await decodeImage(rows.find((r) => r.path === path)!.bytes!);
      expect(Buffer.from(img!.data).equals(Buffer.from(direct.data))).toBe(true);
    }
    expect(run.metrics.backend).toBe("sharp");
  });

  it("fused decode → resize → normalize: the same letters, over several batches, columns aligned", async () => {
    const ops: [string, Record<string, unknown>][] = [["decode", { maxPixels: 1_000_000 }], ["resize", { size: [32, 32] }], ["normalize", { output: "pixel_values" }]];
    const batches = [imageBatch(rows.slice(0, 4), 0), imageBatch(rows.slice(4), 4)];
    const fused = fuseAll(await planChain(batches[0]!.schema, ops), ops);
    const run = await runOperator(fused.create(), batches);
    expectBadRowsLettered(run.deadLetters, "decode");
    expect(run.out.map((b) => strings(b, "path"))).toEqual([["a.jpg", "b.png"], ["c.webp", "d.jpg"]]);
    expect(run.out.map((b) => strings(b, "n"))).toEqual([[1, 3], [6, 9]]);
    for (const b of run.out) {
      expect(b.schema.fields.map((f) => f.name)).toEqual(["path", "n", "image", "pixel_values"]);
      expect(fixedShapeTensorView(columnOf(b, "pixel_values")).shape).toEqual([2, 3, 32, 32]);
      expect(fixedShapeTensorView(columnOf(b, "image")).shape).toEqual([2, 32, 32, 3]);
    }
  });

  it("centerCrop dead-letters images smaller than the crop, naming its own step", async () => {
    const ops: [string, Record<string, unknown>][] = [["decode", {}], ["centerCrop", { size: [64, 100] }]];
    const good = rows.filter((r) => r.path in sizes);
    const [decode, crop] = await planChain(imageBatch(good).schema, ops);
    const decoded = (await runOperator(decode!.create(), [imageBatch(good)])).out;
    const run = await runOperator(crop!.create(), decoded);
    expect(run.deadLetters.map((l) => [l.step, l.key])).toEqual([["centerCrop", "b.png"], ["centerCrop", "c.webp"]]);
    expect(run.deadLetters[0]!.reason).toContain("crop size");
    expect(strings(run.out[0]!, "path")).toEqual(["a.jpg", "d.jpg"]);
    expect(strings(run.out[0]!, "n")).toEqual([0, 3]);
    // Fused, the failing step is still the one named.
    const fused = await runOperator(fuseAll([decode!, crop!], ops).create(), [imageBatch(good)]);
    expect(fused.deadLetters.map((l) => [l.step, l.key, l.reason])).toEqual(run.deadLetters.map((l) => [l.step, l.key, l.reason]));
  });

  it("a decoded row whose channel count differs from the planned one is dead-lettered", async () => {
    const rgb = { width: 4, height: 4, mode: "RGB" as const, data: patternPixels(4, 4) };
    const rgba = { width: 4, height: 4, mode: "RGBA" as const, data: patternPixels(4, 4, 4) };
    const column = decodedImageColumn("image", [rgb, rgba, null]);
    const batch = recordBatchFromColumns([column]);
    const [resize] = await planChain(batch.schema, [["resize", { size: [2, 2] }]]);
    const run = await runOperator(resize!.create(), [batch]);
    expect(run.deadLetters.map((l) => [l.key, l.step])).toEqual([[1, "resize"], [2, "resize"]]);
    expect(run.deadLetters[0]!.reason).toBe("column 'image': image came out u8 [2,2,4], the plan expects u8 [2,2,3] (an image with another channel count?)");
    expect(run.deadLetters[1]!.reason).toBe("no image (null)");
    expect(fixedShapeTensorView(columnOf(run.out[0]!, "image")).shape).toEqual([1, 2, 2, 3]);
  });

  it("keys: row positions across batches without a path column, or the `key` column", async () => {
    const only = (bytes: (Uint8Array | null)[]): RecordBatch => recordBatchFromColumns([encodedImageColumn("image", bytes)]);
    const ok = await encodePattern("png", 8, 8);
    const [decode] = await planChain(only([]).schema, [["decode", {}]]);
    const run = await runOperator(decode!.create(), [only([ok, null]), only([null, ok, new Uint8Array(0)])]);
    expect(run.deadLetters.map((l) => l.key)).toEqual([1, 2, 4]);
    expect(run.out.map((b) => b.numRows)).toEqual([1, 1]);

    const id: ExtensionColumn = { field: new Field("id", new Utf8(), false), vector: vectorFromArray(["x", "y"], new Utf8()) };
    const keyed = recordBatchFromColumns([id, encodedImageColumn("image", [null, ok])]);
    const [byId] = await planChain(new Schema(keyed.schema.fields), [["decode", { key: "id" }]]);
    const lettered = await runOperator(byId!.create(), [keyed]);
    expect(lettered.deadLetters.map((l) => l.key)).toEqual(["x"]);
    expect(strings(lettered.out[0]!, "id")).toEqual(["y"]);
  });

  it("a batch with no good row emits nothing", async () => {
    const batch = imageBatch([{ path: "e", bytes: new Uint8Array(0) }]);
    const [decode] = await planChain(batch.schema, [["decode", {}]]);
    const run = await runOperator(decode!.create(), [batch]);
    expect(run.out).toHaveLength(0);
    expect(run.deadLetters).toHaveLength(1);
  });
});
