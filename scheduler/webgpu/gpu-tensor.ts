/**
 * A tensor that lives in a GPU storage buffer, so chained kernels hand intermediates to each
 * other without a round trip through host memory. Its buffer comes from the backend's pool and
 * goes back there on `release`; a release while a dispatch that reads it is still being prepared
 * is deferred until that dispatch is submitted.
 */

import { bytesPerElement, sizeOf, type DType, type TensorInfo } from "../../kernels/tensor.js";

export class GpuTensor implements TensorInfo {
  readonly dtype: DType;
  readonly shape: readonly number[];
  /** Number of elements. */
  readonly size: number;
  /** Bytes of element data; the buffer holds at least this many, rounded up to 4 (u8 is packed). */
  readonly byteLength: number;
  /** @internal dispatches that reference this tensor and have not been submitted yet. */
  pendingUses = 0;
  /** @internal release() was called while uses were pending. */
  releaseRequested = false;
  private releasedFlag = false;

  /**
   * @param buffer the storage buffer (pool-owned; its size may exceed `byteLength`)
   * @param owner the backend that created it; tensors cannot cross devices
   */
  constructor(
    dtype: DType,
    shape: readonly number[],
    readonly buffer: GPUBuffer,
    readonly owner: object,
  ) {
    this.dtype = dtype;
    this.shape = Object.freeze([...shape]);
    this.size = sizeOf(shape);
    this.byteLength = this.size * bytesPerElement(dtype);
  }

  /** Bytes to bind and copy: the data rounded up to whole u32 words, never 0 (WebGPU forbids empty bindings). */
  get paddedByteLength(): number {
    return Math.max(4, Math.ceil(this.byteLength / 4) * 4);
  }

  get released(): boolean {
    return this.releasedFlag;
  }

  /** @internal marks the tensor dead; the backend returns the buffer to its pool. */
  markReleased(): void {
    this.releasedFlag = true;
  }
}
