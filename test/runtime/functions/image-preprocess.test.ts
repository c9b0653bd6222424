import { beforeAll, describe, expect, it } from "vitest";
import { registerAllKernels } from "../../../kernels/register-all-kernels.js";
import { runCpu } from "../../../kernels/registry.js";
import { tensor, type Tensor } from "../../../kernels/tensor.js";
import { RecordError } from "../../../runtime/api/runtime-errors.js";
import {
  IMAGENET_MEAN,
  IMAGENET_STD,
  centerCropImage,
  normalizeImage,
  pixelsOf,
  preprocessImage,
  preprocessImages,
  resizeImage,
  stackImages,
  toTensor,
} from "../../../runtime/functions/image-preprocess.js";
import type { DecodedImage } from "../../../runtime/types/image-decoded.js";
import { expectTensorClose } from "../../helpers/assert-close.js";
import { patternPixels } from "./test-images.js";

const image = (width: number, height: number, seed = 0): DecodedImage => {
  const data = patternPixels(width, height);
  for (let i = 0; i < data.length; i++) data[i] = (data[i]! + seed * 37) & 255;
  return { width, height, channels: 3, mode: "RGB", data };
};

/** The js reference chain, one op at a time, for comparison. */
function reference(img: DecodedImage, size: [number, number], crop: [number, number]): Tensor {
  const x = pixelsOf(img);
  const r = runCpu("resize", "js", [x], { size, antialias: true })[0]!;
  const c = runCpu("centerCrop", "js", [r], { size: crop })[0]!;
  return runCpu("normalize", "js", [c], { mean: IMAGENET_MEAN, std: IMAGENET_STD })[0]!;
}

beforeAll(() => registerAllKernels());

describe("image preprocessing", () => {
  it("pixelsOf views the decoded buffer without copying", () => {
    const img = image(4, 2);
    const t = pixelsOf(img);
    expect(t.shape).toEqual([2, 4, 3]);
    expect(t.data).toBe(img.data);
  });

  it("resize → center-crop → normalize of one image matches the kernel reference", async () => {
    const img = image(40, 30);
    const out = await preprocessImage(img, { resize: [24, 32], centerCrop: [16, 16], normalize: { mean: IMAGENET_MEAN, std: IMAGENET_STD } });
    expect(out.shape).toEqual([3, 16, 16]);
    expectTensorClose(out, reference(img, [24, 32], [16, 16]), { atol: 1e-5 });
  });

  it("resizes by shorter side keeping the aspect ratio", async () => {
    const r = await resizeImage(pixelsOf(image(40, 30)), { shorterSide: 15 });
    expect(r.shape).toEqual([15, 20, 3]);
    const tall = await resizeImage(pixelsOf(image(30, 41)), { shorterSide: 10 });
    expect(tall.shape).toEqual([13, 10, 3]); // floor(10 · 41 / 30)
  });

  it("to-tensor scales u8 HWC to f32 CHW on 0..1", async () => {
    const t = await toTensor(tensor("u8", [1, 2, 3], [0, 51, 255, 102, 204, 0]));
    expect(t.shape).toEqual([3, 1, 2]);
    expect([...t.data].map((v) => Math.round(v * 1000) / 1000)).toEqual([0, 0.4, 0.2, 0.8, 1, 0]);
  });

  it("a batch of same-size images equals the images one by one, stacked", async () => {
    const imgs = [image(20, 10, 0), image(20, 10, 1), image(20, 10, 2)];
    const spec = { resize: [12, 16] as const, centerCrop: [8, 8] as const, normalize: { mean: IMAGENET_MEAN, std: IMAGENET_STD } };
    const batch = await preprocessImages(imgs, spec);
    expect(batch.shape).toEqual([3, 3, 8, 8]);
    for (let i = 0; i < imgs.length; i++) {
      const one = await preprocessImage(imgs[i]!, spec);
      expectTensorClose(tensor("f32", [3, 8, 8], batch.data.subarray(i * 192, (i + 1) * 192)), one, {}, `image ${i}`);
    }
  });

  it("a batch of different-size images is resized per image to one size", async () => {
    const imgs = [image(20, 10), image(33, 17), image(16, 16)];
    const batch = await preprocessImages(imgs, { resize: [8, 8] });
    expect(batch.shape).toEqual([3, 3, 8, 8]);
    const second = await preprocessImage(imgs[1]!, { resize: [8, 8] });
    expectTensorClose(tensor("f32", [3, 8, 8], batch.data.subarray(192, 384)), second);
  });

  it("different sizes that stay different are an error naming them", async () => {
    const err = await preprocessImages([image(20, 10), image(30, 10)], { resize: { shorterSide: 8 } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RecordError);
    expect((err as RecordError).message).toMatch(/stack images: image 1 is \[8,24,3\], image 0 is \[8,16,3\]/);
    expect(() => stackImages([])).toThrow(/no images/);
  });

  it("kernel complaints about a record become RecordErrors tagged with the step", async () => {
    const rgba = tensor("u8", [2, 2, 4], new Uint8Array(16));
    const err = (await normalizeImage(rgba, { mean: IMAGENET_MEAN, std: IMAGENET_STD }).catch((e: unknown) => e)) as RecordError;
    expect(err).toBeInstanceOf(RecordError);
    expect(err.step).toBe("normalize");
    expect(err.message).toMatch(/normalize: attribute mean: expected 4 finite numbers/);
    await expect(centerCropImage(pixelsOf(image(4, 4)), [5, 5])).rejects.toThrow(/centerCrop: crop size: expected at most 4x4/);
  });
});
