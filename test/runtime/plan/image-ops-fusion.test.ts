import { Field, Schema, Utf8, type RecordBatch } from "apache-arrow";
import { beforeAll, describe, expect, it } from "vitest";
import type { PlannedTransform } from "../../../runtime/plan/op-definition.js";
import { MapOperator } from "../../../runtime/executor/operator.js";
import { decodedImageField } from "../../../runtime/plan/ops/image-column.js";
import { fixedShapeTensorField, fixedShapeTensorView } from "../../../runtime/types/fixed-shape-tensor.js";
import { decodedImages } from "../../../runtime/types/image-decoded.js";
import { columnOf } from "../../../runtime/types/multimodal-batch.js";
import { runOperator, testStep } from "../../helpers/plan-step.js";
import { diffStats, encodePattern } from "../functions/test-images.js";
import { fuseAll, imageBatch, planChain } from "./image-op-inputs.js";

type Ops = [string, Record<string, unknown>][];

let batch: RecordBatch;

beforeAll(async () => {
  batch = imageBatch([
    { path: "big.jpg", bytes: await encodePattern("jpeg", 1600, 1200) },
    { path: "wide.png", bytes: await encodePattern("png", 300, 120) },
    { path: "bad", bytes: new Uint8Array([1, 2, 3]) },
    { path: "small.webp", bytes: await encodePattern("webp", 90, 140) },
    { path: "mid.jpg", bytes: await encodePattern("jpeg", 640, 480) },
  ]);
});

/** Runs the steps unfused, each over the previous one's output. */
async function runUnfused(steps: readonly PlannedTransform[]) {
  let batches = [batch];
  const letters = [];
  for (const s of steps) {
    const r = await runOperator(s.create(), batches);
    letters.push(...r.deadLetters);
    batches = r.out;
  }
  return { out: batches, deadLetters: letters };
}

/** Every column's raw values, for exact comparison. */
function columnBytes(b: RecordBatch): Record<string, Uint8Array> {
  const out: Record<string, Uint8Array> = {};
  for (const f of b.schema.fields) {
    const col = columnOf(b, f.name);
    if (f.metadata.get("ARROW:extension:name") === "arrow.fixed_shape_tensor") {
      const t = fixedShapeTensorView(col);
      out[f.name] = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    } else if (f.metadata.get("ARROW:extension:name") === "sluice.image") {
      out[f.name] = Buffer.concat(decodedImages(col).map((i) => i!.data));
    } else out[f.name] = Buffer.from(JSON.stringify([...col.vector]));
  }
  return out;
}

async function expectFusedEqualsUnfused(ops: Ops, expectedDetail: string) {
  const steps = await planChain(batch.schema, ops);
  const fused = fuseAll(steps, ops);
  expect(fused.detail).toBe(expectedDetail);
  expect(fused.output).toBe(steps[steps.length - 1]!.output);
  const f = await runOperator(fused.create(), [batch]);
  const u = await runUnfused(steps);
  expect(f.deadLetters.map((l) => [l.step, l.key, l.reason])).toEqual(u.deadLetters.map((l) => [l.step, l.key, l.reason]));
  expect(f.out).toHaveLength(1);
  expect(f.out[0]!.schema.fields.map((x) => x.name)).toEqual(u.out[0]!.schema.fields.map((x) => x.name));
  const [fb, ub] = [columnBytes(f.out[0]!), columnBytes(u.out[0]!)];
  // Buffer.equals, not toEqual: the decoded column is megabytes, too slow to diff element-wise.
  for (const name of Object.keys(ub)) expect(Buffer.from(fb[name]!).equals(Buffer.from(ub[name]!)), name).toBe(true);
  return { fused: f.out[0]!, unfused: u.out[0]! };
}

describe("image ops: decode fuses the image steps after it into one pass", () => {
  it("describes the fused pass and keeps the last step's schema", async () => {
    const ops: Ops = [["decode", {}], ["resize", { size: [224, 224] }], ["normalize", {}]];
    const steps = await planChain(batch.schema, ops);
    const fused = fuseAll(steps, ops);
    expect(fused.detail).toBe("decode → resize 224×224 → normalize (shrink-on-load)");
    expect(fused.backend).toMatch(/^sharp \+ (wasm|js)$/);
    expect(fused.parallel).toBe(true);
    expect(fused.output.fields.map((f) => f.name)).toEqual(["path", "n", "image"]);
    expect(fused.output.fields[2]!.metadata.get("ARROW:extension:metadata")).toBe('{"shape":[3,224,224],"dim_names":["C","H","W"]}');
  });

  it("without shrink-on-load, fused equals unfused bit for bit (cover, crop, normalize, toTensor)", async () => {
    await expectFusedEqualsUnfused(
      [["decode", { shrinkOnLoad: false }], ["resize", { size: [40, 56], fit: "cover" }], ["centerCrop", { size: [32, 32] }], ["normalize", { output: "pixel_values" }], ["toTensor", { output: "raw", dtype: "u8", layout: "chw" }]],
      "decode → resize 40×56 cover → centerCrop 32×32 → normalize → toTensor u8 chw",
    );
    await expectFusedEqualsUnfused([["decode", { shrinkOnLoad: false }], ["resize", { size: [30, 30], fit: "contain", mode: "nearest" }], ["toTensor", {}]], "decode → resize 30×30 contain nearest → toTensor f32 chw");
  });

  it("a resize that keeps the decoded column fuses without shrink-on-load, so both columns match unfused", async () => {
    const { fused } = await expectFusedEqualsUnfused([["decode", {}], ["resize", { size: [64, 64], output: "small" }]], "decode → resize 64×64");
    expect(fused.schema.fields.map((f) => f.name)).toEqual(["path", "n", "image", "small"]);
    expect(decodedImages(columnOf(fused, "image")).map((i) => i!.width)).toEqual([1600, 300, 90, 640]);
  });

  it("with shrink-on-load, large JPEGs decode small and land within a few levels of the unfused result", async () => {
    const ops: Ops = [["decode", {}], ["resize", { size: [112, 112], fit: "cover" }], ["toTensor", { dtype: "u8", layout: "hwc", output: "pixels" }]];
    const steps = await planChain(batch.schema, ops);
    const fused = fuseAll(steps, ops);
    expect(fused.detail).toBe("decode → resize 112×112 cover → toTensor u8 hwc (shrink-on-load)");
    const f = (await runOperator(fused.create(), [batch])).out[0]!;
    const u = (await runUnfused(steps)).out[0]!;
    const frame = 112 * 112 * 3;
    const fp = fixedShapeTensorView(columnOf(f, "pixels")).data as Uint8Array;
    const up = fixedShapeTensorView(columnOf(u, "pixels")).data as Uint8Array;
    const rowsOf = (d: Uint8Array) => [0, 1, 2, 3].map((i) => d.subarray(i * frame, (i + 1) * frame));
    const [fBig, fWide, fSmall, fMid] = rowsOf(fp);
    const [uBig, uWide, uSmall, uMid] = rowsOf(up);
    // big.jpg and mid.jpg are ≥ 2× the target: shrunk on load, so not identical but close.
    for (const [a, b] of [[fBig!, uBig!], [fMid!, uMid!]] as const) {
      const d = diffStats(a, b);
      expect(d.max).toBeGreaterThan(0);
      expect(d.mean).toBeLessThan(1.5);
      expect(d.max).toBeLessThanOrEqual(8);
    }
    // PNG, WebP and small images decode at full size: identical.
    expect(Buffer.from(fWide!).equals(Buffer.from(uWide!))).toBe(true);
    expect(Buffer.from(fSmall!).equals(Buffer.from(uSmall!))).toBe(true);
  });

  it("no shrink-on-load for nearest, non-antialiased or contain resizes", async () => {
    for (const resize of [{ size: [50, 50], mode: "nearest" }, { size: [50, 50], antialias: false }, { size: [50, 50], fit: "contain" }, { size: [50, 60], fit: "cover" }]) {
      const ops: Ops = [["decode", {}], ["resize", resize]];
      expect(fuseAll(await planChain(batch.schema, ops), ops).detail).not.toContain("shrink-on-load");
    }
  });

  it("refuses steps that do not read the chain's pixels, other ops, and steps placed on another backend", async () => {
    const input = new Schema([...batch.schema.fields, decodedImageField("thumb", 3)]);
    const [decode] = await planChain(input, [["decode", { output: "pixels" }]]);
    const [other] = await planChain(decode!.output, [["resize", { column: "thumb", size: [8, 8] }]]);
    expect(decode!.fuse!(other!, testStep("resize", { column: "thumb", size: [8, 8] }))).toBeUndefined();
    const [own] = await planChain(decode!.output, [["resize", { column: "pixels", size: [8, 8] }]]);
    expect(decode!.fuse!(own!, testStep("resize", {}, { backend: "webgpu" }))).toBeUndefined();
    expect(decode!.fuse!(own!, testStep("resize", {}))).toBeDefined();
    const notImage: PlannedTransform = { kind: "transform", output: decode!.output, backend: "js", detail: "map", create: () => new MapOperator("map", (b) => b) };
    expect(decode!.fuse!(notImage, testStep("map", {}))).toBeUndefined();
  });

  it("image steps after a fixed-size tensor fuse among themselves too", async () => {
    const input = new Schema([new Field("path", new Utf8()), fixedShapeTensorField("image", "u8", { shape: [20, 24, 3], dimNames: ["H", "W", "C"] })]);
    const ops: Ops = [["resize", { size: [10, 12] }], ["normalize", { mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] }]];
    const steps = await planChain(input, ops);
    const fused = fuseAll(steps, ops);
    expect(fused.detail).toBe("resize 10×12 → normalize");
    expect(fused.backend).toMatch(/^(wasm|js)$/);
  });
});
