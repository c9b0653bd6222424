import type { RecordBatch } from "apache-arrow";
import { describe, expect, it } from "vitest";
import { tensor, type Tensor } from "../../../kernels/tensor.js";
import { resizeImage } from "../../../runtime/functions/image-preprocess.js";
import { fixedShapeTensorColumn, fixedShapeTensorView } from "../../../runtime/types/fixed-shape-tensor.js";
import { decodedImageColumn } from "../../../runtime/types/image-decoded.js";
import { columnOf, recordBatchFromColumns } from "../../../runtime/types/multimodal-batch.js";
import { expectTensorClose } from "../../helpers/assert-close.js";
import { runOperator } from "../../helpers/plan-step.js";
import { patternPixels } from "../functions/test-images.js";
import { planChain } from "./image-op-inputs.js";

/** A u8 [n, h, w, 3] image tensor column named `image`, rows made from the test pattern. */
function tensorBatch(n: number, h: number, w: number, valid?: boolean[]): RecordBatch {
  const data = new Uint8Array(n * h * w * 3);
  for (let i = 0; i < n; i++) data.set(patternPixels(w, h).map((v) => (v + 40 * i) & 255), i * h * w * 3);
  return recordBatchFromColumns([fixedShapeTensorColumn("image", { dtype: "u8", shape: [n, h, w, 3], data }, { dimNames: ["H", "W", "C"], ...(valid ? { valid } : {}) })]);
}

async function runOps(batch: RecordBatch, ops: [string, Record<string, unknown>][]) {
  const steps = await planChain(batch.schema, ops);
  let out = [batch];
  const letters = [];
  for (const s of steps) {
    const r = await runOperator(s.create(), out);
    out = r.out;
    letters.push(...r.deadLetters);
  }
  return { out: out[0]!, letters };
}

const rowOf = (b: RecordBatch, name: string, i: number): Tensor => {
  const t = fixedShapeTensorView(columnOf(b, name));
  const frame = t.shape.slice(1).reduce((a, d) => a * d, 1);
  return tensor(t.dtype as "u8" | "f32", t.shape.slice(1), t.data.subarray(i * frame, (i + 1) * frame) as Uint8Array);
};

describe("image ops: pixels", () => {
  it("resize fill of a tensor column resizes every row as the resize function does", async () => {
    const batch = tensorBatch(2, 30, 40);
    const { out } = await runOps(batch, [["resize", { size: [12, 20] }]]);
    for (const i of [0, 1]) expectTensorClose(rowOf(out, "image", i), await resizeImage(rowOf(batch, "image", i), [12, 20]), {}, `row ${i}`);
  });

  it("cover scales the short side to fit, then crops the centre of the long side", async () => {
    const img = { width: 300, height: 120, mode: "RGB" as const, data: patternPixels(300, 120) };
    const batch = recordBatchFromColumns([decodedImageColumn("image", [img])]);
    const { out } = await runOps(batch, [["resize", { size: [32, 32], fit: "cover" }]]);
    const wide = await resizeImage(tensor("u8", [120, 300, 3], img.data), [32, 80]);
    const got = rowOf(out, "image", 0);
    for (let y = 0; y < 32; y++) {
      const from = (y * 80 + 24) * 3;
      expect([...got.data.subarray(y * 32 * 3, (y + 1) * 32 * 3)]).toEqual([...wide.data.subarray(from, from + 32 * 3)]);
    }
  });

  it("contain fits the whole image and pads the rest with black", async () => {
    const img = { width: 300, height: 120, mode: "RGB" as const, data: patternPixels(300, 120) };
    const batch = recordBatchFromColumns([decodedImageColumn("image", [img])]);
    const { out } = await runOps(batch, [["resize", { size: [32, 32], fit: "contain" }]]);
    const fitted = await resizeImage(tensor("u8", [120, 300, 3], img.data), [13, 32]); // 120 · 32/300 = 12.8
    const got = rowOf(out, "image", 0).data;
    const band = 32 * 3;
    expect(got.subarray(0, 9 * band).every((v) => v === 0)).toBe(true);
    expect([...got.subarray(9 * band, 22 * band)]).toEqual([...fitted.data]);
    expect(got.subarray(22 * band).every((v) => v === 0)).toBe(true);
  });

  it("normalize computes (x/255 − mean)/std per channel into CHW", async () => {
    const batch = tensorBatch(1, 4, 5);
    const mean = [0.1, 0.2, 0.3], std = [0.5, 0.25, 2];
    const { out } = await runOps(batch, [["normalize", { mean, std, output: "x" }]]);
    const src = rowOf(batch, "image", 0).data;
    const got = rowOf(out, "x", 0);
    expect(got.shape).toEqual([3, 4, 5]);
    const expected = new Float32Array(60);
    for (let p = 0; p < 20; p++) for (let c = 0; c < 3; c++) expected[c * 20 + p] = (src[p * 3 + c]! / 255 - mean[c]!) / std[c]!;
    expectTensorClose(got, tensor("f32", [3, 4, 5], expected), { atol: 1e-5 });
  });

  it("toTensor: u8 channels-first is a transpose; f32 channels-last is x/255", async () => {
    const batch = tensorBatch(2, 3, 4);
    const { out } = await runOps(batch, [["toTensor", { dtype: "u8", layout: "chw", output: "chw" }]]);
    const f = (await runOps(batch, [["toTensor", { layout: "hwc", output: "f" }]])).out;
    for (const i of [0, 1]) {
      const src = rowOf(batch, "image", i).data;
      const chw = rowOf(out, "chw", i);
      expect(chw.shape).toEqual([3, 3, 4]);
      for (let p = 0; p < 12; p++) for (let c = 0; c < 3; c++) expect(chw.data[c * 12 + p]).toBe(src[p * 3 + c]);
      expectTensorClose(rowOf(f, "f", i), tensor("f32", [3, 4, 3], Float32Array.from(src, (v) => v / 255)));
    }
  });

  it("a whole tensor batch runs each step once and matches the rows run one by one", async () => {
    const ops: [string, Record<string, unknown>][] = [["resize", { size: [9, 9], fit: "cover" }], ["normalize", { output: "x" }], ["toTensor", { dtype: "u8", layout: "chw" }]];
    const whole = (await runOps(tensorBatch(3, 12, 16), ops)).out;
    // A null row sends the batch down the per-row path; the other rows must come out the same.
    const perRow = await runOps(tensorBatch(3, 12, 16, [true, true, false]), ops);
    expect(perRow.letters.map((l) => l.key)).toEqual([2]);
    for (const i of [0, 1]) {
      for (const name of ["image", "x"]) {
        const a = rowOf(whole, name, i), b = rowOf(perRow.out, name, i);
        expect(a.shape).toEqual(b.shape);
        expect(Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength).equals(Buffer.from(b.data.buffer, b.data.byteOffset, b.data.byteLength)), `${name} row ${i}`).toBe(true);
      }
    }
  });

  it("null rows of a tensor column are dead-lettered, the others processed in order", async () => {
    const batch = tensorBatch(3, 6, 6, [true, false, true]);
    const { out, letters } = await runOps(batch, [["centerCrop", { size: [2, 4] }]]);
    expect(letters.map((l) => [l.key, l.step, l.reason])).toEqual([[1, "centerCrop", "no image (null)"]]);
    expect(out.numRows).toBe(2);
    const third = rowOf(batch, "image", 2).data;
    expect(rowOf(out, "image", 1).data[0]).toBe(third[(2 * 6 + 1) * 3]); // crop origin (2, 1)
  });
});
