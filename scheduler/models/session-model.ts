/**
 * `ModelRuntime` over any `ModelSession`: the lifecycle (`loading → warming → ready → draining →
 * closed`), in-flight accounting for drain, feed checks and dtype conversion. Backends only open
 * sessions; everything a caller can observe lives here, once.
 */

import { sizeOf, type Tensor } from "../../kernels/tensor.js";
import { ModelFeedError, ModelLoadError, ModelRunError, ModelSessionError, ModelStateError } from "./model-errors.js";
import type { ModelBackendName, ModelIO, ModelRuntime, ModelState, WarmUpOptions, WarmUpRun } from "./model-runtime.js";
import { dimsToString, type ModelSession, type SessionValueInfo } from "./model-session.js";
import { fromRawOutput, inputDtypeFor, outputDtypeFor, toRawFeed, type RawTensor } from "./onnx-dtypes.js";
import { warmUpFeeds } from "./warm-up-feeds.js";

export interface SessionModelInfo {
  name: string;
  backend: ModelBackendName;
  threads: number;
}

const REFUSAL: Record<ModelState, string> = {
  loading: "not ready yet; calls are taken once loading and warm-up finish",
  warming: "warming up; calls are taken once it is ready",
  ready: "",
  draining: "draining; it takes no new calls",
  closed: "closed; it takes no calls",
};

/**
 * Wraps an open session. Starts in `loading`; `warmUp` (or `markReady`) moves it to `ready`.
 * Throws `ModelLoadError` when an input or output has a type sluice cannot represent.
 */
export class SessionModel implements ModelRuntime {
  readonly name: string;
  readonly backend: ModelBackendName;
  readonly threads: number;
  readonly inputs: readonly ModelIO[];
  readonly outputs: readonly ModelIO[];

  readonly #session: ModelSession;
  readonly #inputsByName: ReadonlyMap<string, ModelIO>;
  #state: ModelState = "loading";
  #inFlight = 0;
  #idleWaiters: (() => void)[] = [];
  #listeners = new Set<(state: ModelState) => void>();
  #closing: Promise<void> | undefined;

  constructor(session: ModelSession, info: SessionModelInfo) {
    this.#session = session;
    this.name = info.name;
    this.backend = info.backend;
    this.threads = info.threads;
    this.inputs = session.inputMetadata.map((v) => this.#io(v, "input"));
    this.outputs = session.outputMetadata.map((v) => this.#io(v, "output"));
    this.#inputsByName = new Map(this.inputs.map((i) => [i.name, i]));
  }

  get state(): ModelState {
    return this.#state;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  onStateChange(listener: (state: ModelState) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  run(feeds: Readonly<Record<string, Tensor>>): Promise<Record<string, Tensor>> {
    // Not async: one promise layer less per call on the hot path.
    if (this.#state !== "ready") return Promise.reject(new ModelStateError(this.name, this.#state, REFUSAL[this.#state]));
    return this.#exec(feeds);
  }

  /** Moves a freshly loaded model straight to `ready`, without warm-up. */
  markReady(): void {
    if (this.#state !== "loading") throw new ModelStateError(this.name, this.#state, "only a loading model can be marked ready");
    this.#setState("ready");
  }

  async warmUp(batchSizes: readonly number[], opts: WarmUpOptions = {}): Promise<WarmUpRun[]> {
    const from = this.#state;
    if (from !== "loading" && from !== "ready") throw new ModelStateError(this.name, from, "only a loading or ready model can warm up");
    for (const b of batchSizes) {
      if (!Number.isInteger(b) || b < 1) throw new ModelFeedError(this.name, `warm-up batch size must be a positive integer, got ${b}`);
    }
    this.#setState("warming");
    const runs: WarmUpRun[] = [];
    try {
      for (const batchSize of batchSizes) {
        // drain() may arrive mid warm-up: stop at the next run and leave the model draining.
        if (this.#state !== "warming") throw new ModelStateError(this.name, this.#state, "warm-up stopped");
        const feeds = warmUpFeeds(this.inputs, batchSize, opts.dims);
        const t0 = performance.now();
        await this.#exec(feeds);
        const shapes: Record<string, readonly number[]> = {};
        for (const [k, t] of Object.entries(feeds)) shapes[k] = t.shape;
        runs.push({ batchSize, shapes, ms: performance.now() - t0 });
      }
    } catch (e) {
      if (this.#state === "warming") this.#setState(from);
      throw e;
    }
    if (this.#state !== "warming") throw new ModelStateError(this.name, this.#state, "warm-up stopped");
    this.#setState("ready");
    return runs;
  }

  async drain(): Promise<void> {
    if (this.#state === "closed") return;
    if (this.#state !== "draining") this.#setState("draining");
    if (this.#inFlight === 0) return;
    await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.drain();
      try {
        await this.#session.release();
      } catch (cause) {
        throw new ModelRunError(this.name, "releasing the session failed", { cause });
      } finally {
        this.#setState("closed");
      }
    })();
    return this.#closing;
  }

  /**
   * Runs regardless of state: `run` checks the state, warm-up bypasses it. Promise handlers
   * instead of an async function: one allocation-heavy async frame less per call on the hot path.
   */
  #exec(feeds: Readonly<Record<string, Tensor>>): Promise<Record<string, Tensor>> {
    let raw: Record<string, RawTensor>;
    try {
      raw = this.#toRaw(feeds);
    } catch (e) {
      return Promise.reject(e);
    }
    this.#inFlight++;
    let pending: Promise<Record<string, RawTensor>>;
    try {
      pending = this.#session.run(raw);
    } catch (cause) {
      pending = Promise.reject(cause);
    }
    return pending.then(this.#succeeded, this.#failed);
  }

  readonly #succeeded = (out: Record<string, RawTensor>): Record<string, Tensor> => {
    this.#callDone();
    const result: Record<string, Tensor> = {};
    for (const k in out) {
      try {
        result[k] = fromRawOutput(out[k]!);
      } catch (cause) {
        throw new ModelRunError(this.name, `output '${k}': ${messageOf(cause)}`, { cause });
      }
    }
    return result;
  };

  readonly #failed = (cause: unknown): never => {
    this.#callDone();
    if (cause instanceof ModelSessionError) throw cause;
    throw new ModelRunError(this.name, `run failed: ${messageOf(cause)}`, { cause });
  };

  #callDone(): void {
    if (--this.#inFlight === 0) {
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  #toRaw(feeds: Readonly<Record<string, Tensor>>): Record<string, RawTensor> {
    for (const k in feeds) {
      if (!this.#inputsByName.has(k)) {
        throw new ModelFeedError(this.name, `unknown input '${k}'; the model's inputs are ${this.inputs.map((i) => `'${i.name}'`).join(", ")}`);
      }
    }
    const raw: Record<string, RawTensor> = {};
    for (const io of this.inputs) {
      const t = feeds[io.name];
      if (t === undefined) throw new ModelFeedError(this.name, `missing input '${io.name}'`);
      if (t.dtype !== io.dtype) {
        throw new ModelFeedError(this.name, `input '${io.name}': expected dtype ${io.dtype} (model type ${io.onnxType}), got ${t.dtype}`);
      }
      if (io.shape.length > 0 && !shapeFits(io.shape, t.shape)) {
        throw new ModelFeedError(this.name, `input '${io.name}': expected shape ${dimsToString(io.shape)}, got [${t.shape.join(",")}]`);
      }
      if (t.data.length !== sizeOf(t.shape)) {
        throw new ModelFeedError(this.name, `input '${io.name}': ${t.data.length} elements for shape [${t.shape.join(",")}]`);
      }
      raw[io.name] = toRawFeed(t, io.onnxType);
    }
    return raw;
  }

  #io(v: SessionValueInfo, kind: "input" | "output"): ModelIO {
    const dtype = kind === "input" ? inputDtypeFor(v.type) : outputDtypeFor(v.type);
    if (dtype === undefined) throw new ModelLoadError(this.name, `${kind} '${v.name}' has element type ${v.type}, which sluice cannot ${kind === "input" ? "feed" : "read"}`);
    return { name: v.name, dtype, onnxType: v.type, shape: [...v.shape] };
  }

  #setState(state: ModelState): void {
    if (state === this.#state) return;
    this.#state = state;
    for (const l of [...this.#listeners]) {
      try {
        l(state);
      } catch (e) {
        // A broken listener must not wedge the lifecycle; surface it outside this call stack.
        queueMicrotask(() => {
          throw e;
        });
      }
    }
  }
}

function shapeFits(expected: readonly (number | string | null)[], actual: readonly number[]): boolean {
  if (expected.length !== actual.length) return false;
  for (let i = 0; i < expected.length; i++) {
    const d = expected[i];
    if (typeof d === "number" && d !== actual[i]) return false;
  }
  return true;
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
