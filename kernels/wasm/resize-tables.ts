/**
 * Resize sampling tables laid out in wasm memory for wasm/assembly/resize.ts. The numbers come
 * from kernels/js/resize-weights.ts — the tables every backend shares — so the wasm kernels read
 * the same input positions with the same coefficients as the reference.
 *
 * Tables are cached per (axis length in, out, modes): a pipeline resizes the same sizes over and
 * over, and an antialias table for 1920 → 224 is ~90 KB worth building once. The cache owns its
 * heap blocks; the least recently used table is freed past CACHE_LIMIT entries.
 */

import type { SluiceWasm } from "../../wasm/loader.js";
import { axisWeights, nearestIndex, type AxisWeights } from "../js/resize-weights.js";
import type { CoordinateTransformationMode, NearestMode } from "../op-attrs.js";

const CACHE_LIMIT = 32;
const HEADER_BYTES = 64;

interface Entry {
  w: SluiceWasm;
  ptr: number;
}
const cache = new Map<string, Entry>();

function cached(w: SluiceWasm, key: string, build: () => Uint8Array): number {
  const hit = cache.get(key);
  if (hit && hit.w === w) {
    // Refresh recency (Map iterates in insertion order).
    cache.delete(key);
    cache.set(key, hit);
    return hit.ptr;
  }
  const bytes = build();
  const ptr = w.heap.alloc(bytes.byteLength);
  new Uint8Array(w.memory.buffer, ptr, bytes.byteLength).set(bytes);
  cache.set(key, { w, ptr });
  if (cache.size > CACHE_LIMIT) {
    const [oldKey, old] = cache.entries().next().value as [string, Entry];
    cache.delete(oldKey);
    old.w.heap.free(old.ptr);
  }
  return ptr;
}

const align16 = (n: number): number => Math.ceil(n / 16) * 16;

/**
 * Header (i32): outLen, maxTaps, maxGroups, 0, then byte offsets of start, count, fixed, weights,
 * groups. `groups` serves the 3-channel u8 antialias pass: per output and group of 8 taps, six
 * i16x8 weight vectors matching its pixel vectors — hi1 hi2 hi3 lo1 lo2 lo3 with
 *   v1 = [w0 w2 w0 w2 w0 w2 w1 w3], v2 = [w4 w6 w4 w6 w4 w6 w5 w7], v3 = [w1 w3 w1 w3 w5 w7 w5 w7]
 * of the Q22 weights' high (>> 11) and low (& 2047) halves; zero past the output's tap count.
 */
export function encodeAxisTable(wt: AxisWeights): Uint8Array {
  const { outLen, maxTaps } = wt;
  const maxGroups = Math.ceil(maxTaps / 8);
  const startOff = HEADER_BYTES;
  const countOff = align16(startOff + 4 * outLen);
  const fixedOff = align16(countOff + 4 * outLen);
  const weightsOff = align16(fixedOff + 4 * outLen * maxTaps);
  const groupsOff = align16(weightsOff + 4 * outLen * maxTaps);
  const withGroups = wt.fixedBits === 22;
  const total = groupsOff + (withGroups ? outLen * maxGroups * 96 : 0);
  const buf = new ArrayBuffer(total);
  const i32 = new Int32Array(buf);
  i32.set([outLen, maxTaps, maxGroups, 0, startOff, countOff, fixedOff, weightsOff, groupsOff]);
  i32.set(wt.start, startOff / 4);
  i32.set(wt.count, countOff / 4);
  i32.set(wt.fixed, fixedOff / 4);
  new Float32Array(buf, weightsOff, outLen * maxTaps).set(wt.weights);
  if (withGroups) {
    const i16 = new Int16Array(buf, groupsOff, outLen * maxGroups * 48);
    for (let i = 0; i < outLen; i++) {
      for (let g = 0; g < maxGroups; g++) {
        const base = (i * maxGroups + g) * 48;
        for (let v = 0; v < 3; v++) {
          for (let lane = 0; lane < 8; lane++) {
            const t = 8 * g + GROUP_TAPS[v]![lane]!;
            const f = t < wt.count[i]! ? wt.fixed[i * maxTaps + t]! : 0;
            i16[base + 8 * v + lane] = f >> 11;
            i16[base + 24 + 8 * v + lane] = f & 2047;
          }
        }
      }
    }
  }
  return new Uint8Array(buf);
}

/** Which of a group's 8 taps each i16 lane of the three pixel vectors holds. */
const GROUP_TAPS = [
  [0, 2, 0, 2, 0, 2, 1, 3],
  [4, 6, 4, 6, 4, 6, 5, 7],
  [1, 3, 1, 3, 5, 7, 5, 7],
] as const;

/** The linear (antialias or not) table for one axis, in wasm memory. */
export function linearTable(w: SluiceWasm, inLen: number, outLen: number, ctm: CoordinateTransformationMode, antialias: boolean): number {
  return cached(w, `linear|${inLen}|${outLen}|${ctm}|${antialias}`, () =>
    encodeAxisTable(axisWeights(inLen, outLen, { coordinateTransformationMode: ctm, antialias })),
  );
}

/** The nearest-neighbour index table (i32 per output) for one axis, in wasm memory. */
export function nearestTable(w: SluiceWasm, inLen: number, outLen: number, ctm: CoordinateTransformationMode, mode: NearestMode): number {
  return cached(w, `nearest|${inLen}|${outLen}|${ctm}|${mode}`, () => {
    const idx = nearestIndex(inLen, outLen, ctm, mode);
    return new Uint8Array(idx.buffer, idx.byteOffset, idx.byteLength);
  });
}
