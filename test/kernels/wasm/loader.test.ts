import { describe, expect, it } from "vitest";
import { DeviceError } from "../../../kernels/errors.js";
import { wasmFeatures } from "../../../wasm/features.js";
import { defaultWasmUrls, getWasm, isWasmLoaded, loadWasm } from "../../../wasm/loader.js";

// Runs in its own module graph (vitest isolates files), so the module starts unloaded here.
describe("wasm loader", () => {
  it("getWasm throws a DeviceError naming loadWasm before the module is loaded", () => {
    expect(isWasmLoaded()).toBe(false);
    expect(() => getWasm()).toThrow(DeviceError);
    expect(() => getWasm()).toThrow(/loadWasm/);
  });

  it("a failed load rejects with a clear error and can be retried", async () => {
    await expect(loadWasm({ source: "/nonexistent/sluice.wasm" })).rejects.toThrow(/not found|ENOENT/);
    expect(isWasmLoaded()).toBe(false);
  });

  it("loads once: later calls return the same instance", async () => {
    const a = await loadWasm();
    const b = await loadWasm();
    expect(b).toBe(a);
    expect(getWasm()).toBe(a);
    expect(typeof a.exports.add_f32).toBe("function");
    expect(a.memory).toBeInstanceOf(WebAssembly.Memory);
  });

  it("finds the module from the source tree and from dist/", () => {
    const fromSrc = defaultWasmUrls("file:///repo/wasm/loader.ts").map(String);
    const fromDist = defaultWasmUrls("file:///repo/dist/wasm/loader.js").map(String);
    expect(fromSrc[0]).toBe("file:///repo/wasm/build/sluice.wasm");
    expect(fromDist).toContain("file:///repo/wasm/build/sluice.wasm");
  });

  it("detects SIMD and bulk memory (required) and reports threads", () => {
    const f = wasmFeatures();
    expect(f).toMatchObject({ wasm: true, simd: true, bulkMemory: true });
    expect(typeof f.threads).toBe("boolean");
    expect(f.threads).toBe(typeof SharedArrayBuffer !== "undefined");
  });
});
