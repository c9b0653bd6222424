/**
 * Chaos test of exactly-once output under checkpoints: seeded runs of a three-region pipeline,
 * each with 1–3 injected failures (throw, or hang until the barrier times out) at random
 * batches of random steps, alternating aligned and unaligned checkpoints. Every run's committed
 * output and dead letters must be exactly those of a failure-free run.
 *
 * Reproduce one run: the assertion messages name its seed; `SLUICE_CHAOS_SEED=<seed>` makes
 * that the first run.
 */

import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { read } from "../../runtime/dataframe/index.js";
import { FailureInjector, type FailureSpec } from "../../runtime/executor/failure-injection.js";
import type { Operator } from "../../runtime/executor/operator.js";
import type { RunOptions, RunResult } from "../../runtime/plan/run-plan.js";
import { uniform } from "../../scheduler/models/seeded-random.js";

const ROWS = 300;
const RUNS = 24;
const LIMIT = 200;
const BASE_SEED = Number(process.env.SLUICE_CHAOS_SEED ?? 20_261_124);
const SEEDS = Array.from({ length: RUNS }, (_, i) => BASE_SEED + i);

/** Steps failures go into, and the region each runs in. */
const REGION_OF: Record<string, string> = { square: "r1", keep: "r1", label: "mid", cap: "mid", measure: "last" };
const STEPS = Object.keys(REGION_OF);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const n = (v: unknown) => Number(v);

let root: string;
let input: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "sluice-chaos-"));
  input = join(root, "in.jsonl");
  writeFileSync(input, Array.from({ length: ROWS }, (_, i) => JSON.stringify({ n: i })).join("\n") + "\n");
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/**
 * r1: `square` (async udf; n % 23 == 5 answers a string → dead-lettered), `keep` (drops n % 5 == 0);
 * mid: `label` (async udf; n % 31 == 7 answers a number → dead-lettered), `cap` (limit: a
 * checkpointed count); last: `measure` (async udf), then the JSONL sink.
 */
function pipeline(dir: string, checkpoint: { interval: number; mode: "aligned" | "unaligned" }) {
  const udf = { batch: { maxRows: 4, maxDelayMs: 1 }, concurrency: 3 };
  return read
    .jsonl(input)
    .step(
      "udf",
      {
        ...udf,
        columns: "n",
        output: "sq",
        returns: "f64",
        key: "n",
        fn: async (rows: { n: bigint }[]) => {
          await sleep(1);
          return rows.map((r) => (n(r.n) % 23 === 5 ? "not a number" : n(r.n) ** 2));
        },
      },
      { name: "square" },
    )
    .filter((row) => n(row.n) % 5 !== 0, { name: "keep" })
    .step(
      "udf",
      {
        ...udf,
        columns: ["n", "sq"],
        output: "label",
        returns: "utf8",
        key: "n",
        fn: async (rows: { n: bigint; sq: number }[]) => {
          await sleep(1);
          return rows.map((r) => (n(r.n) % 31 === 7 ? 42 : `#${r.sq}`));
        },
      },
      { name: "label", region: "mid" },
    )
    .step("limit", { rows: LIMIT }, { name: "cap" })
    .step(
      "udf",
      {
        ...udf,
        columns: "label",
        output: "len",
        returns: "i64",
        fn: async (rows: { label: string }[]) => {
          await sleep(1);
          return rows.map((r) => r.label.length);
        },
      },
      { name: "measure", region: "last" },
    )
    .options({ batchRows: 16, checkpoint: { ...checkpoint, dir: join(dir, "ckpt"), timeout: 300, restarts: 6 } })
    .write.jsonl(join(dir, "out"));
}

/** The JSONL lines in a directory's part files, sorted (a multiset). */
function lines(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".jsonl"))
    .flatMap((f) => readFileSync(join(dir, f), "utf8").split("\n").filter(Boolean))
    .sort();
}

/** Dead letters as step|key|input (their time and message left out), sorted. */
function deadLetters(dir: string): string[] {
  return lines(dir).map((l) => {
    const d = JSON.parse(l) as { step: string; key: unknown; input: unknown };
    return `${d.step}|${JSON.stringify(d.key)}|${JSON.stringify(d.input)}`;
  }).sort();
}

/** Counts each step's batches (processBatch calls). */
function batchCounter(): { counts: Map<string, number>; wrap(op: Operator): Operator } {
  const counts = new Map<string, number>();
  return {
    counts,
    wrap(op) {
      const inner = op.processBatch.bind(op);
      op.processBatch = (batch, ctx) => {
        counts.set(op.step, (counts.get(op.step) ?? 0) + 1);
        return inner(batch, ctx);
      };
      return op;
    },
  };
}

interface Baseline {
  out: string[];
  dead: string[];
  /** Batches each step saw in failure-free runs (the fewest over both modes). */
  batches: Map<string, number>;
}
let baseline: Baseline;

beforeAll(async () => {
  const batches = new Map<string, number>();
  let out: string[] = [];
  let dead: string[] = [];
  for (const mode of ["aligned", "unaligned"] as const) {
    const dir = mkdtempSync(join(root, `baseline-${mode}-`));
    const counter = batchCounter();
    const r = await pipeline(dir, { interval: 20, mode }).run({ wrapOperator: (op) => counter.wrap(op) });
    expect(r.checkpoints!.map((c) => c.restarts), JSON.stringify(r.checkpoints!.map((c) => c.failures))).toEqual([0, 0, 0]);
    for (const [step, count] of counter.counts) batches.set(step, Math.min(batches.get(step) ?? Infinity, count));
    out = lines(join(dir, "out"));
    dead = deadLetters(join(dir, "out.dead-letters"));
    rmSync(dir, { recursive: true, force: true });
  }
  baseline = { out, dead, batches };
}, 30_000);

describe("chaos: random failures under checkpoints", () => {
  it("the failure-free output is what the pipeline means", () => {
    // Computed without sluice: the rows that survive both udfs and the filter, the first LIMIT of them.
    const passed = Array.from({ length: ROWS }, (_, i) => i).filter((i) => i % 23 !== 5 && i % 5 !== 0 && i % 31 !== 7);
    expect(passed.length).toBeGreaterThan(LIMIT);
    const expected = passed.slice(0, LIMIT).map((i) => JSON.stringify({ n: i, sq: i ** 2, label: `#${i ** 2}`, len: `#${i ** 2}`.length }));
    expect(baseline.out).toEqual(expected.sort());
    const dead = [
      ...Array.from({ length: ROWS }, (_, i) => i).filter((i) => i % 23 === 5).map((i) => `square|${i}|${JSON.stringify({ n: String(i) })}`),
      ...Array.from({ length: ROWS }, (_, i) => i).filter((i) => i % 23 !== 5 && i % 5 !== 0 && i % 31 === 7).map((i) => `label|${i}|${JSON.stringify({ n: String(i), sq: i ** 2 })}`),
    ];
    expect(baseline.dead).toEqual(dead.sort());
    for (const step of STEPS) expect(baseline.batches.get(step), step).toBeGreaterThanOrEqual(8);
  });

  it.each(SEEDS.map((seed, i) => [seed, i % 2 === 0 ? "aligned" : "unaligned"] as const))("seed %i (%s): every row and dead letter exactly once", async (seed, mode) => {
    const random = uniform(seed);
    const pick = (k: number) => Math.floor(random() * k);
    const interval = 10 + pick(21);
    const failures: FailureSpec[] = Array.from({ length: 1 + pick(3) }, () => {
      const step = STEPS[pick(STEPS.length)]!;
      // Early enough that the step surely gets that far (batch counts vary with timing).
      const latest = Math.max(1, Math.floor(baseline.batches.get(step)! / 2));
      return { step, kind: random() < 0.5 ? "throw" : "hang", at: { batch: 1 + pick(latest) } };
    });
    const what = `seed ${seed}: ${mode}, interval ${interval} ms, failures ${JSON.stringify(failures)}`;
    const dir = mkdtempSync(join(root, `run-${seed}-`));
    const injector = new FailureInjector(failures);
    const warnings: string[] = [];
    const opts: RunOptions = { wrapOperator: (op) => injector.wrap(op), warn: (m) => warnings.push(m) };
    let r: RunResult;
    try {
      r = await pipeline(dir, { interval, mode }).run(opts);
    } catch (e) {
      throw new Error(`${what}: the run failed: ${(e as Error).message}\nwarnings:\n${warnings.join("\n")}`, { cause: e });
    }

    const summary = `${what}\nrestarts/failures: ${JSON.stringify(r.checkpoints!.map((c) => [c.region, c.restarts, c.failures]))}\nwarnings:\n${warnings.join("\n")}\n`;
    expect(injector.fired.map((f) => `${f.step}:${f.kind}`).sort(), `${summary}every failure fired`).toEqual(failures.map((f) => `${f.step}:${f.kind}`).sort());
    expect(lines(join(dir, "out")), `${summary}committed output`).toEqual(baseline.out);
    expect(deadLetters(join(dir, "out.dead-letters")), `${summary}dead letters`).toEqual(baseline.dead);
    expect(r.rowsOut, `${summary}rowsOut`).toBe(LIMIT);

    // Each region that had a failure restarted (once per failure at most: two may hit one
    // attempt); the others never did.
    const reports = r.checkpoints!;
    expect(reports.map((c) => c.region)).toEqual(["r1", "mid", "last"]);
    for (const report of reports) {
      const fired = injector.fired.filter((f) => REGION_OF[f.step] === report.region).length;
      const where = `${what}: region ${report.region} (${fired} fired; failures ${JSON.stringify(report.failures)})`;
      if (fired === 0) expect(report.restarts, where).toBe(0);
      else {
        expect(report.restarts, where).toBeGreaterThanOrEqual(1);
        expect(report.restarts, where).toBeLessThanOrEqual(fired);
        for (const f of report.failures) expect(f, where).toMatch(/injected failure \((throw|hang)\)|timed out: its barrier did not get through/);
      }
      expect(report.checkpoints.at(-1)?.final, `${where}: the last checkpoint is final`).toBe(true);
    }
    expect(warnings.filter((w) => /restarting it from/.test(w)), what).toHaveLength(reports.reduce((k, c) => k + c.restarts, 0));
    rmSync(dir, { recursive: true, force: true });
  }, 30_000);
});
