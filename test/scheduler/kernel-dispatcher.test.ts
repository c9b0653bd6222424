import { describe, expect, it } from "vitest";
import { runCpu } from "../../kernels/registry.js";
import { tensor } from "../../kernels/tensor.js";
import { KernelDispatcher } from "../../scheduler/kernel-dispatcher.js";
import { expectTensorClose } from "../helpers/assert-close.js";
import { randomTensor, rng } from "../helpers/random-tensors.js";

describe("kernel dispatcher", () => {
  it("runs on wasm by default for small inputs and matches the reference", async () => {
    const d = await KernelDispatcher.create({ webgpu: false, warn: () => {} });
    try {
      const x = randomTensor("f32", [3, 17], rng(1));
      const { outputs, backend } = await d.run("softmax", [x], {});
      expect(backend).toBe("wasm");
      expectTensorClose(outputs[0]!, runCpu("softmax", "js", [x], {})[0]!);
    } finally {
      d.destroy();
    }
  });

  it("honours a forced backend and validates before running", async () => {
    const d = await KernelDispatcher.create({ webgpu: false, policy: { force: "js" }, warn: () => {} });
    try {
      const { backend } = await d.run("relu", [tensor("f32", [2], [-1, 1])], {});
      expect(backend).toBe("js");
      await expect(d.run("add", [tensor("f32", [2]), tensor("f32", [3])], {})).rejects.toThrow(/add: shapes \[2\] and \[3\] do not broadcast/);
    } finally {
      d.destroy();
    }
  });

  it("falls back to wasm with one warning when the GPU device is lost", async () => {
    const warnings: string[] = [];
    const d = await KernelDispatcher.create({ policy: { force: "webgpu" }, warn: (m) => warnings.push(m) });
    try {
      const gpu = d.webgpu;
      if (!gpu) {
        if (process.env.CI) throw new Error("no WebGPU adapter under CI");
        return;
      }
      const x = randomTensor("f32", [1000], rng(2));
      const before = await d.run("exp", [x], {});
      expect(before.backend).toBe("webgpu");
      gpu.device.destroy();
      await new Promise((r) => setTimeout(r, 20));
      const after = await d.run("exp", [x], {});
      const again = await d.run("exp", [x], {});
      expect(after.backend).toBe("wasm");
      expect(again.backend).toBe("wasm");
      expectTensorClose(after.outputs[0]!, before.outputs[0]!, { rtol: 1e-5, atol: 1e-6 });
      expect(warnings.filter((w) => /WebGPU device lost/.test(w))).toHaveLength(1);
    } finally {
      d.destroy();
    }
  });
});
