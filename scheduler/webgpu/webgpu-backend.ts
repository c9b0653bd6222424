/**
 * The WebGPU executor: validates an op, asks its program builder for a WGSL program, compiles it
 * once (pipeline cache), and dispatches it on device-resident tensors. Outputs stay on the
 * device until `read`; host tensors passed as inputs are uploaded for the call and released
 * after it. Every dispatch is submitted on its own, so a sequence of `run` calls is a sequence
 * of queue submissions that the GPU runs in order.
 */

import { DeviceError, KernelError } from "../../kernels/errors.js";
import type { OpAttrs, OpName } from "../../kernels/op-attrs.js";
import { checkOp } from "../../kernels/op-specs.js";
import type { GpuKernel, Kernel } from "../../kernels/registry.js";
import { allocData, bytesPerElement, sizeOf, type Tensor, type TensorInfo } from "../../kernels/tensor.js";
import { webgpuKernels } from "../../kernels/webgpu/index.js";
import type { ProgramConstant, ProgramInfo } from "../../kernels/webgpu/program-info.js";
import { packUniforms, uniformByteSize } from "../../kernels/webgpu/uniforms.js";
import { BufferPool } from "./buffer-pool.js";
import { acquireDevice, type AcquireOptions, type GpuAdapterSummary, type GpuLimitsSummary } from "./gpu-device.js";
import { GpuTensor } from "./gpu-tensor.js";
import { PipelineCache } from "./pipeline-cache.js";

export interface WebGpuBackendOptions extends AcquireOptions {
  /** Free-list bytes the buffer pool keeps. Default 512 MiB. */
  maxPooledBytes?: number;
  /** Program builders to use instead of the built-in catalog (tests, experiments). */
  kernels?: readonly Kernel[];
}

/** Counters since the backend was created; read `stats` twice and subtract to measure a span. */
export interface WebGpuStats {
  dispatches: number;
  pipelinesCompiled: number;
  cacheHits: number;
  uploads: number;
  bytesUploaded: number;
  readbacks: number;
  bytesReadBack: number;
  buffersCreated: number;
  buffersReused: number;
  pooledBytes: number;
  liveBytes: number;
  uncapturedErrors: number;
}

export interface DeviceLostInfo {
  reason: string;
  message: string;
}

/** What `run` accepts as an input: a host tensor (uploaded for the call) or a device tensor. */
export type GpuInput = Tensor | GpuTensor;

function hostData(t: Tensor): Uint8Array<ArrayBuffer> {
  const d = t.data;
  const bytes = d.byteLength;
  const padded = Math.ceil(bytes / 4) * 4;
  // writeBuffer needs a multiple of 4 bytes and refuses SharedArrayBuffer-backed views.
  if (padded === bytes && d.buffer instanceof ArrayBuffer) return new Uint8Array(d.buffer, d.byteOffset, bytes);
  const copy = new Uint8Array(padded);
  copy.set(new Uint8Array(d.buffer, d.byteOffset, bytes));
  return copy;
}

function constantData(c: ProgramConstant): Uint8Array<ArrayBuffer> {
  const arr = ArrayBuffer.isView(c.data)
    ? c.data
    : c.type === "f32"
      ? Float32Array.from(c.data)
      : c.type === "i32"
        ? Int32Array.from(c.data)
        : Uint32Array.from(c.data);
  const out = new Uint8Array(Math.max(4, arr.byteLength));
  out.set(new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength));
  return out;
}

export class WebGpuBackend {
  readonly device: GPUDevice;
  readonly info: GpuAdapterSummary;
  readonly limits: GpuLimitsSummary;
  private readonly pool: BufferPool;
  private readonly cache: PipelineCache;
  private readonly kernels = new Map<string, GpuKernel>();
  private readonly lostCallbacks = new Set<(info: DeviceLostInfo) => void>();
  private lostInfo: DeviceLostInfo | undefined;
  private destroyed = false;
  private lastErrorMessage: string | undefined;
  private readonly counters = { dispatches: 0, uploads: 0, bytesUploaded: 0, readbacks: 0, bytesReadBack: 0, uncapturedErrors: 0 };

  private constructor(device: GPUDevice, info: GpuAdapterSummary, limits: GpuLimitsSummary, opts: WebGpuBackendOptions) {
    this.device = device;
    this.info = info;
    this.limits = limits;
    this.pool = new BufferPool(device, limits.maxBufferSize, opts.maxPooledBytes);
    this.cache = new PipelineCache(device);
    for (const k of opts.kernels ?? webgpuKernels) {
      if (k.backend === "webgpu") this.kernels.set(k.op, k as GpuKernel);
    }
    void device.lost.then((l) => {
      this.lostInfo = { reason: String(l.reason), message: l.message };
      if (this.destroyed) return;
      for (const cb of this.lostCallbacks) cb(this.lostInfo);
    });
    device.addEventListener("uncapturederror", (ev) => {
      this.counters.uncapturedErrors++;
      this.lastErrorMessage = (ev as GPUUncapturedErrorEvent).error.message;
    });
  }

  /** A backend on the platform's GPU, or null when there is no adapter (callers fall back to wasm). */
  static async create(opts: WebGpuBackendOptions = {}): Promise<WebGpuBackend | null> {
    const acquired = await acquireDevice(opts);
    if (!acquired) return null;
    return new WebGpuBackend(acquired.device, acquired.info, acquired.limits, opts);
  }

  /** True once the device is lost (or destroyed); every later call throws DeviceError. */
  get lost(): boolean {
    return this.lostInfo !== undefined || this.destroyed;
  }

  /** Calls `cb` when the device is lost unexpectedly (not on `destroy`). Returns an unsubscribe. */
  onLost(cb: (info: DeviceLostInfo) => void): () => void {
    this.lostCallbacks.add(cb);
    if (this.lostInfo && !this.destroyed) queueMicrotask(() => cb(this.lostInfo!));
    return () => this.lostCallbacks.delete(cb);
  }

  /** The last error the device reported outside any error scope, if any. */
  get lastUncapturedError(): string | undefined {
    return this.lastErrorMessage;
  }

  get stats(): WebGpuStats {
    const p = this.pool.stats, c = this.cache.stats;
    return {
      ...this.counters,
      pipelinesCompiled: c.pipelinesCompiled,
      cacheHits: c.cacheHits,
      buffersCreated: p.created,
      buffersReused: p.reused,
      pooledBytes: p.pooledBytes,
      liveBytes: p.liveBytes,
    };
  }

  /** Copies a host tensor into a new device tensor. */
  upload(t: Tensor): GpuTensor {
    this.assertUsable();
    const g = this.allocate(t.dtype, t.shape, "upload");
    if (t.data.byteLength > 0) {
      this.device.queue.writeBuffer(g.buffer, 0, hostData(t));
      this.counters.uploads++;
      this.counters.bytesUploaded += t.data.byteLength;
    }
    return g;
  }

  /**
   * Validates `op` with checkOp, builds its program and dispatches it. Outputs stay on the
   * device; `read` them or pass them to the next `run`, and `release` them when done.
   */
  async run<K extends OpName>(op: K, inputs: readonly GpuInput[], attrs: OpAttrs[K]): Promise<GpuTensor[]> {
    this.assertUsable();
    const infos: TensorInfo[] = inputs.map((t) => ({ dtype: t.dtype, shape: t.shape }));
    const checked = checkOp(op, infos, attrs);
    const kernel = this.kernels.get(op);
    if (!kernel) throw new KernelError(op, "no webgpu program builder");
    const program = (kernel as GpuKernel<K>).program(infos, checked.attrs, checked.outputs);
    return this.runProgram(program, inputs);
  }

  /** Compiles (once) and dispatches a program description on `inputs`. */
  async runProgram(program: ProgramInfo, inputs: readonly GpuInput[]): Promise<GpuTensor[]> {
    this.assertUsable();
    const device = this.device;
    const temps: GpuTensor[] = [];
    const held: GpuTensor[] = [];
    const bound = inputs.map((t) => {
      if (t instanceof GpuTensor) {
        this.assertOwned(t);
        t.pendingUses++;
        held.push(t);
        return t;
      }
      const g = this.upload(t);
      temps.push(g);
      return g;
    });
    try {
      const compiled = await this.cache.get(program, bound);
      this.assertUsable();
      const outputs = program.outputs.map((o) => this.allocate(o.dtype, o.shape, program.name));
      const [x, y, z] = program.dispatch;
      if (x * y * z === 0) return outputs;

      const uniformBytes = uniformByteSize(program.uniforms);
      const uniformBuffer = this.pool.acquire(uniformBytes, "uniform");
      device.queue.writeBuffer(uniformBuffer, 0, packUniforms(program.uniforms));
      const constants = (program.constants ?? []).map((c) => {
        const data = constantData(c);
        const buffer = this.pool.acquire(data.byteLength, "storage");
        device.queue.writeBuffer(buffer, 0, data);
        this.counters.bytesUploaded += data.byteLength;
        return { buffer, size: data.byteLength };
      });
      const entries: GPUBindGroupEntry[] = [];
      for (const t of [...bound, ...outputs]) {
        entries.push({ binding: entries.length, resource: { buffer: t.buffer, offset: 0, size: t.paddedByteLength } });
      }
      entries.push({ binding: entries.length, resource: { buffer: uniformBuffer, offset: 0, size: uniformBytes } });
      for (const c of constants) entries.push({ binding: entries.length, resource: { buffer: c.buffer, offset: 0, size: c.size } });
      const bindGroup = device.createBindGroup({ label: compiled.key, layout: compiled.bindGroupLayout, entries });

      const encoder = device.createCommandEncoder({ label: compiled.key });
      const pass = encoder.beginComputePass({ label: compiled.key });
      pass.setPipeline(compiled.pipeline);
      pass.setBindGroup(0, bindGroup);
      pass.dispatchWorkgroups(x, y, z);
      pass.end();
      device.queue.submit([encoder.finish()]);
      this.counters.dispatches++;
      // Queue order makes reuse safe from here on: later writes run after this submission.
      this.pool.release(uniformBuffer);
      for (const c of constants) this.pool.release(c.buffer);
      return outputs;
    } finally {
      for (const t of temps) this.release(t);
      for (const t of held) {
        t.pendingUses--;
        if (t.pendingUses === 0 && t.releaseRequested) this.release(t);
      }
    }
  }

  /** Copies a device tensor back into a host tensor. The device tensor stays valid. */
  async read(t: GpuTensor): Promise<Tensor> {
    this.assertUsable();
    this.assertOwned(t);
    const data = allocData(t.dtype, t.size);
    if (t.size === 0) return { dtype: t.dtype, shape: [...t.shape], data };
    const bytes = t.paddedByteLength;
    const staging = this.pool.acquire(bytes, "readback");
    const encoder = this.device.createCommandEncoder({ label: "sluice-readback" });
    encoder.copyBufferToBuffer(t.buffer, 0, staging, 0, bytes);
    this.device.queue.submit([encoder.finish()]);
    try {
      await staging.mapAsync(GPUMapMode.READ, 0, bytes);
    } catch (e) {
      throw new DeviceError(`reading a ${t.dtype}[${t.shape.join(",")}] tensor back failed${this.lost ? " (device lost)" : ""}`, { cause: e, retriable: true });
    }
    new Uint8Array(data.buffer).set(new Uint8Array(staging.getMappedRange(0, bytes), 0, t.byteLength));
    staging.unmap();
    this.pool.release(staging);
    this.counters.readbacks++;
    this.counters.bytesReadBack += t.byteLength;
    return { dtype: t.dtype, shape: [...t.shape], data };
  }

  /** Returns a device tensor's buffer to the pool; the tensor must not be used afterwards. */
  release(t: GpuTensor): void {
    this.assertOwned(t, true);
    if (t.released) return;
    if (t.pendingUses > 0) {
      t.releaseRequested = true;
      return;
    }
    t.markReleased();
    this.pool.release(t.buffer);
  }

  /** Frees pooled buffers and the device. The backend is unusable afterwards. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.pool.trim();
    this.device.destroy();
  }

  private allocate(dtype: TensorInfo["dtype"], shape: readonly number[], label: string): GpuTensor {
    const bytes = sizeOf(shape) * bytesPerElement(dtype);
    if (bytes > this.limits.maxStorageBufferBindingSize) {
      throw new DeviceError(`a ${dtype}[${shape.join(",")}] tensor (${bytes} bytes) exceeds maxStorageBufferBindingSize (${this.limits.maxStorageBufferBindingSize})`);
    }
    return new GpuTensor(dtype, shape, this.pool.acquire(Math.max(4, bytes), "storage", label), this);
  }

  private assertUsable(): void {
    if (this.destroyed) throw new DeviceError("the WebGPU backend was destroyed");
    if (this.lostInfo) throw new DeviceError(`the WebGPU device was lost (${this.lostInfo.reason}): ${this.lostInfo.message}`, { retriable: true });
  }

  private assertOwned(t: GpuTensor, allowReleased = false): void {
    if (t.owner !== this) throw new DeviceError("a GpuTensor was passed to a WebGPU backend that did not create it");
    if (t.released && !allowReleased) throw new Error(`GpuTensor ${t.dtype}[${t.shape.join(",")}] used after release`);
  }
}
