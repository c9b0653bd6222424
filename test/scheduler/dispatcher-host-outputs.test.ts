import { describe, expect, it } from "vitest";
import { WasmTensor } from "../../kernels/wasm/wasm-tensor.js";
import { KernelDispatcher } from "../../scheduler/kernel-dispatcher.js";

describe("KernelDispatcher outputs", () => {
  it("are JS-owned copies that survive wasm memory growth and the freeing of wasm tensors", async () => {
    const d = await KernelDispatcher.create({ webgpu: false, warn: () => {} });
    const x = { dtype: "f32" as const, shape: [3, 4], data: Float32Array.from([0, 9, 1, 2, 5, 1, 0, 0, 1, 1, 8, 1]) };
    const { outputs, backend } = await d.run("argmax", [x], { axis: -1, keepdims: false, selectLastIndex: false }, "wasm");
    expect(backend).toBe("wasm");
    const out = outputs[0]!;
    expect(out).not.toBeInstanceOf(WasmTensor);
    // Grow wasm memory well past its current size: earlier views of it are detached.
    const big = WasmTensor.zeros("f32", [64 * 1024 * 1024]);
    big.dispose();
    const again = await d.run("argmax", [x], { axis: -1, keepdims: false, selectLastIndex: false }, "wasm");
    expect([...out.data]).toEqual([1, 0, 2]);
    expect([...again.outputs[0]!.data]).toEqual([1, 0, 2]);
    d.destroy();
  });
});
