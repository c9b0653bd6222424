/**
 * The JS-side allocator over sluice.wasm's imported memory. Kernels never allocate: every tensor,
 * scratch buffer and parameter block is carved out here.
 *
 * Blocks come in size classes (multiples of 64 bytes up to 1 KiB, then four classes per power of
 * two, so at most 25% is wasted) with one free list per class; a block is reused only by its own
 * class, which keeps `alloc`/`free` O(1) without coalescing. Fresh blocks are bumped off the top,
 * growing the memory on demand. Steady-state pipelines repeat the same shapes, so the free lists
 * settle quickly.
 */

import { DeviceError } from "../kernels/errors.js";

/** Bytes per wasm page. */
export const PAGE_BYTES = 65536;
/** Every block starts on a cache line (and so on a v128 boundary). */
export const BLOCK_ALIGN = 64;
/**
 * Bytes kept free above the highest block: kernels may over-read up to 16 bytes past an image
 * (the values read there are multiplied by zero), and that must never run off the memory's end.
 */
export const TAIL_SLACK = 64;
/** wasm32 addresses at most 4 GiB. */
const MAX_PAGES = 65536;

const LINEAR_CLASSES = 16; // 64 .. 1024 step 64

/** Size class of a request of `bytes` bytes. */
export function sizeClassOf(bytes: number): number {
  if (bytes <= LINEAR_CLASSES * 64) return Math.max(0, Math.ceil(bytes / 64) - 1);
  const k = 31 - Math.clz32(bytes - 1); // 2^k < bytes <= 2^(k+1)
  const step = 2 ** (k - 2);
  const sub = Math.ceil((bytes - 2 ** k) / step); // 1..4
  return LINEAR_CLASSES + (k - 10) * 4 + (sub - 1);
}

/** Capacity in bytes of size class `c`. */
export function sizeClassBytes(c: number): number {
  if (c < LINEAR_CLASSES) return (c + 1) * 64;
  const k = 10 + Math.floor((c - LINEAR_CLASSES) / 4);
  const sub = ((c - LINEAR_CLASSES) % 4) + 1;
  return 2 ** k + sub * 2 ** (k - 2);
}

export interface WasmHeapStats {
  /** Bytes in live blocks (class capacities). */
  bytesInUse: number;
  /** Bytes in freed blocks waiting for reuse. */
  bytesFree: number;
  /** Current size of the wasm memory. */
  memoryBytes: number;
  blocksInUse: number;
  /** How many times the memory grew (each growth detaches old views of it). */
  grows: number;
}

export class WasmHeap {
  readonly memory: WebAssembly.Memory;
  private readonly base: number;
  private top: number;
  private readonly freeLists = new Map<number, number[]>();
  private readonly live = new Map<number, number>();
  private inUse = 0;
  private freeBytes = 0;
  private grows = 0;

  /** Manages `memory` from byte `base` (the module's heap base) upwards. */
  constructor(memory: WebAssembly.Memory, base: number) {
    this.memory = memory;
    this.base = Math.ceil(base / BLOCK_ALIGN) * BLOCK_ALIGN;
    this.top = this.base;
  }

  /** The memory's current buffer; replaced (and the old one detached) whenever memory grows. */
  get buffer(): ArrayBuffer {
    return this.memory.buffer;
  }

  /** Allocates at least `bytes` bytes, 64-byte aligned; the contents are unspecified. */
  alloc(bytes: number): number {
    if (!Number.isInteger(bytes) || bytes < 0) throw new RangeError(`WasmHeap.alloc: bad size ${bytes}`);
    const c = sizeClassOf(bytes);
    const size = sizeClassBytes(c);
    const list = this.freeLists.get(c);
    let ptr = list?.pop();
    if (ptr !== undefined) this.freeBytes -= size;
    else {
      ptr = this.top;
      this.ensure(ptr + size + TAIL_SLACK);
      this.top = ptr + size;
    }
    this.live.set(ptr, c);
    this.inUse += size;
    return ptr;
  }

  /** Allocates and zero-fills. */
  allocZeroed(bytes: number): number {
    const ptr = this.alloc(bytes);
    new Uint8Array(this.memory.buffer, ptr, bytes).fill(0);
    return ptr;
  }

  /** Returns a block to its class's free list. Freeing an unknown or freed pointer throws. */
  free(ptr: number): void {
    const c = this.live.get(ptr);
    if (c === undefined) throw new Error(`WasmHeap.free: ${ptr} is not a live block (double free?)`);
    this.live.delete(ptr);
    const size = sizeClassBytes(c);
    this.inUse -= size;
    if (ptr + size === this.top) {
      // The topmost block goes back to the bump region instead of a list.
      this.top = ptr;
      return;
    }
    let list = this.freeLists.get(c);
    if (!list) this.freeLists.set(c, (list = []));
    list.push(ptr);
    this.freeBytes += size;
  }

  /** Whether `ptr` is the start of a live block. */
  isLive(ptr: number): boolean {
    return this.live.has(ptr);
  }

  /** Capacity of the live block at `ptr`. */
  capacityOf(ptr: number): number {
    const c = this.live.get(ptr);
    if (c === undefined) throw new Error(`WasmHeap.capacityOf: ${ptr} is not a live block`);
    return sizeClassBytes(c);
  }

  stats(): WasmHeapStats {
    return { bytesInUse: this.inUse, bytesFree: this.freeBytes, memoryBytes: this.memory.buffer.byteLength, blocksInUse: this.live.size, grows: this.grows };
  }

  /** Grows the memory so that `end` bytes are addressable; by at least 25% to amortize growth. */
  private ensure(end: number): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    const havePages = have / PAGE_BYTES;
    const needPages = Math.ceil(end / PAGE_BYTES);
    const want = Math.min(MAX_PAGES, Math.max(needPages, havePages + Math.ceil(havePages / 4)));
    if (needPages > MAX_PAGES) throw new DeviceError(`wasm memory exhausted: ${end} bytes needed, wasm32 addresses at most 4 GiB`);
    try {
      this.memory.grow(want - havePages);
    } catch (e) {
      try {
        this.memory.grow(needPages - havePages);
      } catch {
        throw new DeviceError(`wasm memory could not grow to ${needPages} pages (${end} bytes)`, { cause: e });
      }
    }
    this.grows++;
  }
}
