import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { CheckpointError } from "../../checkpoint/checkpoint-error.js";
import { read } from "../../runtime/dataframe/index.js";
import type { DataFrame } from "../../runtime/dataframe/dataframe.js";
import type { RunResult } from "../../runtime/plan/run-plan.js";
import { FailureInjector } from "../../runtime/executor/failure-injection.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function workDir(rows: number): { dir: string; input: string; out: string; ckpt: string } {
  const dir = mkdtempSync(join(tmpdir(), "sluice-ckpt-run-"));
  dirs.push(dir);
  const input = join(dir, "in.jsonl");
  writeFileSync(input, Array.from({ length: rows }, (_, i) => JSON.stringify({ n: i })).join("\n") + "\n");
  return { dir, input, out: join(dir, "out"), ckpt: join(dir, "ckpt") };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Squares `n` after a delay; rows with n % 97 == 13 are dead-lettered. */
function pipeline(input: string, ckpt: string, opts: { delayMs?: number; mode?: "aligned" | "unaligned"; capacity?: number; interval?: number } = {}): DataFrame {
  return read
    .jsonl(input)
    .step("udf", {
      columns: "n",
      output: "sq",
      returns: "f64",
      batch: { maxRows: 4, maxDelayMs: 1 },
      concurrency: 4,
      ...(opts.capacity ? { capacity: opts.capacity } : {}),
      fn: async (rows: { n: bigint }[]) => {
        await sleep(opts.delayMs ?? 1);
        // A wrong-typed answer rejects that row alone.
        return rows.map((r) => (Number(r.n) % 97 === 13 ? "unlucky" : Number(r.n) ** 2));
      },
    })
    .options({ batchRows: 8, checkpoint: { interval: opts.interval ?? 15, dir: ckpt, mode: opts.mode ?? "aligned" } });
}

function outputRows(out: string): number[] {
  const files = readdirSync(out).filter((f) => f.endsWith(".jsonl"));
  return files.flatMap((f) => readFileSync(join(out, f), "utf8").split("\n").filter(Boolean).map((l) => (JSON.parse(l) as { n: number }).n)).sort((a, b) => a - b);
}

function deadLetterKeys(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".jsonl"))
    .flatMap((f) => readFileSync(join(dir, f), "utf8").split("\n").filter(Boolean).map((l) => JSON.stringify((JSON.parse(l) as { input: unknown }).input)))
    .sort();
}

const expected = (rows: number) => Array.from({ length: rows }, (_, i) => i).filter((i) => i % 97 !== 13);

describe("checkpointed runs", () => {
  it("takes checkpoints, writes every row once, and a re-run of a finished pipeline does nothing", async () => {
    const w = workDir(300);
    const r = await pipeline(w.input, w.ckpt, { delayMs: 2 }).write.jsonl(w.out).run();
    expect(outputRows(w.out)).toEqual(expected(300));
    expect(r.rowsOut).toBe(expected(300).length);
    const report = r.checkpoints![0]!;
    expect(report.checkpoints.length).toBeGreaterThanOrEqual(2);
    expect(report.checkpoints.at(-1)!.final).toBe(true);
    expect(deadLetterKeys(join(w.dir, "out.dead-letters"))).toHaveLength(300 - expected(300).length);
    const again = await pipeline(w.input, w.ckpt).write.jsonl(w.out).run();
    expect(again.alreadyComplete).toBe(true);
    expect(again.sourceRows).toBe(0);
    expect(outputRows(w.out)).toEqual(expected(300));
  });

  it.each(["aligned", "unaligned"] as const)("resumes after the run is stopped mid-way (%s): every row and dead letter exactly once", async (mode) => {
    const w = workDir(400);
    const stop = new AbortController();
    let first: RunResult | undefined;
    const run1 = pipeline(w.input, w.ckpt, { delayMs: 8, mode })
      .write.jsonl(w.out)
      .run({
        signal: stop.signal,
        onProgress: (p) => {
          if ((p.checkpoints ?? 0) >= 2) stop.abort(new Error("simulated crash"));
        },
        progressMs: 5,
      })
      .then((r) => (first = r), (e: unknown) => e);
    const failure = await run1;
    expect(first).toBeUndefined();
    expect(String(failure)).toMatch(/cancel|crash/);
    const committedBefore = outputRows(w.out);
    expect(committedBefore.length).toBeLessThan(expected(400).length);
    const r2 = await pipeline(w.input, w.ckpt, { mode }).write.jsonl(w.out).run();
    expect(r2.checkpoints![0]!.resumedFrom).toBeGreaterThan(0);
    expect(r2.sourceRows).toBeLessThan(400);
    expect(outputRows(w.out)).toEqual(expected(400));
    const dl = deadLetterKeys(join(w.dir, "out.dead-letters"));
    expect(dl).toEqual([...new Set(dl)]);
    expect(dl).toHaveLength(400 - expected(400).length);
  });

  it("lets an unaligned barrier through a full async queue; the rows queued past capacity are in the checkpoint", async () => {
    // capacity 8: processBatch waits (60 ms calls) until at most 8 rows are held. An aligned
    // barrier waits with it, so its snapshot never holds more than 8 pending rows; an unaligned
    // one interrupts the wait, so snapshots hold the batch that was still waiting for room.
    const pendingAt = async (mode: "aligned" | "unaligned"): Promise<number[]> => {
      const w = workDir(120);
      const sizes: number[] = [];
      await pipeline(w.input, w.ckpt, { delayMs: 60, mode, capacity: 8, interval: 20 })
        .write.jsonl(w.out)
        .run({
          wrapOperator: (op) => {
            const snapshot = op.snapshot.bind(op);
            op.snapshot = async (id, ctx) => {
              const state = await snapshot(id, ctx);
              sizes.push((state as { pending: unknown[] }).pending.length);
              return state;
            };
            return op;
          },
        });
      expect(outputRows(w.out)).toEqual(expected(120));
      return sizes;
    };
    const aligned = await pendingAt("aligned");
    const unaligned = await pendingAt("unaligned");
    expect(aligned.length).toBeGreaterThan(3);
    expect(Math.max(...aligned)).toBeLessThanOrEqual(8);
    expect(Math.max(...unaligned)).toBeGreaterThan(8);
  });

  it("refuses a checkpoint taken by a different pipeline, naming the way out", async () => {
    const w = workDir(50);
    const stop = new AbortController();
    await pipeline(w.input, w.ckpt, { delayMs: 5 })
      .write.jsonl(w.out)
      .run({ signal: stop.signal, progressMs: 5, onProgress: (p) => (p.checkpoints ?? 0) >= 1 && stop.abort() })
      .catch(() => undefined);
    const changed = read.jsonl(w.input).step("filter", { column: "n", op: "gt", value: 3 }).options({ checkpoint: { interval: 15, dir: w.ckpt } });
    await expect(changed.write.jsonl(w.out).run()).rejects.toThrow(/operators changed since checkpoint .*delete the checkpoint directory/s);
  });

  it("says so when checkpoint.dir is a file or the plan has no sink", async () => {
    const w = workDir(5);
    writeFileSync(join(w.dir, "file"), "x");
    await expect(pipeline(w.input, join(w.dir, "file")).write.jsonl(w.out).run()).rejects.toThrow(CheckpointError);
    await expect(pipeline(w.input, join(w.dir, "file")).write.jsonl(w.out).run()).rejects.toThrow(/exists and is not a directory/);
    await expect(pipeline(w.input, w.ckpt).collect()).rejects.toThrow(/checkpointing needs a sink/);
  });

  describe("two regions joined by a region log", () => {
    const twoRegions = (input: string, ckpt: string) =>
      read
        .jsonl(input)
        .step("udf", { columns: "n", output: "sq", returns: "f64", batch: { maxRows: 4, maxDelayMs: 1 }, fn: async (rows: { n: bigint }[]) => rows.map((r) => Number(r.n) ** 2) }, { name: "square" })
        .step(
          "udf",
          {
            columns: "sq",
            output: "label",
            returns: "utf8",
            batch: { maxRows: 4, maxDelayMs: 1 },
            fn: async (rows: { sq: number }[]) => {
              await sleep(2);
              return rows.map((r) => `#${r.sq}`);
            },
          },
          { name: "label", region: "model" },
        )
        .options({ batchRows: 8, checkpoint: { interval: 15, dir: ckpt, restarts: 5 } });

    it("restarts only the failing region: the upstream region reads every input row once", async () => {
      const w = workDir(300);
      const injector = new FailureInjector([{ step: "label", kind: "throw", at: { batch: 12 }, times: 2 }]);
      const r = await twoRegions(w.input, w.ckpt).write.jsonl(w.out).run({ wrapOperator: (op) => injector.wrap(op), warn: () => {} });
      expect(injector.fired).toHaveLength(2);
      const [up, down] = r.checkpoints!;
      expect(up!.restarts).toBe(0);
      expect(up!.recomputedRows).toBe(0);
      expect(r.steps.find((s) => s.step === "square")!.metrics.rowsIn).toBe(300);
      expect(down!.restarts).toBe(2);
      expect(down!.recomputedRows).toBeGreaterThan(0);
      expect(r.steps.find((s) => s.step === "label")!.metrics.rowsIn).toBe(300 + down!.recomputedRows);
      expect(outputRows(w.out)).toEqual(Array.from({ length: 300 }, (_, i) => i));
    });

    it("resumes both regions after a stop, exactly once", async () => {
      const w = workDir(300);
      const stop = new AbortController();
      await twoRegions(w.input, w.ckpt)
        .write.jsonl(w.out)
        .run({ signal: stop.signal, progressMs: 5, onProgress: (p) => (p.checkpoints ?? 0) >= 4 && stop.abort() })
        .catch(() => undefined);
      const r = await twoRegions(w.input, w.ckpt).write.jsonl(w.out).run();
      // Under load the downstream region may not have completed one yet; the upstream has.
      expect(r.checkpoints![0]!.resumedFrom).toBeDefined();
      expect(outputRows(w.out)).toEqual(Array.from({ length: 300 }, (_, i) => i));
    });
  });
});
