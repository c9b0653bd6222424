/**
 * GPU buffers pooled by size class. Creating a buffer costs a driver allocation; tensors of a
 * pipeline come in a few recurring sizes, so released buffers are kept per (kind, class) and
 * handed out again. Classes are powers of two up to 4 KiB and quarter steps between powers of
 * two above (at most 25 % waste). Reuse is safe without fences: every later write or dispatch
 * touching a reused buffer is ordered after earlier submissions on the single queue.
 */

/** What a pooled buffer is for; each kind has its own usage flags and free lists. */
export type BufferKind = "storage" | "uniform" | "readback";

export interface BufferPoolStats {
  /** Buffers created by the driver. */
  created: number;
  /** Acquisitions served from the free lists. */
  reused: number;
  /** Bytes held in free lists. */
  pooledBytes: number;
  /** Bytes handed out and not yet released. */
  liveBytes: number;
}

/** The size class `bytes` is rounded up to (at least 16, a multiple of 4). */
export function sizeClass(bytes: number): number {
  const b = Math.max(16, Math.ceil(bytes / 4) * 4);
  if (b <= 4096) return 2 ** Math.ceil(Math.log2(b));
  const step = 2 ** Math.floor(Math.log2(b)) / 4;
  return Math.ceil(b / step) * step;
}

function usageOf(kind: BufferKind): number {
  switch (kind) {
    case "storage":
      return GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
    case "uniform":
      return GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST;
    case "readback":
      return GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST;
  }
}

export class BufferPool {
  private readonly free = new Map<string, GPUBuffer[]>();
  private readonly kindOf = new WeakMap<GPUBuffer, BufferKind>();
  private readonly counters: BufferPoolStats = { created: 0, reused: 0, pooledBytes: 0, liveBytes: 0 };

  /**
   * @param maxBufferSize the device's limit; a request above its class but within the limit
   *   gets an exact-size buffer.
   * @param maxPooledBytes free-list bytes kept before released buffers are destroyed instead.
   */
  constructor(
    private readonly device: GPUDevice,
    private readonly maxBufferSize: number,
    private readonly maxPooledBytes = 512 * 1024 * 1024,
  ) {}

  /** A buffer of at least `bytes` bytes for `kind`. */
  acquire(bytes: number, kind: BufferKind, label?: string): GPUBuffer {
    let size = sizeClass(bytes);
    if (size > this.maxBufferSize) size = Math.max(16, Math.ceil(bytes / 4) * 4);
    if (size > this.maxBufferSize) throw new RangeError(`buffer of ${bytes} bytes exceeds the device limit of ${this.maxBufferSize}`);
    const list = this.free.get(`${kind}:${size}`);
    const reused = list?.pop();
    this.counters.liveBytes += size;
    if (reused) {
      this.counters.reused++;
      this.counters.pooledBytes -= size;
      if (label !== undefined) reused.label = label;
      return reused;
    }
    this.counters.created++;
    const buffer = this.device.createBuffer({ size, usage: usageOf(kind), ...(label === undefined ? {} : { label }) });
    this.kindOf.set(buffer, kind);
    return buffer;
  }

  /** Returns a buffer to its free list (or destroys it when the pool is full). */
  release(buffer: GPUBuffer): void {
    const kind = this.kindOf.get(buffer);
    if (kind === undefined) throw new Error("BufferPool.release: buffer was not acquired from this pool");
    this.counters.liveBytes -= buffer.size;
    if (this.counters.pooledBytes + buffer.size > this.maxPooledBytes) {
      buffer.destroy();
      return;
    }
    const key = `${kind}:${buffer.size}`;
    let list = this.free.get(key);
    if (!list) this.free.set(key, (list = []));
    list.push(buffer);
    this.counters.pooledBytes += buffer.size;
  }

  /** Destroys every pooled buffer (live ones stay with their owners). */
  trim(): void {
    for (const list of this.free.values()) for (const b of list) b.destroy();
    this.free.clear();
    this.counters.pooledBytes = 0;
  }

  get stats(): BufferPoolStats {
    return { ...this.counters };
  }
}
