import { describe, expect, it } from "vitest";
import { KernelError } from "../../../kernels/errors.js";
import { runCpu } from "../../../kernels/registry.js";
import { tensor } from "../../../kernels/tensor.js";
import { residentPtr } from "../../../kernels/wasm/wasm-call.js";
import { WasmTensor } from "../../../kernels/wasm/wasm-tensor.js";
import { getWasm } from "../../../wasm/loader.js";
import { BLOCK_ALIGN, sizeClassBytes, sizeClassOf } from "../../../wasm/wasm-heap.js";
import { useWasm } from "./wasm-conformance.js";

useWasm();

describe("WasmHeap", () => {
  it("size classes cover every request with at most 25% (or 64 bytes) waste, monotonically", () => {
    let prev = -1;
    for (let n = 0; n < 5_000_000; n = n < 4096 ? n + 1 : Math.ceil(n * 1.013)) {
      const c = sizeClassOf(n);
      const cap = sizeClassBytes(c);
      expect(cap).toBeGreaterThanOrEqual(n);
      expect(cap).toBeLessThanOrEqual(Math.max(64, n * 1.25 + 64));
      expect(cap % BLOCK_ALIGN).toBe(0);
      expect(c).toBeGreaterThanOrEqual(prev);
      if (c > 0) expect(sizeClassBytes(c - 1)).toBeLessThan(n);
      prev = c;
    }
  });

  it("aligns blocks, reuses freed ones by class, and rejects a double free", () => {
    const { heap } = getWasm();
    const a = heap.alloc(1000), b = heap.alloc(100_000), c = heap.alloc(1000);
    for (const p of [a, b, c]) expect(p % 64).toBe(0);
    expect(new Set([a, b, c]).size).toBe(3);
    heap.free(a);
    expect(heap.alloc(990)).toBe(a); // same class, from the free list
    heap.free(a);
    expect(() => heap.free(a)).toThrow(/not a live block/);
    heap.free(b);
    heap.free(c);
  });

  it("kernel calls leave no temporaries behind", () => {
    const { heap } = getWasm();
    const before = heap.stats().bytesInUse;
    const x = tensor("f32", [3, 5], Array.from({ length: 15 }, (_, i) => i - 7));
    const out = runCpu("elementwiseChain", "wasm", [x, x], { steps: [{ op: "add", input: 1 }, { op: "abs" }] })[0] as WasmTensor;
    const outBytes = heap.capacityOf(out.ptr);
    expect(heap.stats().bytesInUse).toBe(before + outBytes);
    out.dispose();
    expect(heap.stats().bytesInUse).toBe(before);
  });
});

describe("WasmTensor", () => {
  it("round-trips data and frees its block on dispose", () => {
    const { heap } = getWasm();
    const before = heap.stats().blocksInUse;
    const t = WasmTensor.from(tensor("i32", [2, 3], [1, 2, 3, 4, 5, -6]));
    expect(t.shape).toEqual([2, 3]);
    expect([...t.data]).toEqual([1, 2, 3, 4, 5, -6]);
    expect(t.data.buffer).toBe(getWasm().memory.buffer);
    expect(heap.stats().blocksInUse).toBe(before + 1);
    t.dispose();
    t.dispose(); // idempotent
    expect(t.disposed).toBe(true);
    expect(heap.stats().blocksInUse).toBe(before);
    expect(() => t.data).toThrow(KernelError);
    expect(() => runCpu("abs", "wasm", [t], {})).toThrow(/disposed/);
  });

  it("stays valid across memory growth (old views detach, `data` does not)", () => {
    const w = getWasm();
    const t = WasmTensor.from(tensor("f32", [1000], Array.from({ length: 1000 }, (_, i) => i * 0.5)));
    const oldView = t.data;
    const grows = w.heap.stats().grows;
    // Far more than the memory has: forces growth.
    const big = WasmTensor.empty("u8", [w.memory.buffer.byteLength + (1 << 20)]);
    expect(w.heap.stats().grows).toBeGreaterThan(grows);
    expect(oldView.length).toBe(0); // detached by the growth
    expect(t.data.length).toBe(1000);
    expect(t.data[999]).toBe(499.5);
    expect(t.data.buffer).toBe(w.memory.buffer);
    // Kernels still read it in place.
    const neg = runCpu("neg", "wasm", [t], {})[0]!;
    expect(neg.data[10]).toBe(-5);
    for (const x of [t, big, neg as WasmTensor]) x.dispose();
  });

  it("resident inputs are used in place, others copied in and left untouched", () => {
    const w = getWasm();
    const plain = tensor("f32", [4], [1, -2, 3, -4]);
    const resident = WasmTensor.from(plain);
    expect(residentPtr(resident)).toBe(resident.ptr);
    expect(residentPtr(plain)).toBeUndefined();
    const view = { dtype: "f32" as const, shape: [2], data: new Float32Array(w.memory.buffer, resident.ptr + 8, 2) };
    expect(residentPtr(view)).toBe(resident.ptr + 8);
    const a = runCpu("abs", "wasm", [plain], {})[0]!;
    const b = runCpu("abs", "wasm", [resident], {})[0]!;
    const c = runCpu("abs", "wasm", [view], {})[0]!;
    expect([...a.data]).toEqual([1, 2, 3, 4]);
    expect([...b.data]).toEqual([1, 2, 3, 4]);
    expect([...c.data]).toEqual([3, 4]);
    expect([...plain.data]).toEqual([1, -2, 3, -4]);
    expect([...resident.data]).toEqual([1, -2, 3, -4]);
    for (const x of [resident, a, b, c]) (x as WasmTensor).dispose();
  });

  it.skipIf(typeof (globalThis as { gc?: () => void }).gc !== "function")("an undisposed tensor is freed after garbage collection", async () => {
    const { heap } = getWasm();
    const before = heap.stats().blocksInUse;
    (() => {
      WasmTensor.zeros("f32", [1 << 16]);
    })();
    expect(heap.stats().blocksInUse).toBe(before + 1);
    for (let i = 0; i < 10 && heap.stats().blocksInUse > before; i++) {
      (globalThis as unknown as { gc: () => void }).gc();
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(heap.stats().blocksInUse).toBe(before);
  });
});
