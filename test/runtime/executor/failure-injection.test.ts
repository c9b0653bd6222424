import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Schema, tableFromArrays, type RecordBatch } from "apache-arrow";
import { afterAll, describe, expect, it } from "vitest";
import { SluiceError } from "../../../kernels/errors.js";
import {
  checkFailureSteps,
  FailureInjector,
  failuresFromEnv,
  InjectedFailure,
  parseFailureSpecs,
  type FailureSpec,
} from "../../../runtime/executor/failure-injection.js";
import { Channel } from "../../../runtime/executor/channel.js";
import { Job } from "../../../runtime/executor/job.js";
import { MapOperator, Operator, type OperatorContext, type OperatorState } from "../../../runtime/executor/operator.js";
import { WorkerOperator } from "../../../runtime/executor/worker-operator.js";
import { WorkerPool, WorkerTaskError } from "../../../runtime/executor/worker-pool.js";
import { MemoryDeadLetters, MemorySink, rangeSource } from "../../helpers/memory-connectors.js";

// Worker threads run plain JS: the compiled entry from dist/ (npm test builds first).
const entry = new URL("../../../dist/runtime/executor/worker-entry.js", import.meta.url);
const compiled = new URL("../../../dist/runtime/executor/failure-injection.js", import.meta.url);
for (const u of [entry, compiled]) if (!existsSync(fileURLToPath(u))) throw new Error("dist/ is missing or stale: run `npm run build` first (`npm test` does)");
const scale = new URL("./fixtures/scale-processor.mjs", import.meta.url).href;

const batchOf = (...xs: number[]): RecordBatch => tableFromArrays({ x: Float64Array.from(xs) }).batches[0]!;
const xsOf = (b: RecordBatch): number[] => [...(b.getChild("x")!.toArray() as Float64Array)];

function context(step: string, signal = new AbortController().signal): OperatorContext & { out: RecordBatch[] } {
  const out: RecordBatch[] = [];
  return {
    step,
    out,
    metrics: { rowsIn: 0, rowsOut: 0, batchesIn: 0, batchesOut: 0, deadLettered: 0, busyMs: 0, latencies: [] },
    signal,
    emit: async (b) => void out.push(b),
    deadLetter: async () => {},
  };
}

const identity = (step: string) => new MapOperator(step, (b) => b);

/** Runs `n` batches through `op`, returning the 1-based numbers of those that failed and the errors. */
async function feed(op: Operator, n: number, ctx = context(op.step)): Promise<{ failed: number[]; errors: unknown[] }> {
  const failed: number[] = [];
  const errors: unknown[] = [];
  for (let i = 1; i <= n; i++) {
    try {
      await op.processBatch(batchOf(i), ctx);
    } catch (e) {
      failed.push(i);
      errors.push(e);
    }
  }
  return { failed, errors };
}

/** Records every hook call; snapshot returns a state, restore keeps the one it got. */
class Recorder extends Operator {
  readonly calls: string[] = [];
  restored: OperatorState;
  readonly schema = new Schema([]);

  constructor(readonly step: string) {
    super();
  }
  override outputSchema(_input: Schema): Schema {
    this.calls.push("outputSchema");
    return this.schema;
  }
  override open(): void {
    this.calls.push("open");
  }
  async processBatch(batch: RecordBatch, ctx: OperatorContext): Promise<void> {
    this.calls.push("processBatch");
    await ctx.emit(batch);
  }
  override async snapshot(id: number): Promise<OperatorState> {
    this.calls.push(`snapshot ${id}`);
    return { offset: 41 + id };
  }
  override checkpointCompleted(id: number): void {
    this.calls.push(`checkpointCompleted ${id}`);
  }
  override restore(state: OperatorState): void {
    this.calls.push("restore");
    this.restored = state;
  }
  override async endOfInput(ctx: OperatorContext): Promise<void> {
    this.calls.push("endOfInput");
    await ctx.emit(batchOf(99));
  }
  override close(): void {
    this.calls.push("close");
  }
}

describe("FailureInjector.wrap", () => {
  it("returns an operator no spec names as it is", () => {
    const op = identity("decode");
    expect(new FailureInjector([{ step: "resize", kind: "throw", at: { batch: 1 } }]).wrap(op)).toBe(op);
  });

  it("delegates every hook, with snapshot and restore values", async () => {
    const inner = new Recorder("resize");
    const op = new FailureInjector([{ step: "resize", kind: "throw", at: { batch: 100 } }]).wrap(inner);
    expect(op).not.toBe(inner);
    expect(op.step).toBe("resize");
    const ctx = context("resize");
    expect(op.outputSchema(new Schema([]))).toBe(inner.schema);
    await op.open(ctx);
    await op.restore({ offset: 7 });
    expect(inner.restored).toEqual({ offset: 7 });
    await op.processBatch(batchOf(1), ctx);
    expect(await op.snapshot(1, ctx)).toEqual({ offset: 42 });
    await op.checkpointCompleted(1);
    await op.endOfInput(ctx);
    await op.close();
    expect(inner.calls).toEqual(["outputSchema", "open", "restore", "processBatch", "snapshot 1", "checkpointCompleted 1", "endOfInput", "close"]);
    expect(ctx.out.map(xsOf)).toEqual([[1], [99]]);
  });
});

describe("throw", () => {
  it("fails the exact batch with a retriable InjectedFailure naming step, kind and batch", async () => {
    const injector = new FailureInjector([{ step: "resize", kind: "throw", at: { batch: 3 } }]);
    const ctx = context("resize");
    const { failed, errors } = await feed(injector.wrap(identity("resize")), 5, ctx);
    expect(failed).toEqual([3]);
    const e = errors[0] as InjectedFailure;
    expect(e).toBeInstanceOf(InjectedFailure);
    expect(e).toBeInstanceOf(SluiceError);
    expect(e.message).toBe("step 'resize': injected failure (throw) at batch 3");
    expect([e.retriable, e.step, e.kind, e.batch]).toEqual([true, "resize", "throw", 3]);
    // The failed batch never reached the operator; the others went through.
    expect(ctx.out.map(xsOf)).toEqual([[1], [2], [4], [5]]);
    expect(injector.fired).toEqual([{ step: "resize", kind: "throw", batch: 3 }]);
  });

  it("keeps counting across operators it wraps for one step (a restarted region)", async () => {
    const injector = new FailureInjector([{ step: "resize", kind: "throw", at: { batch: 3 }, times: 2 }]);
    expect((await feed(injector.wrap(identity("resize")), 3)).failed).toEqual([3]);
    // The restored operator replays: batches 4, 5, 6 of the step; the second firing is at 6.
    expect((await feed(injector.wrap(identity("resize")), 4)).failed).toEqual([3]);
    expect(injector.batchesSeen("resize")).toBe(7);
    expect(injector.fired.map((f) => f.batch)).toEqual([3, 6]);
    // Other steps count on their own and are not wrapped at all.
    expect(injector.wrap(identity("decode"))).toBeInstanceOf(MapOperator);
  });

  it("fires `times` times, every N batches for a batch number, then stops", async () => {
    const injector = new FailureInjector([{ step: "s", kind: "throw", at: { batch: 2 }, times: 3 }]);
    expect((await feed(injector.wrap(identity("s")), 12)).failed).toEqual([2, 4, 6]);
  });

  it("with two specs on one batch, the first wins and the other fires on the next", async () => {
    const injector = new FailureInjector([
      { step: "s", kind: "throw", at: { batch: 2 } },
      { step: "s", kind: "throw", at: { batch: 2 } },
    ]);
    expect((await feed(injector.wrap(identity("s")), 5)).failed).toEqual([2, 3]);
  });
});

describe("probability", () => {
  const firings = async (spec: FailureSpec, n: number, opts?: { seed?: number }) =>
    (await feed(new FailureInjector([spec], opts).wrap(identity(spec.step)), n)).failed;

  it("is deterministic for a seed, fires about p of the batches, and differs by seed", async () => {
    const spec: FailureSpec = { step: "infer", kind: "throw", at: { probability: 0.1 }, times: 1000, seed: 42 };
    const a = await firings(spec, 500);
    expect(await firings(spec, 500)).toEqual(a);
    expect(a.length).toBeGreaterThan(25);
    expect(a.length).toBeLessThan(80);
    expect(await firings({ ...spec, seed: 43 }, 500)).not.toEqual(a);
    // The injector-wide seed applies to specs without their own.
    const { seed: _seed, ...unseeded } = spec;
    expect(await firings(unseeded, 500, { seed: 42 })).toEqual(a);
    // Default: fires once.
    expect(await firings({ step: "infer", kind: "throw", at: { probability: 0.1 }, seed: 42 }, 500)).toEqual(a.slice(0, 1));
  });

  it("p = 1 fires on every batch until `times` runs out", async () => {
    expect(await firings({ step: "s", kind: "throw", at: { probability: 1 }, times: 3 }, 6)).toEqual([1, 2, 3]);
  });
});

describe("hang", () => {
  it("never settles until the job's signal aborts, then rejects with InjectedFailure", async () => {
    const abort = new AbortController();
    const ctx = context("infer", abort.signal);
    const op = new FailureInjector([{ step: "infer", kind: "hang", at: { batch: 1 } }]).wrap(identity("infer"));
    const p = Promise.resolve(op.processBatch(batchOf(1), ctx));
    const outcome = await Promise.race([p.then(() => "settled", () => "settled"), new Promise((r) => setTimeout(() => r("pending"), 50))]);
    expect(outcome).toBe("pending");
    abort.abort();
    await expect(p).rejects.toThrow(/^step 'infer': injected failure \(hang\) at batch 1: released when the job was cancelled$/);
    await expect(p).rejects.toBeInstanceOf(InjectedFailure);
    expect(ctx.out).toEqual([]);
  });

  it("rejects at once when the signal is already aborted", async () => {
    const abort = new AbortController();
    abort.abort();
    const op = new FailureInjector([{ step: "infer", kind: "hang", at: { batch: 1 } }]).wrap(identity("infer"));
    await expect(Promise.resolve(op.processBatch(batchOf(1), context("infer", abort.signal)))).rejects.toBeInstanceOf(InjectedFailure);
  });
});

describe("crash", () => {
  const pools: WorkerPool[] = [];
  afterAll(() => Promise.all(pools.map((p) => p.close())));
  const poolOf = (size: number) => {
    const pool = new WorkerPool({ size, entry });
    pools.push(pool);
    return pool;
  };

  it("kills a worker thread of a WorkerOperator: the batch fails with 'worker thread exited', and the pool goes on", async () => {
    const pool = poolOf(1);
    const injector = new FailureInjector([{ step: "udf", kind: "crash", at: { batch: 2 } }]);
    const ctx = context("udf");
    const { failed, errors } = await feed(injector.wrap(new WorkerOperator("udf", pool, { module: scale, options: { factor: 2 } }, 1)), 4, ctx);
    expect(failed).toEqual([2]);
    expect(errors[0]).toBeInstanceOf(WorkerTaskError);
    expect((errors[0] as Error).message).toMatch(/^worker thread exited with code 1 \(crashed on purpose: failure injection\)$/);
    // The dead thread was replaced: batches 3 and 4 ran.
    expect(ctx.out.map(xsOf)).toEqual([[2], [6], [8]]);
    expect(injector.fired).toEqual([{ step: "udf", kind: "crash", batch: 2 }]);
  });

  it("fails the job naming the step when the crash hits a batch in flight", async () => {
    const pool = poolOf(2);
    const sink = new MemorySink();
    const ch = new Channel({ maxBatches: 2 });
    const op = new FailureInjector([{ step: "udf", kind: "crash", at: { batch: 5 } }]).wrap(new WorkerOperator("udf", pool, { module: scale, options: { factor: 2 } }));
    const schema = tableFromArrays({ x: new Float64Array(0) }).schema;
    const job = new Job(
      [
        { name: "src", input: { kind: "source", source: rangeSource(100), batchRows: 10, step: "source" }, operators: [op], output: { kind: "channel", channel: ch } },
        { name: "out", input: { kind: "channel", channel: ch }, operators: [], output: { kind: "sink", sink, schema, step: "sink", open: { jobId: "t", subtask: 0 } } },
      ],
      { deadLetters: new MemoryDeadLetters(), channels: [ch] },
    );
    await expect(job.run()).rejects.toThrow(/step 'udf': worker thread exited with code 1/);
  });

  it("crashOne rejects the job in flight, and a slot whose worker exited gets a fresh one", async () => {
    const pool = poolOf(1);
    const p = pool.run({ module: scale, options: { factor: 3 } }, batchOf(1));
    pool.crashOne();
    await expect(p).rejects.toThrow(/worker thread exited/);
    expect(xsOf(await pool.run({ module: scale, options: { factor: 3 } }, batchOf(2)))).toEqual([6]);
    // A worker that exits by itself (process.exit in user code): before, the next job routed
    // to the dead thread was dropped and never settled.
    const exiting = { module: new URL("./fixtures/exit-processor.mjs", import.meta.url).href, options: { exitOn: 7, code: 3 } };
    await expect(pool.run(exiting, batchOf(7))).rejects.toThrow("worker thread exited with code 3");
    expect(xsOf(await pool.run(exiting, batchOf(8)))).toEqual([8]);
  });

  it("kills the process (SIGKILL) for an operator without worker threads", () => {
    const script = `
      import { FailureInjector } from ${JSON.stringify(compiled.href)};
      import { MapOperator } from ${JSON.stringify(new URL("../../../dist/runtime/executor/operator.js", import.meta.url).href)};
      const op = new FailureInjector([{ step: "udf", kind: "crash", at: { batch: 2 } }]).wrap(new MapOperator("udf", (b) => b));
      const ctx = { step: "udf", signal: new AbortController().signal, emit: async () => {}, deadLetter: async () => {} };
      await op.processBatch(null, ctx);
      console.log("batch 1 done");
      await op.processBatch(null, ctx);
      console.log("still alive");
    `;
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8", timeout: 20_000 });
    expect(r.signal).toBe("SIGKILL");
    expect(r.stdout).toBe("batch 1 done\n");
    expect(r.stderr).toContain("sluice: injected crash at step 'udf', batch 2: killing process");
  });
});

describe("SLUICE_FAIL", () => {
  it("parses entries separated by ',' or ';', with xTIMES and a seed for every entry", () => {
    expect(failuresFromEnv({})).toEqual([]);
    expect(failuresFromEnv({ SLUICE_FAIL: "  " })).toEqual([]);
    expect(failuresFromEnv({ SLUICE_FAIL: "resize:throw@3, infer:hang@p=0.05; udf:crash@7x2,, seed=42" })).toEqual([
      { step: "resize", kind: "throw", at: { batch: 3 }, seed: 42 },
      { step: "infer", kind: "hang", at: { probability: 0.05 }, seed: 42 },
      { step: "udf", kind: "crash", at: { batch: 7 }, times: 2, seed: 42 },
    ]);
    // Step names may hold ':', '@' and 'x'; probabilities may be written 1e-3 or .5.
    expect(failuresFromEnv({ SLUICE_FAIL: "ns:max@pool:throw@1" })).toEqual([{ step: "ns:max@pool", kind: "throw", at: { batch: 1 } }]);
    expect(failuresFromEnv({ SLUICE_FAIL: "a:throw@p=1e-3x5;b:throw@p=.5" })).toEqual([
      { step: "a", kind: "throw", at: { probability: 0.001 }, times: 5 },
      { step: "b", kind: "throw", at: { probability: 0.5 } },
    ]);
  });

  it("names SLUICE_FAIL and the bad entry", () => {
    /** `value` fails naming `entry`, and saying `says`. */
    const bad = (value: string, says: string, entry = value) => {
      expect(() => failuresFromEnv({ SLUICE_FAIL: value })).toThrow(SluiceError);
      expect(() => failuresFromEnv({ SLUICE_FAIL: value })).toThrow(`SLUICE_FAIL: bad entry '${entry}': ${says}`);
    };
    bad("resize:throw@3, resize", "no '@'", "resize");
    bad("resize@3", "no ':' between the step and the kind");
    bad(":throw@3", "the step name is empty");
    bad("resize:boom@3", "the kind must be one of throw | hang | crash; got 'boom'");
    bad("resize:throw@0", "the batch must be a positive integer");
    bad("resize:throw@three", "the batch must be a positive integer (or p=PROBABILITY); got 'three'");
    bad("resize:throw@p=0", "the probability must be a number in (0, 1]; got '0'");
    bad("resize:throw@p=1.5", "the probability must be a number in (0, 1]; got '1.5'");
    bad("resize:throw@p=", "the probability must be a number in (0, 1]; got ''");
    bad("resize:throw@3x0", "the count after 'x' must be a positive integer; got '0'");
    bad("resize:throw@3x2x2", "more than one 'x'");
    bad("seed=abc", "the seed must be an integer; got 'abc'");
    bad("seed=1;seed=2", "seed is given twice", "seed=2");
    // The message says what a good entry looks like.
    expect(() => failuresFromEnv({ SLUICE_FAIL: "x" })).toThrow(/e\.g\. resize:throw@3, infer:hang@p=0\.05, udf:crash@7x2/);
  });
});

describe("parseFailureSpecs", () => {
  it("reads every form of `at`, times and seed", () => {
    expect(
      parseFailureSpecs(
        [
          { step: "a", kind: "throw", at: 3 },
          { step: "b", kind: "hang", at: "p=0.25", seed: 9 },
          { step: "c", kind: "crash", at: { batch: 7 }, times: 2 },
          { step: "d", kind: "throw", at: { probability: 1 } },
        ],
        "test",
      ),
    ).toEqual([
      { step: "a", kind: "throw", at: { batch: 3 } },
      { step: "b", kind: "hang", at: { probability: 0.25 }, seed: 9 },
      { step: "c", kind: "crash", at: { batch: 7 }, times: 2 },
      { step: "d", kind: "throw", at: { probability: 1 } },
    ]);
    expect(parseFailureSpecs([], "test")).toEqual([]);
  });

  it("names `where` and the offending part", () => {
    const bad = (value: unknown, message: string) => expect(() => parseFailureSpecs(value, "job.failures")).toThrow(message);
    bad({ step: "a" }, "job.failures must be a list of failures ({ step, kind, at, times?, seed? }); got a mapping");
    bad(["a:throw@3"], "job.failures[0] must be a failure { step, kind, at, times?, seed? }; got a string ('a:throw@3')");
    bad([{ step: "a", kind: "throw" }], "job.failures[0] needs 'at'");
    bad([{ step: "a", kind: "throw", at: 1, when: 2 }], "job.failures[0].when is not a failure key (known: step, kind, at, times, seed)");
    bad([{ step: "", kind: "throw", at: 1 }], "job.failures[0].step must be a non-empty string; got a string ('')");
    bad([{ step: "a", kind: "exit", at: 1 }], "job.failures[0].kind must be one of throw | hang | crash; got a string ('exit')");
    bad([{ step: "a", kind: "throw", at: 0 }], "job.failures[0].at must be a positive batch number; got a number (0)");
    bad([{ step: "a", kind: "throw", at: "soon" }], `job.failures[0].at must be a batch number, "p=PROBABILITY", { batch } or { probability }; got a string ('soon')`);
    bad([{ step: "a", kind: "throw", at: "p=2" }], "job.failures[0].at must be a probability in (0, 1]; got a number (2)");
    bad([{ step: "a", kind: "throw", at: { batch: 1.5 } }], "job.failures[0].at.batch must be a positive batch number; got a number (1.5)");
    bad([{ step: "a", kind: "throw", at: { batch: 1, probability: 0.5 } }], "job.failures[0].at must be { batch } or { probability }, one key; got keys batch, probability");
    bad([{ step: "a", kind: "throw", at: 1 }, { step: "a", kind: "throw", at: 1, times: 0 }], "job.failures[1].times must be a positive integer; got a number (0)");
    bad([{ step: "a", kind: "throw", at: 1, seed: "x" }], "job.failures[0].seed must be an integer; got a string ('x')");
  });

  it("FailureInjector checks the specs it is given", () => {
    expect(() => new FailureInjector([{ step: "a", kind: "throw", at: { batch: 0 } }])).toThrow("FailureInjector specs[0].at.batch must be a positive batch number");
  });
});

describe("checkFailureSteps", () => {
  const specs: FailureSpec[] = [{ step: "resize", kind: "throw", at: { batch: 1 } }];

  it("accepts known steps", () => {
    expect(() => checkFailureSteps(specs, ["decode", "resize"])).not.toThrow();
  });

  it("refuses an unknown step, listing the known ones", () => {
    expect(() => checkFailureSteps([{ step: "rezise", kind: "hang", at: { batch: 1 } }], ["decode", "resize"])).toThrow(
      "failure injection (hang) names step 'rezise', which is not a step of this pipeline (steps: decode, resize)",
    );
  });

  it("says which operator a fused step runs in", () => {
    expect(() => checkFailureSteps(specs, ["decode", "infer"], { resize: "decode" })).toThrow("names step 'resize', which runs fused into step 'decode', so inject into 'decode' instead (steps: decode, infer)");
  });
});
