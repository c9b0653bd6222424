import { describe, expect, it } from "vitest";
import { ModelFeedError, ModelLoadError, ModelStateError } from "../../../scheduler/models/model-errors.js";
import type { ModelState } from "../../../scheduler/models/model-runtime.js";
import { SessionModel } from "../../../scheduler/models/session-model.js";
import { loadModel } from "../../../scheduler/models/load-model.js";
import { buildMlp } from "../../../scheduler/models/build-mlp.js";
import { tensor } from "../../../kernels/tensor.js";
import { fakeSession, gate } from "./fake-session.js";

const info = { name: "fake.onnx", backend: "onnxruntime-node", threads: 1 } as const;
const x = (rows: number) => tensor("f32", [rows, 3], Array.from({ length: rows * 3 }, (_, i) => i));
const tick = () => new Promise((r) => setTimeout(r, 5));

function watch(model: SessionModel): ModelState[] {
  const seen: ModelState[] = [];
  model.onStateChange((s) => seen.push(s));
  return seen;
}

describe("model lifecycle", () => {
  it("rejects calls before it is ready, then runs them", async () => {
    const model = new SessionModel(fakeSession(), info);
    expect(model.state).toBe("loading");
    const err = await model.run({ x: x(1) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelStateError);
    expect((err as ModelStateError).state).toBe("loading");
    expect((err as Error).message).toContain("fake.onnx");
    model.markReady();
    const out = await model.run({ x: x(2) });
    expect([...out.y!.data]).toEqual([0, 2, 4, 6, 8, 10]);
  });

  it("warms up every configured batch size, sizing other dynamic dims from the options", async () => {
    const session = fakeSession({
      inputs: [
        { name: "x", type: "float32", shape: ["N", 3] },
        { name: "ids", type: "int64", shape: ["N", "L"] },
        { name: "extra", type: "float32", shape: [null, null] },
      ],
    });
    const model = new SessionModel(session, info);
    const seen = watch(model);
    const runs = await model.warmUp([1, 8, 32], { dims: { L: 5 } });
    expect(session.calls).toEqual([
      { x: [1, 3], ids: [1, 5], extra: [1, 1] },
      { x: [8, 3], ids: [8, 5], extra: [8, 1] },
      { x: [32, 3], ids: [32, 5], extra: [32, 1] },
    ]);
    expect(runs.map((r) => r.batchSize)).toEqual([1, 8, 32]);
    expect(runs[1]!.shapes.ids).toEqual([8, 5]);
    expect(seen).toEqual(["warming", "ready"]);
    expect(model.state).toBe("ready");
  });

  it("keeps a fixed batch dim at its size during warm-up", async () => {
    const session = fakeSession({ inputs: [{ name: "x", type: "float32", shape: [1, 3] }] });
    const model = new SessionModel(session, info);
    await model.warmUp([1, 8]);
    expect(session.calls).toEqual([{ x: [1, 3] }, { x: [1, 3] }]);
  });

  it("rejects calls while warming and takes them once ready", async () => {
    const session = fakeSession();
    const model = new SessionModel(session, info);
    session.gate = gate();
    const warming = model.warmUp([4]);
    expect(model.state).toBe("warming");
    await expect(model.run({ x: x(1) })).rejects.toMatchObject({ state: "warming" });
    session.gate.open();
    await warming;
    expect(model.state).toBe("ready");
    await expect(model.run({ x: x(1) })).resolves.toHaveProperty("y");
  });

  it("drain waits for the in-flight call and rejects new ones meanwhile", async () => {
    const session = fakeSession();
    const model = new SessionModel(session, info);
    model.markReady();
    session.gate = gate();
    const inflight = model.run({ x: x(1) });
    expect(model.inFlight).toBe(1);
    let drained = false;
    const draining = model.drain().then(() => (drained = true));
    expect(model.state).toBe("draining");
    const refused = await model.run({ x: x(1) }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ModelStateError);
    expect((refused as Error).message).toMatch(/draining/);
    await tick();
    expect(drained).toBe(false);
    session.gate.open();
    expect([...(await inflight).y!.data]).toEqual([0, 2, 4]);
    await draining;
    expect(drained).toBe(true);
    expect(model.inFlight).toBe(0);
    expect(session.calls).toHaveLength(1);
  });

  it("close drains, releases the session once, and a closed model refuses everything", async () => {
    const session = fakeSession();
    const model = new SessionModel(session, info);
    const seen = watch(model);
    model.markReady();
    session.gate = gate();
    const inflight = model.run({ x: x(1) });
    const closing = model.close();
    await tick();
    expect(session.released).toBe(false);
    session.gate.open();
    await inflight;
    await closing;
    expect(session.released).toBe(true);
    expect(model.state).toBe("closed");
    expect(seen).toEqual(["ready", "draining", "closed"]);
    await expect(model.run({ x: x(1) })).rejects.toMatchObject({ state: "closed" });
    await expect(model.warmUp([1])).rejects.toBeInstanceOf(ModelStateError);
    await expect(model.close()).resolves.toBeUndefined();
    await expect(model.drain()).resolves.toBeUndefined();
  });

  it("a drain during warm-up stops it and leaves the model draining", async () => {
    const session = fakeSession();
    const model = new SessionModel(session, info);
    session.gate = gate();
    const warming = model.warmUp([1, 2, 4]);
    const draining = model.drain();
    session.gate.open();
    await expect(warming).rejects.toBeInstanceOf(ModelStateError);
    await draining;
    expect(model.state).toBe("draining");
    expect(session.calls).toHaveLength(1);
  });

  it("a failed warm-up of a ready model leaves it ready", async () => {
    const session = fakeSession();
    const model = new SessionModel(session, info);
    model.markReady();
    session.run = () => Promise.reject(new Error("boom"));
    await expect(model.warmUp([2])).rejects.toThrow(/boom/);
    expect(model.state).toBe("ready");
  });

  it("names the input in feed errors", async () => {
    const model = new SessionModel(fakeSession(), info);
    model.markReady();
    await expect(model.run({})).rejects.toThrow(/missing input 'x'/);
    await expect(model.run({ x: x(1), z: x(1) })).rejects.toThrow(/unknown input 'z'.*'x'/);
    await expect(model.run({ x: tensor("i32", [1, 3]) })).rejects.toThrow(/input 'x': expected dtype f32 \(model type float32\), got i32/);
    await expect(model.run({ x: tensor("f32", [1, 4]) })).rejects.toThrow(/input 'x': expected shape \[N,3\], got \[1,4\]/);
    await expect(model.run({ x: tensor("f32", [3]) })).rejects.toBeInstanceOf(ModelFeedError);
  });

  it("refuses at construction a model whose types sluice cannot feed or read", () => {
    expect(() => new SessionModel(fakeSession({ inputs: [{ name: "s", type: "string", shape: [1] }] }), info)).toThrow(ModelLoadError);
    expect(() => new SessionModel(fakeSession({ outputs: [{ name: "s", type: "string", shape: [1] }] }), info)).toThrow(/output 's' has element type string/);
  });

  it("reports the lifecycle of a real model from loading to closed", async () => {
    const seen: ModelState[] = [];
    const model = await loadModel(buildMlp(), { runtime: "node", threads: 1, warmUp: [1, 16], onStateChange: (s) => seen.push(s) });
    expect(model.state).toBe("ready");
    await model.close();
    expect(seen).toEqual(["loading", "warming", "ready", "draining", "closed"]);
  });
});
