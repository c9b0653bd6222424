/**
 * CPU-heavy batch work on worker threads. A worker loads a *processor module* — any ES module
 * exporting `createProcessor(options) → (batch) → batch | Promise<batch>` — once per
 * (module, options) and then runs batches through it. Batches cross threads by moving their
 * Arrow buffers (batch-transfer.ts), so the pool adds no copies on the hot path.
 *
 * Worker code must be plain JS: in Node the pool runs the compiled `dist/` files.
 */

import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { SluiceError } from "../../kernels/errors.js";
import type { Batch, Json } from "../api/stream.js";
import { packBatch, unpackBatch, type TransferableBatch } from "./batch-transfer.js";

/** What a worker needs to build a processor: a module URL and JSON options. */
export interface ProcessorSpec {
  module: string;
  options: Json;
  /** Call this export on each batch instead of building a processor with `createProcessor`. */
  export?: string;
}

export interface WorkerPoolOptions {
  /** Threads. Default: available cores − 1 (the main thread runs I/O and inference), at least 1. */
  size?: number;
  /** The worker entry script (compiled). Default: worker-entry.js next to this module. */
  entry?: URL;
}

interface Job {
  resolve: (b: Batch) => void;
  reject: (e: unknown) => void;
}

interface Slot {
  worker: Worker;
  busy: number;
}

export class WorkerTaskError extends SluiceError {}

export class WorkerPool {
  private readonly slots: Slot[] = [];
  private readonly pending = new Map<number, Job & { slot: Slot }>();
  private nextId = 1;
  private closed = false;

  constructor(opts: WorkerPoolOptions = {}) {
    const size = Math.max(1, opts.size ?? availableParallelism() - 1);
    const entry = opts.entry ?? new URL("./worker-entry.js", import.meta.url);
    for (let i = 0; i < size; i++) {
      const worker = new Worker(entry);
      const slot: Slot = { worker, busy: 0 };
      worker.on("message", (m: { id: number; ok: boolean; batch?: TransferableBatch; error?: string; step?: string }) => {
        const job = this.pending.get(m.id);
        if (!job) return;
        this.pending.delete(m.id);
        slot.busy--;
        if (m.ok) job.resolve(unpackBatch(m.batch!));
        else job.reject(new WorkerTaskError(m.error ?? "worker task failed"));
      });
      worker.on("error", (err) => this.failSlot(slot, err));
      worker.on("exit", (code) => {
        if (!this.closed) this.failSlot(slot, new WorkerTaskError(`worker thread exited with code ${code}`));
      });
      worker.unref();
      this.slots.push(slot);
    }
  }

  get size(): number {
    return this.slots.length;
  }

  private failSlot(slot: Slot, err: unknown): void {
    for (const [id, job] of this.pending) {
      if (job.slot !== slot) continue;
      this.pending.delete(id);
      job.reject(err instanceof Error ? new WorkerTaskError(`worker crashed: ${err.message}`, { cause: err }) : err);
    }
  }

  /**
   * Runs `batch` through the processor on the least busy worker. The batch's buffers move to the
   * worker: the caller must not use `batch` afterwards.
   */
  run(processor: ProcessorSpec, batch: Batch): Promise<Batch> {
    if (this.closed) return Promise.reject(new WorkerTaskError("worker pool is closed"));
    const slot = this.slots.reduce((a, b) => (b.busy < a.busy ? b : a));
    const id = this.nextId++;
    const { message, transfer } = packBatch(batch);
    return new Promise<Batch>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, slot });
      slot.busy++;
      slot.worker.postMessage({ id, processor, batch: message }, transfer);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const [id, job] of this.pending) {
      this.pending.delete(id);
      job.reject(new WorkerTaskError("worker pool closed while a task was running"));
    }
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
