/**
 * A seeded random schedule of submits, slow and failing calls, timeouts, takes, checkpoints and
 * crashes. After each crash the "job" restores the last checkpoint's pending requests and replays
 * its source from the checkpointed position, as the executor will. Whatever the schedule, the
 * committed output holds every record exactly once (in input order when `ordered`), and calls in
 * flight never exceed `concurrency`.
 */

import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { AsyncInvoker, failItem, type AsyncResult, type InvokeFn, type PendingRequest } from "../../../runtime/async/index.js";
import { RecordError } from "../../../runtime/api/runtime-errors.js";
import { transient } from "./harness.js";

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

/** mulberry32: a tiny seeded PRNG, so a failing seed can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function run(seed: number, ordered: boolean) {
  const rnd = prng(seed);
  const N = 150;
  const concurrency = 1 + Math.floor(rnd() * 3);
  let active = 0;
  let maxActive = 0;

  const fn: InvokeFn<number, number> = (inputs, ctx) =>
    new Promise((resolve) => {
      active++;
      maxActive = Math.max(maxActive, active);
      let open = true;
      const done = () => {
        if (open) active--;
        open = false;
      };
      ctx.signal.addEventListener("abort", done);
      const outputs = inputs.map((x) => {
        const r = rnd();
        return r < 0.1 ? failItem(transient()) : r < 0.13 ? failItem(new RecordError(`bad ${x}`)) : x * 2;
      });
      setTimeout(() => {
        done();
        resolve(outputs);
      }, Math.floor(rnd() * 40));
    });

  const make = () =>
    new AsyncInvoker<number, number>({
      step: "chaos",
      fn,
      random: rnd,
      config: {
        batch: { maxRows: 1 + Math.floor(rnd() * 5), maxDelayMs: Math.floor(rnd() * 10) },
        concurrency,
        capacity: 8,
        timeoutMs: 30,
        ordered,
        retry: { attempts: 3, backoff: { initialMs: 5, maxMs: 20 }, jitter: 0.5 },
      },
    });

  let inv = make();
  let next = 0;
  let saved: { pending: PendingRequest[]; position: number } = { pending: [], position: 0 };
  const committed: AsyncResult<number, number>[] = [];
  let epoch: AsyncResult<number, number>[] = [];
  let crashes = 0;

  for (let step = 0; step < 3000 && !(next >= N && inv.outstanding === 0); step++) {
    const r = rnd();
    if (r < 0.45) {
      // Backpressure as an operator keeps it: submit only while there is room (a blocked submit
      // is accepted all the same, so the last one may go one over capacity).
      if (next < N && inv.outstanding <= inv.config.capacity) {
        void inv.submit({ key: next, value: next, bytes: 1 }).catch(() => {});
        next++;
      }
    } else if (r < 0.75) {
      await vi.advanceTimersByTimeAsync(Math.floor(rnd() * 15));
    } else if (r < 0.9) {
      epoch.push(...inv.take());
    } else if (r < 0.97) {
      // Checkpoint: what was taken so far is committed with it; the rest is in the snapshot.
      committed.push(...epoch);
      epoch = [];
      saved = { pending: JSON.parse(JSON.stringify(inv.snapshot())) as PendingRequest[], position: next };
    } else {
      crashes++;
      inv.close();
      epoch = [];
      inv = make();
      inv.restore(saved.pending);
      next = saved.position;
    }
    expect(active).toBeLessThanOrEqual(concurrency);
  }
  await inv.drain();
  committed.push(...epoch, ...inv.take());
  return { committed, N, maxActive, concurrency, crashes };
}

describe("exactly-once under random schedules with checkpoints and crashes", () => {
  for (const ordered of [true, false]) {
    it(`${ordered ? "ordered" : "unordered"}: every record once, concurrency respected`, async () => {
      let totalCrashes = 0;
      for (let seed = 1; seed <= 6; seed++) {
        const { committed, N, maxActive, concurrency, crashes } = await run(seed * 7919 + (ordered ? 0 : 1), ordered);
        totalCrashes += crashes;
        const keys = committed.map((c) => c.key as number);
        if (ordered) expect(keys, `seed ${seed}`).toEqual(Array.from({ length: N }, (_, i) => i));
        else expect([...keys].sort((a, b) => a - b), `seed ${seed}`).toEqual(Array.from({ length: N }, (_, i) => i));
        for (const c of committed) if (c.kind === "ok") expect(c.output).toBe(c.input * 2);
        expect(maxActive).toBeLessThanOrEqual(concurrency);
      }
      expect(totalCrashes).toBeGreaterThan(3); // the schedules did exercise recovery
    });
  }
});
