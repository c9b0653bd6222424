/** What the JS engine offers for WebAssembly: reported by `sluice devices`, checked at load. */

export interface WasmFeatures {
  /** WebAssembly itself. */
  wasm: boolean;
  /** Fixed-width SIMD (v128); sluice.wasm requires it. */
  simd: boolean;
  /** Threads: SharedArrayBuffer, Atomics and shared wasm memory (cross-origin isolated pages). */
  threads: boolean;
  /** Bulk memory (memory.copy / memory.fill); sluice.wasm uses it. */
  bulkMemory: boolean;
}

// Smallest modules using one feature each (the wasm-feature-detect probes).
// (func (result v128) i32.const 0 i8x16.splat i8x16.popcnt)
const SIMD_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11]);
// (memory 1) (func i32.const 0 i32.const 0 i32.const 0 memory.copy)
const BULK_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 5, 3, 1, 0, 1, 10, 14, 1, 12, 0, 65, 0, 65, 0, 65, 0, 252, 10, 0, 0, 11]);

function validates(bytes: Uint8Array<ArrayBuffer>): boolean {
  try {
    return WebAssembly.validate(bytes);
  } catch {
    return false;
  }
}

function sharedMemory(): boolean {
  if (typeof SharedArrayBuffer === "undefined" || typeof Atomics === "undefined") return false;
  // Browsers hand out SharedArrayBuffer only to cross-origin isolated pages.
  const g = globalThis as { crossOriginIsolated?: boolean };
  if (g.crossOriginIsolated === false) return false;
  try {
    const m = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    return m.buffer instanceof SharedArrayBuffer;
  } catch {
    return false;
  }
}

let cached: WasmFeatures | undefined;

/** Detects the engine's WebAssembly features (once; the answer cannot change in a process). */
export function wasmFeatures(): WasmFeatures {
  if (cached) return cached;
  const wasm = typeof WebAssembly === "object" && typeof WebAssembly.validate === "function";
  cached = {
    wasm,
    simd: wasm && validates(SIMD_PROBE),
    threads: wasm && sharedMemory(),
    bulkMemory: wasm && validates(BULK_PROBE),
  };
  return cached;
}
