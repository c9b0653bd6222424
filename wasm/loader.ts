/**
 * Instantiates sluice.wasm (the AssemblyScript kernels) in Node and in browsers. The module
 * imports its memory: JS creates and owns it, and the WasmHeap allocator manages it.
 *
 *   await loadWasm();          // once, at startup (idempotent)
 *   const w = getWasm();       // anywhere after: exports, memory, heap
 */

import { DeviceError } from "../kernels/errors.js";
import { wasmFeatures, type WasmFeatures } from "./features.js";
import { PAGE_BYTES, WasmHeap } from "./wasm-heap.js";

/** A kernel export: pointers and sizes in, nothing (or a number) out. */
export type WasmKernelFn = (...args: number[]) => number;

/** The module's exports by name (`add_f32`, `normalize_u8`, …; see wasm/assembly/index.ts). */
export type WasmKernelExports = Readonly<Record<string, WasmKernelFn>>;

export interface SluiceWasm {
  readonly exports: WasmKernelExports;
  readonly memory: WebAssembly.Memory;
  readonly heap: WasmHeap;
  readonly features: WasmFeatures;
}

export interface LoadWasmOptions {
  /**
   * Where the module comes from: its bytes, a compiled module, or a URL / path. Default: the
   * built `wasm/build/sluice.wasm` next to this file (source tree) or two levels up (dist/).
   */
  source?: BufferSource | WebAssembly.Module | URL | string;
  /** Initial memory size in bytes (rounded up to pages). Default 16 MiB; it grows on demand. */
  initialBytes?: number;
}

let loading: Promise<SluiceWasm> | undefined;
let loaded: SluiceWasm | undefined;

/** Loads and instantiates the module once; later calls return the same instance. */
export function loadWasm(options: LoadWasmOptions = {}): Promise<SluiceWasm> {
  if (!loading) {
    loading = instantiate(options).then(
      (w) => (loaded = w),
      (e: unknown) => {
        loading = undefined; // let a later call retry (e.g. after `npm run build:wasm`)
        throw e;
      },
    );
  }
  return loading;
}

/** The loaded module; throws a DeviceError naming the fix when `loadWasm()` has not completed. */
export function getWasm(): SluiceWasm {
  if (!loaded) throw new DeviceError("the wasm backend is not loaded: await loadWasm() (from wasm/loader) before running wasm kernels");
  return loaded;
}

export function isWasmLoaded(): boolean {
  return loaded !== undefined;
}

const isNode = typeof process !== "undefined" && typeof process.versions?.node === "string";

/**
 * Where the built module may be, relative to this file: in the source tree (wasm/loader.ts →
 * wasm/build/) and compiled (dist/wasm/loader.js → <root>/wasm/build/), in that order.
 */
export function defaultWasmUrls(moduleUrl: string = import.meta.url): URL[] {
  return [new URL("./build/sluice.wasm", moduleUrl), new URL("../../wasm/build/sluice.wasm", moduleUrl)];
}

async function instantiate(options: LoadWasmOptions): Promise<SluiceWasm> {
  const features = wasmFeatures();
  if (!features.wasm) throw new DeviceError("WebAssembly is not available in this JS engine");
  if (!features.simd) throw new DeviceError("WebAssembly SIMD is not supported by this engine; sluice.wasm needs it");
  const pages = Math.max(1, Math.ceil((options.initialBytes ?? 16 * 1024 * 1024) / PAGE_BYTES));
  const memory = new WebAssembly.Memory({ initial: pages, maximum: 65536 });
  const imports: WebAssembly.Imports = {
    env: {
      memory,
      abort(msg: number, file: number, line: number, col: number): never {
        throw new DeviceError(`sluice.wasm aborted at ${line}:${col} (message @${msg}, file @${file})`);
      },
    },
  };
  const instance = await instantiateFrom(options.source, imports);
  const exports = instance.exports as unknown as WasmKernelExports;
  if (typeof exports.heap_base !== "function") throw new DeviceError("sluice.wasm: unexpected module (no heap_base export)");
  const heap = new WasmHeap(memory, exports.heap_base() >>> 0);
  return { exports, memory, heap, features };
}

async function instantiateFrom(source: LoadWasmOptions["source"], imports: WebAssembly.Imports): Promise<WebAssembly.Instance> {
  if (source instanceof WebAssembly.Module) return WebAssembly.instantiate(source, imports);
  if (source instanceof ArrayBuffer || ArrayBuffer.isView(source)) return instantiateBytes(source, imports);
  if (isNode) return instantiateBytes(await readInNode(source), imports);
  const urls = source === undefined ? defaultWasmUrls() : [new URL(String(source), globalThis.location?.href)];
  // Browsers run the compiled loader from dist/wasm/, where the module sits two levels up: try
  // that first so the common case costs no failed request.
  if (source === undefined && import.meta.url.includes("/dist/")) urls.reverse();
  const failures: string[] = [];
  for (const url of urls) {
    const r = await fetch(url);
    if (!r.ok) {
      failures.push(`${url.href}: HTTP ${r.status}`);
      continue;
    }
    // Bytes rather than instantiateStreaming: servers that do not send application/wasm work
    // too, and the module is small enough that streaming compilation gains nothing.
    return instantiateBytes(await r.arrayBuffer(), imports);
  }
  throw new DeviceError(`could not fetch sluice.wasm (${failures.join("; ")})`);
}

async function instantiateBytes(bytes: ArrayBuffer | ArrayBufferView, imports: WebAssembly.Imports): Promise<WebAssembly.Instance> {
  const src = bytes as BufferSource;
  return (await WebAssembly.instantiate(src, imports)).instance;
}

async function readInNode(source: URL | string | undefined): Promise<Uint8Array> {
  const { readFile } = await import("node:fs/promises");
  const { fileURLToPath } = await import("node:url");
  const tried: string[] = [];
  const paths =
    source === undefined
      ? defaultWasmUrls().map((u) => fileURLToPath(u))
      : [source instanceof URL ? fileURLToPath(source) : source.startsWith("file:") ? fileURLToPath(source) : source];
  for (const p of paths) {
    try {
      return await readFile(p);
    } catch (e) {
      if ((e as { code?: string }).code !== "ENOENT") throw e;
      tried.push(p);
    }
  }
  throw new DeviceError(`sluice.wasm not found (tried ${tried.join(", ")}); run \`npm run build:wasm\``);
}
