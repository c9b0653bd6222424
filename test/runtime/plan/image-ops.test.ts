import { Field, Float32, Schema, Utf8, type DataType } from "apache-arrow";
import { describe, expect, it } from "vitest";
import { PlanError } from "../../../runtime/api/runtime-errors.js";
import { decodedImageField } from "../../../runtime/plan/ops/image-column.js";
import { IMAGE_OPS } from "../../../runtime/plan/ops/image-ops.js";
import { fixedShapeTensorField, fixedShapeTensorInfo } from "../../../runtime/types/fixed-shape-tensor.js";
import { imageField, imageInfo } from "../../../runtime/types/image.js";
import { planTransform } from "../../helpers/plan-step.js";
import { imageOp, planChain } from "./image-op-inputs.js";

/** What the images source produces. */
const images = new Schema([new Field("path", new Utf8(), false), new Field("n", new Float32(), false), imageField("image", { encoded: true }, false)]);
const decoded = new Schema([new Field("path", new Utf8(), false), decodedImageField("image", 3)]);
const tensorInput = (dtype: "u8" | "f32", shape: number[], dimNames?: string[]): Schema =>
  new Schema([new Field("path", new Utf8(), false), fixedShapeTensorField("image", dtype, { shape, ...(dimNames ? { dimNames } : {}) })]);

const tensorOf = (f: Field<DataType>) => fixedShapeTensorInfo(f);
const names = (s: Schema) => s.fields.map((f) => f.name);

async function planError(op: string, args: Record<string, unknown>, input: Schema): Promise<PlanError> {
  const err = await planTransform(imageOp(op), args, input).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PlanError);
  return err as PlanError;
}

describe("image ops: catalog", () => {
  it("exports the five image ops, all transforms with documented args", () => {
    expect(IMAGE_OPS.map((d) => d.name)).toEqual(["decode", "resize", "centerCrop", "normalize", "toTensor"]);
    for (const d of IMAGE_OPS) {
      expect(d.kind).toBe("transform");
      expect(d.category).toBe("image");
      for (const spec of Object.values(d.args)) expect(spec.doc.length).toBeGreaterThan(5);
    }
    expect(imageOp("resize").args["size"]!.required).toBe(true);
  });
});

describe("image ops: output schemas", () => {
  it("decode writes a decoded sluice.image in place, other columns unchanged and in order", async () => {
    const p = await planTransform(imageOp("decode"), {}, images);
    expect(names(p.output)).toEqual(["path", "n", "image"]);
    expect(p.output.fields[0]).toBe(images.fields[0]);
    expect(p.output.fields[1]).toBe(images.fields[1]);
    expect(imageInfo(p.output.fields[2]!)).toEqual({ encoded: false });
    expect(p.output.fields[2]!.metadata.get("sluice.image.channels")).toBe("3");
    expect(p.parallel).toBe(true);
    expect(p.backend).toBe("sharp");
    expect(p.detail).toMatch(/^decode \(image, RGB u8, max \d+ px\)$/);
  });

  it("decode to another column keeps the bytes and records 4 channels for RGBA", async () => {
    const p = await planTransform(imageOp("decode"), { output: "pixels", channels: 4 }, images);
    expect(names(p.output)).toEqual(["path", "n", "image", "pixels"]);
    expect(imageInfo(p.output.fields[2]!)).toEqual({ encoded: true });
    expect(p.output.fields[3]!.metadata.get("sluice.image.channels")).toBe("4");
  });

  it("resize fixes the size: decoded images become a u8 [H,W,C] tensor with dim names", async () => {
    const [, r] = await planChain(images, [["decode", { channels: 4 }], ["resize", { size: [224, 160], fit: "cover" }]]);
    expect(tensorOf(r!.output.fields[2]!)).toEqual({ dtype: "u8", shape: [224, 160, 4], dimNames: ["H", "W", "C"] });
    expect(r!.output.fields[2]!.metadata.get("ARROW:extension:metadata")).toBe('{"shape":[224,160,4],"dim_names":["H","W","C"]}');
    expect(r!.backend).toMatch(/^(wasm|js)$/);
    expect(r!.detail).toBe("resize 224×160 cover (image)");
    expect(r!.parallel).toBe(true);
  });

  it("resize of an f32 [H,W,C] tensor keeps f32; centerCrop keeps the dtype too", async () => {
    const r = await planTransform(imageOp("resize"), { size: [16, 20], output: "small" }, tensorInput("f32", [32, 48, 3]));
    expect(names(r.output)).toEqual(["path", "image", "small"]);
    expect(tensorOf(r.output.fields[2]!)).toMatchObject({ dtype: "f32", shape: [16, 20, 3] });
    const c = await planTransform(imageOp("centerCrop"), { size: [10, 10] }, tensorInput("f32", [16, 20, 3]));
    expect(tensorOf(c.output.fields[1]!)).toMatchObject({ dtype: "f32", shape: [10, 10, 3] });
  });

  it("normalize writes f32 [C,H,W]; toTensor writes the dtype and layout asked for", async () => {
    const steps = await planChain(images, [["decode", {}], ["centerCrop", { size: [8, 6] }], ["normalize", { output: "pixel_values" }]]);
    const n = steps[2]!.output;
    expect(names(n)).toEqual(["path", "n", "image", "pixel_values"]);
    expect(tensorOf(n.fields[2]!)).toMatchObject({ dtype: "u8", shape: [8, 6, 3] });
    expect(tensorOf(n.fields[3]!)).toEqual({ dtype: "f32", shape: [3, 8, 6], dimNames: ["C", "H", "W"] });
    const hwc = await planTransform(imageOp("toTensor"), { dtype: "u8", layout: "chw" }, tensorInput("u8", [8, 6, 3]));
    expect(tensorOf(hwc.output.fields[1]!)).toEqual({ dtype: "u8", shape: [3, 8, 6], dimNames: ["C", "H", "W"] });
    const f = await planTransform(imageOp("toTensor"), { layout: "hwc" }, tensorInput("u8", [8, 6, 3]));
    expect(tensorOf(f.output.fields[1]!)).toEqual({ dtype: "f32", shape: [8, 6, 3], dimNames: ["H", "W", "C"] });
  });

  it("refuses a dead-letter key column that is not in the input", async () => {
    const err = await planError("decode", { key: "id" }, images);
    expect(err.message).toContain("key column 'id' is not in the input (columns: path, n, image)");
  });
});

describe("image ops: plan errors name the step and the problem", () => {
  it("an unknown column lists the columns there are", async () => {
    const err = await planError("resize", { column: "img", size: [4, 4] }, decoded);
    expect(err.message).toBe("step 'resize': column 'img' is not in the input (columns: path, image)");
  });

  it("normalize and toTensor need a fixed size: add a resize step", async () => {
    const err = await planError("normalize", {}, decoded);
    expect(err.message).toContain("step 'normalize': normalize needs fixed-size images: add a resize step before it");
    expect((await planError("toTensor", {}, decoded)).message).toContain("toTensor needs fixed-size images: add a resize step before it");
  });

  it("resize on a tensor of the wrong rank or element type", async () => {
    const err = await planError("resize", { size: [4, 4] }, tensorInput("u8", [32, 32]));
    expect(err.message).toContain("column 'image' is a tensor of shape [32,32]; image steps need one image per row, [H,W,C] (rank 3)");
    const i32 = new Schema([fixedShapeTensorField("image", "i32", { shape: [4, 4, 3] })]);
    expect((await planError("resize", { size: [2, 2] }, i32)).message).toContain("is a i32 tensor; image steps take u8 or f32 pixels");
  });

  it("pixel steps on encoded bytes ask for a decode; decode on pixels refuses", async () => {
    expect((await planError("resize", { size: [4, 4] }, images)).message).toContain("holds encoded image bytes; add a decode step before resize");
    expect((await planError("decode", {}, decoded)).message).toContain("holds decoded images already; decode takes encoded image bytes");
    const text = new Schema([new Field("image", new Utf8())]);
    expect((await planError("decode", {}, text)).message).toContain("column 'image' is a Utf8 column, not an image");
  });

  it("channels-first tensors are refused by geometry steps", async () => {
    const chw = tensorInput("f32", [3, 8, 8], ["C", "H", "W"]);
    expect((await planError("resize", { size: [4, 4] }, chw)).message).toContain("is a [C,H,W] tensor (channels first); resize takes [H,W,C] images");
  });

  it("bad sizes and statistics are caught before data flows", async () => {
    expect((await planError("centerCrop", { size: [40, 8] }, tensorInput("u8", [32, 32, 3]))).message).toContain("crop 40×8 is larger than the 32×32 images of column 'image'");
    expect((await planError("resize", { size: [4.5, 4] }, decoded)).message).toContain("argument 'size' must be whole pixels");
    const gray = tensorInput("u8", [8, 8, 1]);
    expect((await planError("normalize", {}, gray)).message).toContain("argument 'mean' needs 1 values, one per channel (imagenet statistics are for 3-channel RGB)");
    expect((await planError("normalize", { mean: [0.5], std: [0] }, gray)).message).toContain("argument 'std' must not contain 0");
    expect((await planError("normalize", { mean: [0.5, 0.5] }, tensorInput("u8", [8, 8, 3]))).message).toContain("argument 'mean' needs 3 values, one per channel, got 2");
    expect((await planError("toTensor", { dtype: "u8" }, tensorInput("f32", [8, 8, 3]))).message).toContain("dtype u8 needs u8 pixels; column 'image' is f32");
  });
});
