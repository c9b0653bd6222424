import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { CheckpointError } from "../../checkpoint/checkpoint-error.js";
import { LocalDirStore } from "../../checkpoint/local-dir-store.js";
import { RegionCoordinator, regionRestore, type RegionCoordinatorOptions } from "../../checkpoint/region-coordinator.js";
import type { TaskSnapshot } from "../../runtime/executor/barrier-control.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function setup(over: Partial<RegionCoordinatorOptions> = {}) {
  const dir = mkdtempSync(join(tmpdir(), "sluice-coord-"));
  dirs.push(dir);
  const store = new LocalDirStore(dir, { warn: () => {} });
  const committed: number[] = [];
  const failures: Error[] = [];
  const c = new RegionCoordinator({
    store,
    pipeline: "p",
    region: "r1",
    planFingerprint: "fp",
    intervalMs: 60_000,
    unaligned: false,
    timeoutMs: 60_000,
    firstId: 1,
    commit: async (s) => void committed.push(s.checkpointId),
    fail: (e) => void failures.push(e),
    ...over,
  });
  return { c, store, committed, failures };
}

const snap = (id: number, extra: Partial<TaskSnapshot> = {}): TaskSnapshot => ({
  checkpointId: id,
  position: { file: 0, path: "/in", offset: id * 10 },
  operators: { limit: { seen: id } },
  committable: { staged: id },
  rowsRead: id * 10,
  final: false,
  injectedAt: performance.now(),
  ...extra,
});

describe("RegionCoordinator", () => {
  it("asks for one barrier at a time, writes the snapshot, then commits it", async () => {
    const { c, store, committed } = setup();
    let woke = false;
    void c.requested().then(() => (woke = true));
    expect(c.trigger()).toBe(1);
    await Promise.resolve();
    expect(woke).toBe(true);
    expect(c.trigger()).toBeUndefined(); // one pending already
    await c.taken(snap(1));
    expect(c.trigger()).toBeUndefined(); // still being written
    await c.settle();
    expect(committed).toEqual([1]);
    const back = regionRestore((await store.latest())!);
    expect(back).toMatchObject({ id: 1, final: false, position: { offset: 10 }, committable: { staged: 1 }, operators: { limit: { seen: 1 } }, rowsRead: 10 });
    expect(c.trigger()).toBe(2);
  });

  it("the final barrier waits for the checkpoint in progress and resolves once committed", async () => {
    const { c, committed } = setup();
    c.trigger();
    await c.taken(snap(1));
    const fin = await c.finalBarrier();
    expect(committed).toEqual([1]);
    expect(fin.checkpointId).toBe(2);
    await c.taken(snap(2, { final: true }));
    expect(committed).toEqual([1, 2]);
    expect(c.completed.map((t) => [t.id, t.final])).toEqual([
      [1, false],
      [2, true],
    ]);
  });

  it("fails the region when a barrier does not get through in time", async () => {
    const { c, failures } = setup({ timeoutMs: 20 });
    c.trigger();
    await new Promise((r) => setTimeout(r, 60));
    expect(failures).toHaveLength(1);
    expect(failures[0]).toBeInstanceOf(CheckpointError);
    expect(failures[0]!.message).toMatch(/checkpoint 1 of region 'r1' timed out/);
    c.stop();
  });

  it("fails the region when the commit fails (its sealed output would be lost otherwise)", async () => {
    const { c, failures } = setup({
      commit: async () => {
        throw new Error("disk full");
      },
    });
    c.trigger();
    await c.taken(snap(1));
    await c.settle();
    expect(failures.map((e) => e.message)).toEqual(["disk full"]);
  });

  it("refuses a checkpoint that is not a region checkpoint", async () => {
    const { store } = setup();
    await store.write({ id: 1, createdAt: Date.now(), pipeline: "p", planFingerprint: "fp", parts: { other: 1 } });
    await expect(store.latest().then((cp) => regionRestore(cp!))).rejects.toThrow(/not a region checkpoint/);
  });
});
