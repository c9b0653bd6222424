// Entry of sluice.wasm: every kernel export, plus where the JS-side allocator may start.
// Memory is imported and owned by JS (wasm/wasm-heap.ts); kernels never allocate.

export * from "./unary";
export * from "./binary";
export * from "./clamp-cast";
export * from "./elementwise-chain";
export * from "./normalize";
export * from "./softmax";
export * from "./arg-reduce";
export * from "./matmul";
export * from "./center-crop";
export * from "./resize";

/** First byte after static data; the JS allocator hands out memory from here up. */
export function heap_base(): usize {
  return __heap_base;
}
export * from "./vector-exports";
