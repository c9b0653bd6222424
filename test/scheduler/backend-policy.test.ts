import { describe, expect, it } from "vitest";
import { chooseBackend, policyFromEnv, type BackendAvailability } from "../../scheduler/backend-policy.js";

const all = () => true;
const hw: BackendAvailability = { webgpu: true, webgpuIsSoftware: false, wasm: true };
const sw: BackendAvailability = { webgpu: true, webgpuIsSoftware: true, wasm: true };

describe("backend policy", () => {
  it("prefers webgpu for large inputs on a hardware adapter, wasm for small ones", () => {
    expect(chooseBackend("add", 1 << 20, hw, all)).toBe("webgpu");
    expect(chooseBackend("add", 100, hw, all)).toBe("wasm");
    expect(chooseBackend("add", 1 << 20, hw, all, { minGpuElements: 1 << 22 })).toBe("wasm");
  });

  it("does not pick a software adapter unless asked", () => {
    expect(chooseBackend("resize", 1 << 22, sw, all)).toBe("wasm");
    expect(chooseBackend("resize", 1 << 22, sw, all, { preferSoftwareGpu: true })).toBe("webgpu");
  });

  it("falls back past backends without the op or without the device", () => {
    expect(chooseBackend("topk", 1 << 22, hw, (b) => b !== "webgpu")).toBe("wasm");
    expect(chooseBackend("topk", 1 << 22, { webgpu: false, webgpuIsSoftware: false, wasm: false }, all)).toBe("js");
  });

  it("honours forced and per-op backends, and refuses impossible ones", () => {
    expect(chooseBackend("add", 10, hw, all, { force: "js" })).toBe("js");
    expect(chooseBackend("add", 10, hw, all, { force: "js", ops: { add: "webgpu" } })).toBe("webgpu");
    expect(() => chooseBackend("add", 10, { ...hw, webgpu: false }, all, { force: "webgpu" })).toThrow(/backend 'webgpu' was requested for 'add' but is not available/);
    expect(() => chooseBackend("add", 10, hw, (b) => b === "js", { force: "wasm" })).toThrow(/has no kernel for 'add'/);
  });

  it("reads SLUICE_BACKEND and rejects nonsense", () => {
    expect(policyFromEnv({ SLUICE_BACKEND: "wasm" })).toEqual({ force: "wasm" });
    expect(policyFromEnv({})).toEqual({});
    expect(() => policyFromEnv({ SLUICE_BACKEND: "cuda" })).toThrow(/SLUICE_BACKEND must be js, wasm or webgpu, got 'cuda'/);
  });
});
