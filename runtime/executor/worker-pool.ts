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
  /** Jobs posted to `worker` and not yet answered. */
  busy: number;
  /** `worker` exited while the pool was open; the next run() that picks this slot respawns it. */
  dead: boolean;
  /** crashOne() terminated `worker`: answers still on their way are dropped, as in a real crash. */
  crashing: boolean;
}

export class WorkerTaskError extends SluiceError {}

/**
 * A worker that exits while the pool is open (a crash, `process.exit` in user code, an OOM, or
 * crashOne()) fails the jobs it held with "worker thread exited with code N". Its slot is not
 * left in the rotation as is — a message posted to an exited worker is silently dropped, so the
 * next job routed there would never settle — and not removed either: the pool is shared by the
 * restarted operators of a recovering run, and shrinking it on every crash would leave a
 * one-thread pool with no threads. The dead slot gets a fresh worker when run() next picks it.
 * Respawning lazily rather than on `exit` means an entry that dies at start-up fails one job per
 * run() instead of spinning.
 */
export class WorkerPool {
  private readonly slots: Slot[] = [];
  private readonly pending = new Map<number, Job & { worker: Worker }>();
  private readonly entry: URL;
  private nextId = 1;
  private closed = false;

  constructor(opts: WorkerPoolOptions = {}) {
    const size = Math.max(1, opts.size ?? availableParallelism() - 1);
    this.entry = opts.entry ?? new URL("./worker-entry.js", import.meta.url);
    for (let i = 0; i < size; i++) this.slots.push(this.start());
  }

  /** A fresh worker thread, in `slot` (a dead one) or in a new slot. */
  private start(reuse?: Slot): Slot {
    const worker = new Worker(this.entry);
    const slot: Slot = Object.assign(reuse ?? {}, { worker, busy: 0, dead: false, crashing: false });
    const current = () => slot.worker === worker;
    worker.on("message", (m: { id: number; ok: boolean; batch?: TransferableBatch; error?: string; step?: string }) => {
      // After crashOne() the answer is lost with the thread; the job rejects on `exit`.
      if (current() && slot.crashing) return;
      const job = this.pending.get(m.id);
      if (!job) return;
      this.pending.delete(m.id);
      if (current()) slot.busy--;
      if (m.ok) job.resolve(unpackBatch(m.batch!));
      else job.reject(new WorkerTaskError(m.error ?? "worker task failed"));
    });
    worker.on("error", (err) => this.failWorker(worker, err));
    worker.on("exit", (code) => {
      if (this.closed) return;
      this.failWorker(worker, new WorkerTaskError(`worker thread exited with code ${code}${slot.crashing ? " (crashed on purpose: failure injection)" : ""}`));
      if (current()) {
        slot.dead = true;
        slot.busy = 0;
      }
    });
    worker.unref();
    return slot;
  }

  get size(): number {
    return this.slots.length;
  }

  private failWorker(worker: Worker, err: unknown): void {
    for (const [id, job] of this.pending) {
      if (job.worker !== worker) continue;
      this.pending.delete(id);
      job.reject(err instanceof WorkerTaskError ? err : err instanceof Error ? new WorkerTaskError(`worker crashed: ${err.message}`, { cause: err }) : err);
    }
  }

  /**
   * Runs `batch` through the processor on the least busy worker. The batch's buffers move to the
   * worker: the caller must not use `batch` afterwards.
   */
  run(processor: ProcessorSpec, batch: Batch): Promise<Batch> {
    if (this.closed) return Promise.reject(new WorkerTaskError("worker pool is closed"));
    const slot = this.slots.reduce((a, b) => (b.busy < a.busy ? b : a));
    if (slot.dead) this.start(slot);
    const worker = slot.worker;
    const id = this.nextId++;
    const { message, transfer } = packBatch(batch);
    return new Promise<Batch>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, worker });
      slot.busy++;
      worker.postMessage({ id, processor, batch: message }, transfer);
    });
  }

  /**
   * Failure injection: terminates one worker thread abruptly, as a native crash would. It takes
   * the busiest live worker, or, when none is busy, the one the next run() picks, so that job
   * fails. Its jobs — those in flight, and any posted before the thread is gone — reject with
   * "worker thread exited"; the slot gets a fresh worker afterwards (see the class comment).
   */
  crashOne(): void {
    if (this.closed) return;
    for (const s of this.slots) if (s.dead) this.start(s);
    const candidates = this.slots.filter((s) => !s.crashing);
    if (candidates.length === 0) return;
    const busiest = candidates.reduce((a, b) => (b.busy > a.busy ? b : a));
    // None busy: the slot run() picks next (ties go to the first, as there).
    const slot = busiest.busy > 0 ? busiest : this.slots.reduce((a, b) => (b.busy < a.busy ? b : a));
    // Already going down: the next job goes there and fails all the same.
    if (slot.crashing) return;
    slot.crashing = true;
    void slot.worker.terminate();
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
