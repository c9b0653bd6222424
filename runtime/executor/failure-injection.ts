/**
 * Failure injection, for chaos tests of checkpoint recovery: a chosen operator (plan step)
 * throws, hangs or crashes its worker at a chosen batch or at random (seeded), a set number of
 * times per process. Specs come from the spec file's `failures:` key (plan.options.failures),
 * from `SLUICE_FAIL` (failuresFromEnv) or from code; `new FailureInjector(specs).wrap(op)` puts
 * them around the operators that run.
 *
 * Batches are counted per step over the injector's lifetime, not per operator instance: a
 * region restarted from a checkpoint gets fresh operators, and when they are wrapped by the same
 * injector the count goes on (4, 5, … after a failure at batch 3, replayed batches included), so
 * a failure that fired once does not fire again on the replay unless `times` says so.
 */

import { writeSync } from "node:fs";
import type { Schema } from "apache-arrow";
import { SluiceError } from "../../kernels/errors.js";
import { uniform } from "../../scheduler/models/seeded-random.js";
import type { Batch } from "../api/stream.js";
import { Operator, type OperatorContext, type OperatorState } from "./operator.js";

export const FAILURE_KINDS = ["throw", "hang", "crash"] as const;
export type FailureKind = (typeof FAILURE_KINDS)[number];

export interface FailureSpec {
  /** The plan step (operator) to fail. */
  step: string;
  /**
   * `throw`: processBatch rejects with InjectedFailure. `hang`: processBatch never settles until
   * the job's signal aborts, then rejects with InjectedFailure. `crash`: an operator with
   * `crashWorker()` (worker threads) loses a worker thread; any other kills the process (SIGKILL).
   */
  kind: FailureKind;
  /**
   * `{ batch: N }`: the step's N-th batch (1-based; with `times` > 1 again every N batches
   * after: N, 2N, …). `{ probability: p }`: each batch with probability p, from a PRNG seeded
   * with `seed` (and the step), so a run is reproducible.
   */
  at: { batch: number } | { probability: number };
  /** How many times it fires in this process. Default 1. */
  times?: number;
  /** PRNG seed for `probability`. Default: the injector's seed, else 1. */
  seed?: number;
}

/** One failure that fired: the step, what it did, and the step's batch number (1-based). */
export interface FiredFailure {
  step: string;
  kind: FailureKind;
  batch: number;
}

/** What an injected `throw` (or a released `hang`) fails with. Retriable: recovery should retry. */
export class InjectedFailure extends SluiceError {
  readonly kind: FailureKind;
  readonly batch: number;

  constructor(step: string, kind: FailureKind, batch: number, detail?: string) {
    super(`step '${step}': injected failure (${kind}) at batch ${batch}${detail ? `: ${detail}` : ""}`, { step, retriable: true });
    this.kind = kind;
    this.batch = batch;
  }
}

const DEFAULT_SEED = 1;

/** One spec's firing state. */
interface Trigger {
  spec: FailureSpec;
  remaining: number;
  /** `{ batch }` specs: the batch number that fires next. */
  nextBatch?: number;
  /** `{ probability }` specs: the seeded PRNG, drawn once per batch. */
  random?: () => number;
}

export class FailureInjector {
  /** Every failure fired so far, in order (a SIGKILL crash is the last thing the process does). */
  readonly fired: FiredFailure[] = [];
  private readonly triggers = new Map<string, Trigger[]>();
  private readonly batches = new Map<string, number>();

  constructor(specs: readonly FailureSpec[], opts: { seed?: number } = {}) {
    const checked = parseFailureSpecs(specs, "FailureInjector specs");
    if (opts.seed !== undefined && !Number.isSafeInteger(opts.seed)) throw new SluiceError(`FailureInjector: 'seed' must be an integer; got ${opts.seed}`);
    checked.forEach((spec, i) => {
      const t: Trigger = { spec, remaining: spec.times ?? 1 };
      if ("batch" in spec.at) t.nextBatch = spec.at.batch;
      // The step and the spec's position go into the seed, so two steps (or two specs of one
      // step) under one seed do not fire on the same batch numbers.
      else t.random = uniform(hash32(`${spec.seed ?? opts.seed ?? DEFAULT_SEED}|${spec.step}|${i}`));
      const list = this.triggers.get(spec.step) ?? [];
      list.push(t);
      this.triggers.set(spec.step, list);
    });
  }

  /** The steps some spec names. */
  get steps(): string[] {
    return [...this.triggers.keys()];
  }

  /** `op` itself when no spec names its step; else an operator that fails as specified. */
  wrap(op: Operator): Operator {
    return this.triggers.has(op.step) ? new FailingOperator(op, this) : op;
  }

  /**
   * Counts one batch of `step` and says which failure, if any, to inject on it (recorded in
   * `fired`). Called by the wrapped operators; public for harnesses that fail by hand.
   * When two specs of a step fire on one batch the first listed wins; a `{ batch }` one that
   * lost fires on the next batch instead.
   */
  countBatch(step: string): FiredFailure | undefined {
    const n = (this.batches.get(step) ?? 0) + 1;
    this.batches.set(step, n);
    let hit: Trigger | undefined;
    for (const t of this.triggers.get(step) ?? []) {
      if (t.remaining <= 0) continue;
      // Every live PRNG draws once per batch, fired or not, so a draw never depends on the others.
      const fires = t.random ? t.random() < (t.spec.at as { probability: number }).probability : n === t.nextBatch;
      if (!fires) continue;
      if (!hit) hit = t;
      else if (t.nextBatch !== undefined) t.nextBatch = n + 1;
    }
    if (!hit) return undefined;
    hit.remaining--;
    if (hit.nextBatch !== undefined) hit.nextBatch += (hit.spec.at as { batch: number }).batch;
    const fired = { step, kind: hit.spec.kind, batch: n };
    this.fired.push(fired);
    return fired;
  }

  /** Batches of `step` counted so far. */
  batchesSeen(step: string): number {
    return this.batches.get(step) ?? 0;
  }
}

/** FNV-1a, for seeding from text. */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Delegates every hook to `inner`; processBatch first asks the injector whether to fail. */
class FailingOperator extends Operator {
  readonly step: string;

  constructor(
    readonly inner: Operator,
    private readonly injector: FailureInjector,
  ) {
    super();
    this.step = inner.step;
  }

  override outputSchema(input: Schema): Schema {
    return this.inner.outputSchema(input);
  }

  override open(ctx: OperatorContext): Promise<void> | void {
    return this.inner.open(ctx);
  }

  processBatch(batch: Batch, ctx: OperatorContext): Promise<void> | void {
    const fire = this.injector.countBatch(this.step);
    if (!fire) return this.inner.processBatch(batch, ctx);
    switch (fire.kind) {
      case "throw":
        return Promise.reject(new InjectedFailure(this.step, "throw", fire.batch));
      case "hang":
        return hang(ctx.signal, () => new InjectedFailure(this.step, "hang", fire.batch, "released when the job was cancelled"));
      case "crash": {
        const crashable = this.inner as Operator & { crashWorker?: unknown };
        if (typeof crashable.crashWorker === "function") {
          (crashable.crashWorker as () => void).call(crashable);
          return this.inner.processBatch(batch, ctx);
        }
        try {
          writeSync(2, `sluice: injected crash at step '${this.step}', batch ${fire.batch}: killing process ${process.pid} (SIGKILL)\n`);
        } catch {
          // Nothing to report to: crash all the same.
        }
        process.kill(process.pid, "SIGKILL");
        // SIGKILL is not delivered synchronously everywhere; never go on processing meanwhile.
        return hang(ctx.signal, () => new InjectedFailure(this.step, "crash", fire.batch));
      }
    }
  }

  override snapshot(checkpointId: number, ctx: OperatorContext): Promise<OperatorState> | OperatorState {
    return this.inner.snapshot(checkpointId, ctx);
  }

  override checkpointCompleted(checkpointId: number): Promise<void> | void {
    return this.inner.checkpointCompleted(checkpointId);
  }

  override restore(state: OperatorState): Promise<void> | void {
    return this.inner.restore(state);
  }

  override endOfInput(ctx: OperatorContext): Promise<void> | void {
    return this.inner.endOfInput(ctx);
  }

  override close(): Promise<void> | void {
    return this.inner.close();
  }
}

/**
 * A promise that settles only when `signal` aborts, rejecting with `error()`. It holds a timer
 * meanwhile so the process stays up, as it would for a call that is really stuck.
 */
function hang(signal: AbortSignal, error: () => Error): Promise<never> {
  return new Promise<never>((_resolve, reject) => {
    if (signal.aborted) return reject(error());
    const keepAlive = setInterval(() => {}, 1 << 30);
    signal.addEventListener(
      "abort",
      () => {
        clearInterval(keepAlive);
        reject(error());
      },
      { once: true },
    );
  });
}

// ---------------------------------------------------------------------------------------------
// Parsing: SLUICE_FAIL, JSON-like values (spec files), and the step-name check.

const ENV = "SLUICE_FAIL";
const ENV_FORMAT =
  "entries separated by ',' or ';': step:kind@BATCH or step:kind@p=PROBABILITY, optionally followed by xTIMES, kind one of throw | hang | crash, and an optional seed=N (e.g. resize:throw@3, infer:hang@p=0.05, udf:crash@7x2, seed=42)";

/**
 * The failures in `SLUICE_FAIL` (none when unset or empty). A `seed=N` entry seeds every
 * probability entry. @throws SluiceError naming SLUICE_FAIL and the bad entry.
 */
export function failuresFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): FailureSpec[] {
  const value = env[ENV];
  if (value === undefined || value.trim() === "") return [];
  const specs: FailureSpec[] = [];
  let seed: number | undefined;
  for (const raw of value.split(/[,;]/)) {
    const entry = raw.trim();
    if (entry === "") continue;
    const bad = (why: string) => new SluiceError(`${ENV}: bad entry '${entry}': ${why} (${ENV_FORMAT})`);
    const seedText = /^seed\s*=\s*(.*)$/.exec(entry)?.[1];
    if (seedText !== undefined) {
      if (!/^-?\d+$/.test(seedText) || !Number.isSafeInteger(Number(seedText))) throw bad(`the seed must be an integer; got '${seedText}'`);
      if (seed !== undefined) throw bad("seed is given twice");
      seed = Number(seedText);
      continue;
    }
    const atSign = entry.lastIndexOf("@");
    if (atSign < 0) throw bad("no '@' (when to fail)");
    const head = entry.slice(0, atSign);
    const colon = head.lastIndexOf(":");
    if (colon < 0) throw bad("no ':' between the step and the kind");
    const step = head.slice(0, colon).trim();
    const kind = head.slice(colon + 1).trim();
    if (step === "") throw bad("the step name is empty");
    if (!isKind(kind)) throw bad(`the kind must be one of ${FAILURE_KINDS.join(" | ")}; got '${kind}'`);
    const [when = "", timesText, ...extra] = entry.slice(atSign + 1).trim().split("x");
    if (extra.length) throw bad("more than one 'x'");
    let at: FailureSpec["at"];
    if (when.startsWith("p=")) {
      const p = when.slice(2).trim();
      if (!/^(\d+\.?\d*|\.\d+)(e-?\d+)?$/i.test(p) || !(Number(p) > 0 && Number(p) <= 1)) throw bad(`the probability must be a number in (0, 1]; got '${p}'`);
      at = { probability: Number(p) };
    } else {
      if (!/^\d+$/.test(when) || Number(when) < 1) throw bad(`the batch must be a positive integer (or p=PROBABILITY); got '${when}'`);
      at = { batch: Number(when) };
    }
    const spec: FailureSpec = { step, kind, at };
    if (timesText !== undefined) {
      if (!/^\d+$/.test(timesText) || Number(timesText) < 1) throw bad(`the count after 'x' must be a positive integer; got '${timesText}'`);
      spec.times = Number(timesText);
    }
    specs.push(spec);
  }
  if (seed !== undefined) for (const s of specs) s.seed = seed;
  return specs;
}

/** Where a problem is inside the failures value: item index, then keys. */
export type FailurePath = readonly (number | string)[];

/**
 * Checks and normalises a JSON-like failures value: a list of `{ step, kind, at, times?, seed? }`
 * where `at` is a batch number, `"p=0.1"`, `{ batch }` or `{ probability }`. Each problem goes to
 * `fail` with where it is (e.g. `[1, "at"]`), which throws; spec files use this to point at the
 * line, parseFailureSpecs to name the value.
 */
export function readFailureSpecs(value: unknown, fail: (path: FailurePath, problem: string) => never): FailureSpec[] {
  if (!Array.isArray(value)) return fail([], `must be a list of failures ({ step, kind, at, times?, seed? }); got ${describe(value)}`);
  return value.map((item: unknown, i): FailureSpec => {
    if (typeof item !== "object" || item === null || Array.isArray(item)) {
      return fail([i], `must be a failure { step, kind, at, times?, seed? }; got ${describe(item)}`);
    }
    const o = item as Record<string, unknown>;
    for (const key of Object.keys(o)) {
      if (!["step", "kind", "at", "times", "seed"].includes(key)) fail([i, key], `is not a failure key (known: step, kind, at, times, seed)`);
    }
    for (const key of ["step", "kind", "at"]) if (o[key] === undefined) fail([i], `needs '${key}'`);
    if (typeof o.step !== "string" || o.step === "") fail([i, "step"], `must be a non-empty string; got ${describe(o.step)}`);
    if (!isKind(o.kind)) fail([i, "kind"], `must be one of ${FAILURE_KINDS.join(" | ")}; got ${describe(o.kind)}`);
    const spec: FailureSpec = { step: o.step as string, kind: o.kind as FailureKind, at: readAt(o.at, [i, "at"], fail) };
    if (o.times !== undefined) {
      if (!isPositiveInteger(o.times)) fail([i, "times"], `must be a positive integer; got ${describe(o.times)}`);
      spec.times = o.times as number;
    }
    if (o.seed !== undefined) {
      if (typeof o.seed !== "number" || !Number.isSafeInteger(o.seed)) fail([i, "seed"], `must be an integer; got ${describe(o.seed)}`);
      spec.seed = o.seed as number;
    }
    return spec;
  });
}

const AT_SHAPES = `a batch number, "p=PROBABILITY", { batch } or { probability }`;

function readAt(v: unknown, path: FailurePath, fail: (path: FailurePath, problem: string) => never): FailureSpec["at"] {
  const probability = (p: unknown, where: FailurePath): { probability: number } => {
    if (typeof p !== "number" || !(p > 0 && p <= 1)) fail(where, `must be a probability in (0, 1]; got ${describe(p)}`);
    return { probability: p as number };
  };
  const batch = (b: unknown, where: FailurePath): { batch: number } => {
    if (!isPositiveInteger(b)) fail(where, `must be a positive batch number; got ${describe(b)}`);
    return { batch: b as number };
  };
  if (typeof v === "number") return batch(v, path);
  if (typeof v === "string") {
    const m = /^p\s*=\s*(.+)$/.exec(v.trim());
    const p = m && /^(\d+\.?\d*|\.\d+)(e-?\d+)?$/i.test(m[1]!) ? Number(m[1]) : undefined;
    if (p === undefined) fail(path, `must be ${AT_SHAPES}; got ${describe(v)}`);
    return probability(p, path);
  }
  if (typeof v === "object" && v !== null && !Array.isArray(v)) {
    const keys = Object.keys(v);
    const o = v as Record<string, unknown>;
    if (keys.length === 1 && keys[0] === "batch") return batch(o.batch, [...path, "batch"]);
    if (keys.length === 1 && keys[0] === "probability") return probability(o.probability, [...path, "probability"]);
    return fail(path, `must be { batch } or { probability }, one key; got keys ${keys.length ? keys.join(", ") : "none"}`);
  }
  return fail(path, `must be ${AT_SHAPES}; got ${describe(v)}`);
}

/** `failures[1].at`-style text for a path, after `root`. */
export function formatFailurePath(root: string, path: FailurePath): string {
  return root + path.map((k) => (typeof k === "number" ? `[${k}]` : `.${k}`)).join("");
}

/**
 * readFailureSpecs with errors that name `where` (e.g. `failures.json`, `plan.options.failures`).
 * @throws SluiceError such as "plan.options.failures[0].kind must be one of throw | hang | crash; got a string ('boom')".
 */
export function parseFailureSpecs(value: unknown, where: string): FailureSpec[] {
  return readFailureSpecs(value, (path, problem) => {
    throw new SluiceError(`${formatFailurePath(where, path)} ${problem}`);
  });
}

/**
 * Refuses a spec naming a step not in `stepNames` — a typo would otherwise silently inject
 * nothing. `fusedInto` maps a step fused into another operator to that operator's step: the
 * wrapper sees only the operator's step name, so the spec must name that.
 * @throws SluiceError listing the known steps.
 */
export function checkFailureSteps(specs: readonly FailureSpec[], stepNames: readonly string[], fusedInto?: Readonly<Record<string, string>>): void {
  for (const s of specs) {
    if (stepNames.includes(s.step)) continue;
    const host = fusedInto && Object.hasOwn(fusedInto, s.step) ? fusedInto[s.step] : undefined;
    const why = host ? `runs fused into step '${host}', so inject into '${host}' instead` : "is not a step of this pipeline";
    throw new SluiceError(`failure injection (${s.kind}) names step '${s.step}', which ${why} (steps: ${stepNames.join(", ") || "none"})`, { step: s.step });
  }
}

function isKind(v: unknown): v is FailureKind {
  return typeof v === "string" && (FAILURE_KINDS as readonly string[]).includes(v);
}

function isPositiveInteger(v: unknown): boolean {
  return typeof v === "number" && Number.isSafeInteger(v) && v > 0;
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return "nothing (null)";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "string") return `a string ('${v}')`;
  if (typeof v === "number" || typeof v === "boolean") return `a ${typeof v} (${String(v)})`;
  if (typeof v === "object") return "a mapping";
  return `a ${typeof v}`;
}
