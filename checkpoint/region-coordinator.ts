/**
 * The checkpoint coordinator of one pipeline region. Every `interval` it asks the region's task
 * for a barrier (one checkpoint at a time: the next is asked for only once the previous one is
 * committed), takes the task's snapshot, writes it to the region's `StateStore`, and then runs
 * the commit (the sink's or region log's second phase, dead letters, log truncation). A
 * checkpoint whose barrier does not get through within `timeout`, or whose write or commit
 * fails, fails the region: its sealed output would otherwise never be committed.
 */

import type { BarrierControl, BarrierRequest, TaskSnapshot } from "../runtime/executor/barrier-control.js";
import type { Json } from "../runtime/api/stream.js";
import { CheckpointError } from "./checkpoint-error.js";
import type { CheckpointInfo, CheckpointPart, LoadedCheckpoint, StateStore } from "./state-store.js";

export interface RegionCoordinatorOptions {
  store: StateStore;
  pipeline: string;
  region: string;
  planFingerprint: string;
  intervalMs: number;
  unaligned: boolean;
  /** A barrier not taken within this long fails the region. */
  timeoutMs: number;
  /** The first id to use (the store's `nextId()`). */
  firstId: number;
  /** Second phase, after the checkpoint is durable: publish output, truncate logs. */
  commit(snapshot: TaskSnapshot, info: CheckpointInfo): Promise<void>;
  /** The region must fail (timeout, write or commit error). */
  fail(err: Error): void;
}

/** Timing of one completed checkpoint, ms. */
export interface CheckpointTiming {
  id: number;
  /** Request → barrier injected (waiting for the batch in progress). */
  alignMs: number;
  /** Request → snapshot handed over (operators and output sealed). */
  snapshotMs: number;
  /** Request → written and committed. */
  totalMs: number;
  bytes: number;
  final: boolean;
}

/** The parts a region checkpoint holds, by name. */
export const PART = {
  meta: "meta",
  position: "position",
  committable: "committable",
  deadLetters: "dead-letters",
  operator: (step: string) => `op:${step}`,
};

export class RegionCoordinator implements BarrierControl {
  readonly unaligned: boolean;
  readonly completed: CheckpointTiming[] = [];
  private nextId: number;
  private request: BarrierRequest | undefined;
  private wake: { promise: Promise<void>; resolve: () => void } | undefined;
  private inFlight: Promise<void> | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private timeout: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;
  /** Extra parts the region adds to every checkpoint (dead-letter committables). */
  extraParts: (snapshot: TaskSnapshot) => Promise<Record<string, CheckpointPart>> = async () => ({});

  constructor(private readonly opts: RegionCoordinatorOptions) {
    this.unaligned = opts.unaligned;
    this.nextId = opts.firstId;
  }

  /** Starts asking for barriers every interval. */
  start(): void {
    this.timer = setInterval(() => this.trigger(), this.opts.intervalMs);
    this.timer.unref?.();
  }

  /** Asks for a checkpoint now, unless one is pending or in progress. Returns its id, if asked. */
  trigger(): number | undefined {
    if (this.stopped || this.request || this.inFlight) return undefined;
    const id = this.nextId++;
    this.request = { checkpointId: id, unaligned: this.unaligned, requestedAt: performance.now() };
    this.timeout = setTimeout(() => {
      this.opts.fail(
        new CheckpointError(
          `checkpoint ${id} of region '${this.opts.region}' timed out: its barrier did not get through in ${this.opts.timeoutMs} ms (an operator is stuck, or a batch takes longer than checkpoint.timeout)`,
        ),
      );
    }, this.opts.timeoutMs);
    this.timeout.unref?.();
    this.wake?.resolve();
    return id;
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.timeout);
  }

  /**
   * Waits for a checkpoint still being written or committed. A failed attempt's last snapshot
   * was taken before the failure, so it may still complete; the next attempt (or process) must
   * not read the store while it does.
   */
  async settle(): Promise<void> {
    while (this.inFlight) await this.inFlight;
  }

  pending(): BarrierRequest | undefined {
    return this.request;
  }

  requested(): Promise<void> {
    if (this.request) return Promise.resolve();
    if (!this.wake) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.wake = { promise, resolve: () => ((this.wake = undefined), resolve()) };
    }
    return this.wake.promise;
  }

  async finalBarrier(): Promise<BarrierRequest> {
    clearInterval(this.timer);
    // A checkpoint in progress completes first; a pending request becomes the final one.
    while (this.inFlight) await this.inFlight;
    clearTimeout(this.timeout);
    const req = this.request ?? { checkpointId: this.nextId++, unaligned: this.unaligned, requestedAt: performance.now() };
    this.request = undefined;
    return req;
  }

  async taken(snapshot: TaskSnapshot): Promise<void> {
    const req = this.request;
    this.request = undefined;
    clearTimeout(this.timeout);
    const requestedAt = req?.checkpointId === snapshot.checkpointId ? req.requestedAt : snapshot.injectedAt;
    // Dead letters are sealed now, while the task waits: letters written after the barrier belong
    // to the next checkpoint. `inFlight` is set first, so no timer tick starts a second one.
    const sealed = this.extraParts(snapshot);
    const done = sealed.then((extra) => this.complete(snapshot, requestedAt, extra));
    if (snapshot.final) return done;
    this.inFlight = done.then(
      () => {
        this.inFlight = undefined;
      },
      (err: unknown) => {
        this.inFlight = undefined;
        this.opts.fail(err instanceof Error ? err : new CheckpointError(String(err)));
      },
    );
    await sealed;
  }

  private async complete(s: TaskSnapshot, requestedAt: number, extra: Record<string, CheckpointPart>): Promise<void> {
    const snapshotAt = performance.now();
    const parts: Record<string, CheckpointPart> = {
      [PART.meta]: { final: s.final, rowsRead: s.rowsRead, region: this.opts.region },
      [PART.position]: s.position ?? null,
      [PART.committable]: s.committable,
      ...extra,
    };
    for (const [step, state] of Object.entries(s.operators)) parts[PART.operator(step)] = state as Json;
    let info: CheckpointInfo;
    try {
      info = await this.opts.store.write({ id: s.checkpointId, createdAt: Date.now(), pipeline: this.opts.pipeline, planFingerprint: this.opts.planFingerprint, parts });
    } catch (err) {
      throw err instanceof CheckpointError ? err : new CheckpointError(`region '${this.opts.region}': checkpoint ${s.checkpointId} could not be written: ${(err as Error).message}`, { cause: err });
    }
    await this.opts.commit(s, info);
    this.completed.push({
      id: s.checkpointId,
      alignMs: s.injectedAt - requestedAt,
      snapshotMs: snapshotAt - requestedAt,
      totalMs: performance.now() - requestedAt,
      bytes: info.bytes,
      final: s.final,
    });
  }
}

/** What a region restores from its latest checkpoint. */
export interface RegionRestore {
  id: number;
  final: boolean;
  position: Json | undefined;
  committable: Json;
  deadLetters: Json;
  operators: Record<string, Json>;
  rowsRead: number;
}

/** Reads a region checkpoint's parts back, refusing one that lacks what every checkpoint has. */
export function regionRestore(cp: LoadedCheckpoint): RegionRestore {
  const json = (name: string): Json => {
    const v = cp.parts[name];
    if (v instanceof Uint8Array) throw new CheckpointError(`checkpoint ${cp.id} (${cp.location}): part '${name}' is binary, expected JSON`);
    return v ?? null;
  };
  const meta = json(PART.meta);
  if (meta === null || typeof meta !== "object" || Array.isArray(meta) || typeof meta["final"] !== "boolean") {
    throw new CheckpointError(`checkpoint ${cp.id} (${cp.location}) is not a region checkpoint: its 'meta' part is missing or malformed`);
  }
  const operators: Record<string, Json> = {};
  for (const name of Object.keys(cp.parts)) if (name.startsWith("op:")) operators[name.slice(3)] = json(name);
  const position = json(PART.position);
  return {
    id: cp.id,
    final: meta["final"],
    position: position === null ? undefined : position,
    committable: json(PART.committable),
    deadLetters: json(PART.deadLetters),
    operators,
    rowsRead: typeof meta["rowsRead"] === "number" ? meta["rowsRead"] : 0,
  };
}
