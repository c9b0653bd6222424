import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildMlp } from "../../../scheduler/models/build-mlp.js";
import { loadModel, type LoadModelOptions } from "../../../scheduler/models/load-model.js";
import { ModelLoadError } from "../../../scheduler/models/model-errors.js";
import { encodeModel } from "../../../scheduler/models/onnx-graph.js";
import { ortWebThreads } from "../../../scheduler/models/ort-web-session.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "sluice-models-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function loadError(source: string | Uint8Array, opts: LoadModelOptions): Promise<ModelLoadError> {
  const err = await loadModel(source, opts).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ModelLoadError);
  return err as ModelLoadError;
}

const fooBar = () =>
  encodeModel({
    name: "custom",
    inputs: [{ name: "x", type: "float32", shape: [4] }],
    outputs: [{ name: "y", type: "float32", shape: [4] }],
    nodes: [{ op: "FooBar", inputs: ["x"], outputs: ["y"] }],
  });

describe.each(["node", "web"] as const)("load errors on onnxruntime-%s", (runtime) => {
  const opts = { runtime } as const;

  it("a missing file names the file", async () => {
    const path = join(dir, "nope.onnx");
    const err = await loadError(path, opts);
    expect(err.model).toBe(path);
    expect(err.reason).toBe("file not found");
    expect(err.message).toBe(`model '${path}': cannot load: file not found`);
    expect(err.retriable).toBe(false);
  });

  it("a file that is not ONNX says so", async () => {
    const path = join(dir, `text-${runtime}.onnx`);
    await writeFile(path, "this is a README, not a model\n");
    const err = await loadError(path, opts);
    expect(err.message).toContain(path);
    expect(err.reason).toBe("not an ONNX model (protobuf parsing failed)");
    expect(err.cause).toBeInstanceOf(Error);
  });

  it("a truncated model fails to load", async () => {
    const bytes = buildMlp();
    const path = join(dir, `truncated-${runtime}.onnx`);
    await writeFile(path, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const err = await loadError(path, opts);
    expect(err.message).toContain(path);
  });

  it("an empty file and a directory are refused", async () => {
    const path = join(dir, `empty-${runtime}.onnx`);
    await writeFile(path, new Uint8Array(0));
    expect((await loadError(path, opts)).reason).toMatch(/empty/);
    expect((await loadError(dir, opts)).reason).toMatch(/directory/);
  });

  it("an operator the runtime lacks is named", async () => {
    const err = await loadError(fooBar(), { ...opts, name: "custom.onnx" });
    expect(err.model).toBe("custom.onnx");
    expect(err.reason).toMatch(/^unsupported operator 'FooBar' \(opset 18\)/);
  });
});

describe("load options", () => {
  it("rejects a bad thread count before opening anything", async () => {
    expect((await loadError(buildMlp(), { runtime: "node", threads: 0 })).reason).toMatch(/threads must be a positive integer/);
  });

  it("sets the node session's threads and picks node on auto", async () => {
    const model = await loadModel(buildMlp(), { threads: 1 });
    expect(model.backend).toBe("onnxruntime-node");
    expect(model.threads).toBe(1);
    await model.close();
  });

  it("refuses a web model asking for another WASM thread count than the process runs", async () => {
    const first = await loadModel(buildMlp(), { runtime: "web" });
    const fixed = ortWebThreads()!;
    expect(first.threads).toBe(fixed);
    expect((await loadError(buildMlp(), { runtime: "web", threads: fixed + 1 })).reason).toMatch(new RegExp(`runs ${fixed} WASM thread`));
    const same = await loadModel(buildMlp(), { runtime: "web", threads: fixed });
    await Promise.all([first.close(), same.close()]);
  });

  it("a failing warm-up is a load error and leaves nothing open", async () => {
    const states: string[] = [];
    // A graph that only runs at batch 2 (Reshape to a fixed [2,4]) fails warming up batch 3.
    const bytes = encodeModel({
      name: "reshape",
      inputs: [{ name: "x", type: "float32", shape: ["N", 4] }],
      outputs: [{ name: "y", type: "float32", shape: [2, 4] }],
      initializers: { shape: { type: "int64", dims: [2], data: BigInt64Array.of(2n, 4n) } },
      nodes: [{ op: "Reshape", inputs: ["x", "shape"], outputs: ["y"] }],
    });
    const err = await loadError(bytes, { runtime: "node", warmUp: [2, 3], name: "reshape.onnx", onStateChange: (s) => states.push(s) });
    expect(err.reason).toMatch(/^warm-up failed: .*reshape\.onnx/);
    expect(states.at(-1)).toBe("closed");
  });
});
