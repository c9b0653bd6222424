/**
 * The real architectures in ../shared/models (fixed batch 1). Their weights are constants, so the
 * outputs carry no meaning, but the reference output of the ONNX backend test is exact: its input
 * is `arange(n) / n` in float32 (onnx's backend runner, `generate_dummy_data(random=False)`).
 * With constant weights squeezenet's softmax is uniform (0.001) for any input, so the reference
 * checks loading, the graph and the output mapping, not numerics: the builder models do that.
 */

import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import onnxProto from "onnx-proto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tensor, type Tensor } from "../../../kernels/tensor.js";
import { batchDim } from "../../../scheduler/models/batch-dim.js";
import { checkFeeds } from "../../../scheduler/models/check-feeds.js";
import { loadModel } from "../../../scheduler/models/load-model.js";
import type { ModelRuntime } from "../../../scheduler/models/model-runtime.js";
import { runBatched } from "../../../scheduler/models/run-batched.js";

const dir = process.env.SLUICE_MODELS_DIR ?? fileURLToPath(new URL("../../../../shared/models/", import.meta.url));
const squeezenet = `${dir}/light_squeezenet.onnx`;
const present = existsSync(squeezenet);
if (!present) console.warn(`shared model tests skipped: ${squeezenet} not found (set SLUICE_MODELS_DIR to the models folder)`);

function referenceInput(): Tensor {
  const shape = [1, 3, 224, 224];
  const n = 3 * 224 * 224;
  return tensor("f32", shape, Float32Array.from({ length: n }, (_, i) => i / n));
}

function referenceOutput(): Tensor {
  const pb = onnxProto.onnx.TensorProto.decode(readFileSync(`${dir}/light_squeezenet_output_0.pb`));
  const raw = pb.rawData;
  const data = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  return tensor("f32", pb.dims.map(Number), data);
}

describe.skipIf(!present)(`light_squeezenet from ${dir}`, () => {
  let node: ModelRuntime;
  let web: ModelRuntime;
  beforeAll(async () => {
    node = await loadModel(squeezenet, { runtime: "node", warmUp: [1] });
    web = await loadModel(squeezenet, { runtime: "web" });
  });
  afterAll(() => Promise.all([node.close(), web.close()]));

  it("reports its fixed batch of 1 and its input and output names", () => {
    expect(node.inputs).toEqual([{ name: "data_0", dtype: "f32", onnxType: "float32", shape: [1, 3, 224, 224] }]);
    expect(node.outputs.map((o) => [o.name, o.shape])).toEqual([["softmaxout_1", [1, 1000, 1, 1]]]);
    expect(batchDim(node)).toEqual({ kind: "fixed", size: 1 });
    expect(checkFeeds(node, [{ name: "data_0", dtype: "f32", shape: [3, 224, 224] }])).toEqual([]);
  });

  it.each(["node", "web"])("matches the ONNX backend test's reference output on onnxruntime-%s", async (which) => {
    const model = which === "node" ? node : web;
    const out = (await model.run({ data_0: referenceInput() })).softmaxout_1!;
    const ref = referenceOutput();
    expect(out.shape).toEqual(ref.shape);
    let maxDiff = 0;
    for (let i = 0; i < ref.data.length; i++) maxDiff = Math.max(maxDiff, Math.abs(out.data[i]! - ref.data[i]!));
    expect(maxDiff).toBeLessThan(1e-6);
  });

  it("runs records one per call through runBatched, deterministically", async () => {
    const recs = [0.1, 0.5, 0.9].map((v) => ({ data_0: tensor("f32", [1, 3, 224, 224], new Float32Array(3 * 224 * 224).fill(v)) }));
    const calls: number[] = [];
    const counted = Object.create(node) as ModelRuntime;
    counted.run = (f) => (calls.push(f.data_0!.shape[0]!), node.run(f));
    const a = await runBatched(counted, recs);
    const b = await runBatched(node, recs);
    expect(calls).toEqual([1, 1, 1]);
    for (let i = 0; i < 3; i++) {
      expect(a[i]!.softmaxout_1!.shape).toEqual([1, 1000, 1, 1]);
      expect(a[i]!.softmaxout_1!.data.every(Number.isFinite)).toBe(true);
      expect([...a[i]!.softmaxout_1!.data]).toEqual([...b[i]!.softmaxout_1!.data]);
    }
  });
});
