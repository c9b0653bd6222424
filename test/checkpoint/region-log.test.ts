import { execFileSync } from "node:child_process";
import { mkdtemp, open, readdir, readFile, rm, stat, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tableFromArrays, type RecordBatch } from "apache-arrow";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CheckpointError } from "../../checkpoint/checkpoint-error.js";
import { batchByteSize } from "../../connectors/sinks/part-writer.js";
import { END_MARKER, RegionLog, TRUNCATED_MARKER, type RegionLogOptions, type RegionLogPosition } from "../../checkpoint/region-log.js";
import type { Sink } from "../../runtime/api/sink.js";
import type { PositionedBatch, Source } from "../../runtime/api/source.js";
import type { Json } from "../../runtime/api/stream.js";

let root: string;
let dir: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "sluice-region-log-"));
  dir = join(root, "log");
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A batch of `n` rows with ids `from`, `from + 1`, …; every batch of the same `n` has the same size. */
function batch(from: number, n = 4): RecordBatch {
  const ids = Int32Array.from({ length: n }, (_, i) => from + i);
  return tableFromArrays({ id: ids, label: Array.from(ids, (i) => `row-${String(i).padStart(4, "0")}`) }).batches[0]!;
}

const schema = batch(0).schema;
const ctx = { jobId: "job", subtask: 0 };
const NAME = "decode → infer";

async function openLog(opts: Partial<RegionLogOptions> = {}): Promise<RegionLog> {
  return RegionLog.open({ dir, name: NAME, schema, ...opts });
}

async function openSink(log: RegionLog): Promise<Sink> {
  const sink = log.sink();
  await sink.open(schema, ctx);
  return sink;
}

/** Writes batches of 4 rows with ids from `from` on. */
async function writeIds(sink: Sink, from: number, batches: number): Promise<void> {
  for (let i = 0; i < batches; i++) await sink.write(batch(from + 4 * i));
}

async function checkpoint(sink: Sink, id: number): Promise<Json> {
  const c = await sink.prepareCommit(id);
  await sink.commit(c);
  return c;
}

const ids = (items: readonly PositionedBatch[]): number[] => items.flatMap((p) => Array.from(p.batch.getChild("id")!.toArray() as Int32Array));
const labels = (items: readonly PositionedBatch[]): string[] => items.flatMap((p) => p.batch.getChild("label")!.toArray() as string[]);
const range = (from: number, n: number): number[] => Array.from({ length: n }, (_, i) => from + i);

/** Reads to the end of the log (it must have ended, or this waits forever). */
async function readAll(source: Source, from?: Json): Promise<PositionedBatch[]> {
  const out: PositionedBatch[] = [];
  for await (const b of source.read(from, { batchRows: 1000, signal: new AbortController().signal })) out.push(b);
  return out;
}

/** Takes `n` batches from an iterator that stays open. */
async function take(it: AsyncIterator<PositionedBatch>, n: number): Promise<PositionedBatch[]> {
  const out: PositionedBatch[] = [];
  for (let i = 0; i < n; i++) {
    const r = await it.next();
    if (r.done) throw new Error(`log ended after ${out.length} batches`);
    out.push(r.value);
  }
  return out;
}

function reader(source: Source, from?: Json, signal = new AbortController().signal): AsyncIterator<PositionedBatch> {
  return source.read(from, { batchRows: 1000, signal })[Symbol.asyncIterator]();
}

/** Lets pending I/O and promise chains run (event-loop turns and file-system round trips, no timers). */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) {
    await new Promise((r) => setImmediate(r));
    await stat(root);
  }
}

/** Tracks whether a promise has settled. */
function track<T>(p: Promise<T>): { done: () => boolean; promise: Promise<T> } {
  let settled = false;
  const promise = p.finally(() => (settled = true));
  promise.catch(() => {});
  return { done: () => settled, promise };
}

const segmentFiles = async (): Promise<string[]> => (await readdir(dir)).filter((n) => n.startsWith("seg-")).sort();
const seg = (n: number): string => `seg-${String(n).padStart(8, "0")}.arrows`;

describe("RegionLog", () => {
  it("round-trips batches over several checkpoints, rolling segments, in process and from the files alone", async () => {
    // Two batches fill a segment.
    const log = await openLog({ maxSegmentBytes: batchByteSize(batch(0)) * 2 });
    await log.recover(undefined);
    const sink = await openSink(log);
    await writeIds(sink, 0, 3);
    expect(await checkpoint(sink, 1)).toEqual({ kind: "sluice.region-log", log: NAME, upTo: 2 });
    await writeIds(sink, 12, 4);
    expect(await checkpoint(sink, 2)).toEqual({ kind: "sluice.region-log", log: NAME, upTo: 4 });
    await writeIds(sink, 28, 1);
    const c3 = await checkpoint(sink, 3);
    expect(c3).toEqual({ kind: "sluice.region-log", log: NAME, upTo: 5 });
    await sink.finish();
    expect(await segmentFiles()).toEqual([0, 1, 2, 3, 4].map(seg));

    const expected: RegionLogPosition[] = [
      { segment: 0, batch: 1 },
      { segment: 1, batch: 0 },
      { segment: 2, batch: 0 },
      { segment: 2, batch: 1 },
      { segment: 3, batch: 0 },
      { segment: 3, batch: 1 },
      { segment: 4, batch: 0 },
      { segment: 5, batch: 0 },
    ];
    const got = await readAll(log.source());
    expect(ids(got)).toEqual(range(0, 32));
    expect(got.map((p) => p.position)).toEqual(expected);

    // A restarted process reads the same from the files.
    const again = await openLog();
    await again.recover(c3);
    const fromFiles = await readAll(again.source());
    expect(ids(fromFiles)).toEqual(range(0, 32));
    expect(fromFiles.map((p) => p.position)).toEqual(expected);
    // Every batch has its own dictionary for `label`: the segments must replace it batch by batch.
    expect(labels(fromFiles)).toEqual(range(0, 32).map((i) => `row-${String(i).padStart(4, "0")}`));
    expect(fromFiles[0]!.batch.schema.fields.map((f) => `${f.name}: ${String(f.type)}`)).toEqual(["id: Int32", "label: Dictionary<Int32, Utf8>"]);
  });

  it("shows only committed batches: a waiting reader wakes on commit", async () => {
    const log = await openLog();
    await log.recover(undefined);
    const sink = await openSink(log);
    await writeIds(sink, 0, 2);
    const c1 = await sink.prepareCommit(1);
    const it = reader(log.source());
    const first = track(it.next());
    await settle();
    expect(first.done()).toBe(false); // sealed, not committed
    await sink.commit(c1);
    const r = await first.promise;
    expect(ids([r.value as PositionedBatch])).toEqual(range(0, 4));
    expect(ids(await take(it, 1))).toEqual(range(4, 4));

    // Written and even sealed after the commit: still invisible until its own commit.
    await writeIds(sink, 8, 1);
    const c2 = await sink.prepareCommit(2);
    const next = track(it.next());
    await settle();
    expect(next.done()).toBe(false);
    await sink.commit(c2);
    expect(ids([(await next.promise).value as PositionedBatch])).toEqual(range(8, 4));
    await it.return?.();
  });

  it("a checkpoint's late commit from a closed handle still publishes what it sealed", async () => {
    const log = await openLog();
    await log.recover(undefined);
    const sink = await openSink(log);
    await writeIds(sink, 0, 1);
    const c1 = await sink.prepareCommit(1);
    await sink.close(); // the attempt failed while its checkpoint was being written
    await sink.commit(c1);
    expect(ids(await take(reader(log.source()), 1))).toEqual(range(0, 4));
  });

  it("recover commits what the restored checkpoint sealed when its commit never ran, waking a waiting reader", async () => {
    const log = await openLog();
    await log.recover(undefined);
    const sink = await openSink(log);
    await writeIds(sink, 0, 1);
    const c1 = await sink.prepareCommit(1); // stored in the checkpoint; then the region failed
    const next = track(reader(log.source()).next());
    await sink.close();
    await settle();
    expect(next.done()).toBe(false);
    await log.recover(c1);
    expect(ids([(await next.promise).value as PositionedBatch])).toEqual(range(0, 4));
  });

  it("commit is idempotent and monotone", async () => {
    const log = await openLog();
    await log.recover(undefined);
    const sink = await openSink(log);
    await writeIds(sink, 0, 1);
    const c1 = await sink.prepareCommit(1);
    await writeIds(sink, 4, 1);
    const c2 = await checkpoint(sink, 2);
    await sink.commit(c1); // an older commit repeated: no step back
    expect(log.stats().committedSegments).toBe(2);
    await sink.commit(c2);
    expect(log.stats().committedSegments).toBe(2);
    await expect(sink.commit({ kind: "sluice.region-log", log: NAME, upTo: 7 })).rejects.toThrow(/never sealed/);
  });

  it("reads from a middle position exactly the rest, in process and after a restart", async () => {
    const log = await openLog({ maxSegmentBytes: 1 }); // one batch per segment
    await log.recover(undefined);
    const sink = await openSink(log);
    await writeIds(sink, 0, 3);
    await checkpoint(sink, 1);
    await writeIds(sink, 12, 3);
    await checkpoint(sink, 2);
    await sink.finish();
    const all = await readAll(log.source());
    expect(ids(all)).toEqual(range(0, 24));
    for (const k of [0, 2, 4]) {
      const rest = await readAll(log.source(), all[k]!.position);
      expect(ids(rest)).toEqual(range(4 * (k + 1), 24 - 4 * (k + 1)));
      expect(rest.map((p) => p.position)).toEqual(all.slice(k + 1).map((p) => p.position));
    }
    // Mid-segment positions too, from the files of a fresh process.
    const dir2 = join(root, "one-segment");
    const log2 = await RegionLog.open({ dir: dir2, name: NAME, schema });
    await log2.recover(undefined);
    const s2 = await openSink(log2);
    await writeIds(s2, 0, 5);
    const c5 = await checkpoint(s2, 1);
    const fresh = await RegionLog.open({ dir: dir2, name: NAME, schema });
    await fresh.recover(c5);
    const it = reader(fresh.source(), { segment: 0, batch: 3 });
    expect((await take(it, 2)).map((p) => [ids([p]), p.position])).toEqual([
      [range(12, 4), { segment: 0, batch: 4 }],
      [range(16, 4), { segment: 1, batch: 0 }],
    ]);
    await it.return?.();
  });

  it("recover after a crash deletes sealed-but-uncommitted segments and .inprogress files; a reader sees exactly the committed batches", async () => {
    const crashed = await openLog({ maxSegmentBytes: 1 });
    await crashed.recover(undefined);
    const sink = await openSink(crashed);
    await writeIds(sink, 0, 2);
    const c1 = await checkpoint(sink, 1);
    await writeIds(sink, 8, 3); // rolled: sealed segments 2..4, never committed
    expect(await segmentFiles()).toEqual([0, 1, 2, 3, 4].map(seg));
    // Leftovers of a process that died mid-segment and mid-marker.
    await writeFile(join(dir, seg(5) + ".inprogress"), "half a segment");
    await writeFile(join(dir, END_MARKER + ".tmp"), "{");

    const log = await openLog({ maxSegmentBytes: 1 });
    await log.recover(c1);
    expect((await readdir(dir)).sort()).toEqual([seg(0), seg(1)]);
    expect(log.stats()).toMatchObject({ segmentsOnDisk: 2, committedSegments: 2, ended: false });

    // The upstream produces again from its checkpoint: numbering continues after the committed.
    const again = await openSink(log);
    await writeIds(again, 100, 1);
    await checkpoint(again, 2);
    await again.finish();
    expect(await segmentFiles()).toEqual([0, 1, 2].map(seg));
    expect(ids(await readAll(log.source()))).toEqual([...range(0, 8), ...range(100, 4)]);
  });

  it("recover(undefined) empties the log", async () => {
    const first = await openLog();
    await first.recover(undefined);
    const sink = await openSink(first);
    await writeIds(sink, 0, 3);
    await checkpoint(sink, 1);
    await sink.finish();
    expect(await readdir(dir)).toContain(END_MARKER);

    const log = await openLog();
    await log.recover(undefined);
    expect(await readdir(dir)).toEqual([]);
    expect(log.stats()).toMatchObject({ segmentsOnDisk: 0, committedSegments: 0, ended: false });
    // Nothing to read: the reader waits (no end marker) until it is cancelled.
    const ac = new AbortController();
    const next = track(reader(log.source(), undefined, ac.signal).next());
    await settle();
    expect(next.done()).toBe(false);
    ac.abort(new Error("cancelled"));
    await expect(next.promise).rejects.toThrow("cancelled");
  });

  it("finish seals, commits and writes the end marker; readers end; finish is idempotent, also after a restart", async () => {
    const log = await openLog();
    await log.recover(undefined);
    const sink = await openSink(log);
    await writeIds(sink, 0, 2);
    const c1 = await checkpoint(sink, 1);
    await writeIds(sink, 8, 1); // committed by finish alone
    const it = reader(log.source());
    expect(ids(await take(it, 2))).toEqual(range(0, 8));
    const end = track(it.next());
    await settle();
    expect(end.done()).toBe(false);
    await sink.finish();
    expect(ids([(await end.promise).value as PositionedBatch])).toEqual(range(8, 4));
    expect((await it.next()).done).toBe(true);
    expect(JSON.parse(await readFile(join(dir, END_MARKER), "utf8"))).toMatchObject({ segments: 2 });
    expect(log.stats().ended).toBe(true);

    await sink.finish();
    expect(await segmentFiles()).toEqual([0, 1].map(seg));
    await expect(sink.write(batch(50))).rejects.toThrow(/after the log ended/);

    // A restarted upstream whose final checkpoint matches the marker: complete, and finishing again is fine.
    const final = { kind: "sluice.region-log", log: NAME, upTo: 2 };
    const restarted = await openLog();
    await restarted.recover(final);
    expect(restarted.stats().ended).toBe(true);
    const s2 = await openSink(restarted);
    expect(await s2.prepareCommit(9)).toEqual(final);
    await s2.finish();
    expect(ids(await readAll(restarted.source()))).toEqual(range(0, 12));

    // Restored from a checkpoint before the end: the marker goes with the segments after it.
    const older = await openLog();
    await older.recover(c1);
    expect(older.stats().ended).toBe(false);
    expect((await readdir(dir)).sort()).toEqual([seg(0)]);
  });

  it("truncateBefore deletes only earlier segments; reading a truncated position fails clearly", async () => {
    const log = await openLog({ maxSegmentBytes: 1 });
    await log.recover(undefined);
    const sink = await openSink(log);
    await writeIds(sink, 0, 4);
    const c = await checkpoint(sink, 1);
    await writeIds(sink, 16, 1); // sealed, uncommitted: not truncatable
    await log.truncateBefore({ segment: 2, batch: 0 });
    expect(await segmentFiles()).toEqual([2, 3, 4].map(seg));
    expect(JSON.parse(await readFile(join(dir, TRUNCATED_MARKER), "utf8"))).toMatchObject({ before: 2 });
    await log.truncateBefore({ segment: 1, batch: 0 }); // behind: nothing to do
    expect(await segmentFiles()).toEqual([2, 3, 4].map(seg));
    await expect(log.truncateBefore({ segment: 5, batch: 0 })).rejects.toThrow(/only 4 segment\(s\) are committed/);

    await expect(readAll(log.source(), { segment: 1, batch: 0 })).rejects.toThrow(/segments before 2 were truncated/);
    await expect(readAll(log.source())).rejects.toBeInstanceOf(CheckpointError);
    const it = reader(log.source(), { segment: 2, batch: 0 });
    expect(ids(await take(it, 2))).toEqual(range(8, 8));
    await it.return?.();

    // After a restart, recovery knows the missing segments were truncated, not lost…
    const restarted = await openLog();
    await restarted.recover(c);
    expect(await segmentFiles()).toEqual([2, 3].map(seg));
    // …but a committed segment that vanished otherwise is named.
    await rm(join(dir, seg(3)));
    await expect((await openLog()).recover(c)).rejects.toThrow(new RegExp(`segment file .*${seg(3)} is missing`));
  });

  it("refuses an upstream checkpoint older than what the downstream truncated", async () => {
    const log = await openLog({ maxSegmentBytes: 1 });
    await log.recover(undefined);
    const sink = await openSink(log);
    await writeIds(sink, 0, 1);
    const c1 = await checkpoint(sink, 1);
    await writeIds(sink, 4, 2);
    await checkpoint(sink, 2);
    await log.truncateBefore({ segment: 3, batch: 0 });
    await expect((await openLog()).recover(c1)).rejects.toThrow(/commits 1 segment\(s\).*truncated the log up to segment 3/);
  });

  it("blocks the writer while committed-unread bytes exceed the limit, and resumes as the reader reads", async () => {
    const perBatch = batchByteSize(batch(0));
    // One batch per segment, so that the uncommitted ones are sealed too.
    const log = await openLog({ maxUnreadBytes: perBatch * 1.5, maxSegmentBytes: 1 });
    await log.recover(undefined);
    const sink = await openSink(log);
    // Uncommitted bytes do not count: these never block, however many.
    await writeIds(sink, 0, 3);
    expect(log.stats()).toMatchObject({ segmentsOnDisk: 3, committedSegments: 0, unreadBytes: 0 });
    await checkpoint(sink, 1);
    expect(log.stats().unreadBytes).toBe(3 * perBatch);

    const order: string[] = [];
    const blocked = track(sink.write(batch(12)).then(() => order.push("write")));
    await settle();
    expect(blocked.done()).toBe(false);
    const it = reader(log.source());
    await take(it, 1);
    order.push("read 1");
    await settle();
    expect(blocked.done()).toBe(false); // 2 batches unread > 1.5
    await take(it, 1);
    order.push("read 2");
    await blocked.promise;
    expect(order).toEqual(["read 1", "read 2", "write"]);
    await it.return?.();
  });

  it("fails a write blocked on backpressure when its sink is closed", async () => {
    const log = await openLog({ maxUnreadBytes: 1 });
    await log.recover(undefined);
    const sink = await openSink(log);
    await writeIds(sink, 0, 1);
    await checkpoint(sink, 1);
    const blocked = track(sink.write(batch(4)));
    await settle();
    expect(blocked.done()).toBe(false);
    await sink.close();
    await expect(blocked.promise).rejects.toThrow(/stale/);
  });

  it("rejects foreign and malformed committables", async () => {
    const log = await openLog();
    await log.recover(undefined);
    const sink = await openSink(log);
    await writeIds(sink, 0, 1);
    await sink.prepareCommit(1);
    const bad: Json[] = [
      { kind: "sluice.file-sink", layout: "dir", format: "arrow", target: "/x", checkpoint: "1", parts: [] },
      { kind: "sluice.region-log", log: "other → edge", upTo: 1 },
      { kind: "sluice.region-log", log: NAME, upTo: -1 },
      { kind: "sluice.region-log", log: NAME, upTo: "1" },
      { kind: "sluice.region-log", log: NAME, upTo: 1, extra: true },
      [1],
      "upTo=1",
    ];
    for (const c of bad) {
      await expect(sink.commit(c)).rejects.toThrow(/invalid committable/);
      await expect(sink.abort(c)).rejects.toThrow(/invalid committable/);
      await expect((await openLog()).recover(c)).rejects.toThrow(/invalid committable/);
    }
    expect(log.stats().committedSegments).toBe(0);
    // A valid abort deletes nothing: the next recover decides.
    await sink.abort({ kind: "sluice.region-log", log: NAME, upTo: 1 });
    expect(await segmentFiles()).toEqual([seg(0)]);
  });

  it("detects a corrupt (truncated) segment file and names it", async () => {
    const log = await openLog({ maxSegmentBytes: batchByteSize(batch(0)) * 2 });
    await log.recover(undefined);
    const sink = await openSink(log);
    await writeIds(sink, 0, 6);
    const c = await checkpoint(sink, 1);
    // Cut in the middle of a message, and exactly before the end-of-stream marker (which a
    // stream reader alone would take for a shorter, valid stream).
    for (const [n, cut] of [[1, 20], [2, 8]] as const) {
      const path = join(dir, seg(n));
      await truncate(path, (await stat(path)).size - cut);
    }

    const fresh = await openLog();
    await fresh.recover(c);
    const it = reader(fresh.source());
    expect(ids(await take(it, 2))).toEqual(range(0, 8)); // segment 0 is fine
    await expect(it.next()).rejects.toThrow(new RegExp(`segment file .*${seg(1)} is corrupt or truncated`));
    await expect(readAll(fresh.source(), { segment: 2, batch: 0 })).rejects.toThrow(new RegExp(`segment file .*${seg(2)} is corrupt or truncated: .*end-of-stream`));
  });

  it("an in-process reader takes committed batches from memory, then drops them; a later reader falls back to the files", async () => {
    const log = await openLog({ maxSegmentBytes: 1 });
    await log.recover(undefined);
    const sink = await openSink(log);
    await writeIds(sink, 0, 2);
    await checkpoint(sink, 1);
    expect(log.stats().cachedBytes).toBeGreaterThan(0);
    // Damage the files: only the memory copies can still be read.
    for (const n of [0, 1]) await truncate(join(dir, seg(n)), 10);
    const it = reader(log.source());
    expect(ids(await take(it, 2))).toEqual(range(0, 8));
    expect(log.stats().cachedBytes).toBe(0);
    await it.return?.();
    await expect(readAll(log.source())).rejects.toThrow(/corrupt or truncated/);
  });

  it("reads again from an older position after a downstream restart in the same process", async () => {
    const log = await openLog({ maxSegmentBytes: 1 });
    await log.recover(undefined);
    const sink = await openSink(log);
    await writeIds(sink, 0, 4);
    await checkpoint(sink, 1);
    const first = reader(log.source());
    const read = await take(first, 3);
    await first.return?.(); // the downstream failed; its checkpoint was after batch 1
    const second = reader(log.source(), read[0]!.position);
    expect(ids(await take(second, 3))).toEqual(range(4, 12));
    // Caught up: it waits for more, which comes with the next commit.
    const next = track(second.next());
    await settle();
    expect(next.done()).toBe(false);
    await writeIds(sink, 16, 1);
    await checkpoint(sink, 2);
    expect(ids([(await next.promise).value as PositionedBatch])).toEqual(range(16, 4));
    await second.return?.();
  });

  it("reports a downstream position beyond what the upstream's checkpoint committed, naming both", async () => {
    const log = await openLog({ maxSegmentBytes: 1 });
    await log.recover(undefined);
    const sink = await openSink(log);
    await writeIds(sink, 0, 3);
    await checkpoint(sink, 1);
    const fresh = await openLog();
    await fresh.recover({ kind: "sluice.region-log", log: NAME, upTo: 2 });
    await expect(readAll(fresh.source(), { segment: 3, batch: 0 })).rejects.toThrow(/\(segment 3, batch 0\) is beyond the 2 segment\(s\).*upstream's checkpoint is older than the downstream's/);
    await expect(readAll(fresh.source(), { segment: 2, batch: 1 })).rejects.toBeInstanceOf(CheckpointError);
    await expect(readAll(fresh.source(), { segment: "x" })).rejects.toThrow(/invalid read position/);
    await expect(readAll(fresh.source(), { segment: 0, batch: 5 })).rejects.toThrow(/past the end of segment 0, which holds 1 batch/);
  });

  it("survives an upstream restart in the same process while a reader keeps reading", async () => {
    const log = await openLog({ maxSegmentBytes: 1 });
    await log.recover(undefined);
    const sink = await openSink(log);
    await writeIds(sink, 0, 2);
    const c1 = await checkpoint(sink, 1);
    await writeIds(sink, 8, 2); // the failed attempt's output: sealed, never committed
    const it = reader(log.source());
    expect(ids(await take(it, 2))).toEqual(range(0, 8));
    const waiting = track(it.next());

    await sink.close();
    await log.recover(c1);
    expect(await segmentFiles()).toEqual([0, 1].map(seg));
    await expect(sink.write(batch(99))).rejects.toThrow(/stale/);
    await sink.commit(c1); // nothing new: fine from any handle
    await expect(sink.commit({ kind: "sluice.region-log", log: NAME, upTo: 3 })).rejects.toThrow(/before the last recover\(\), which kept 2/);
    const retry = await openSink(log);
    await writeIds(retry, 200, 1);
    await sink.close(); // a late close of the old handle must not discard the new attempt's segment
    await checkpoint(retry, 2);
    expect(ids([(await waiting.promise).value as PositionedBatch])).toEqual(range(200, 4));
    await it.return?.();
  });

  it("an upstream restore that takes back committed-but-unread segments: a waiting reader gets the new attempt's output instead", async () => {
    const log = await openLog({ maxSegmentBytes: 1 });
    await log.recover(undefined);
    const sink = await openSink(log);
    await writeIds(sink, 0, 1);
    const c1 = await checkpoint(sink, 1);
    const it = reader(log.source());
    expect(ids(await take(it, 1))).toEqual(range(0, 4));
    const next = track(it.next()); // caught up: waits for segment 1
    await writeIds(sink, 4, 1);
    await sink.prepareCommit(2); // the checkpoint is lost before its commit: the upstream restores c1
    await sink.close();
    await log.recover(c1);
    expect(await segmentFiles()).toEqual([seg(0)]);
    const retry = await openSink(log);
    await writeIds(retry, 100, 1);
    await checkpoint(retry, 3);
    expect(ids([(await next.promise).value as PositionedBatch])).toEqual(range(100, 4));
    await it.return?.();
  });

  it.skipIf(process.platform === "win32")("a recover that takes back the segment a reader is in the middle of reading makes it wait for the new one", async () => {
    // No memory copies (the cache budget is 1 byte), so the reader goes to the file.
    const log = await openLog({ maxSegmentBytes: 1, maxUnreadBytes: 1 });
    await log.recover(undefined);
    const sink = await openSink(log);
    await writeIds(sink, 0, 1);
    const c1 = await checkpoint(sink, 1);
    const it = reader(log.source());
    expect(ids(await take(it, 1))).toEqual(range(0, 4));
    await writeIds(sink, 4, 1);
    await checkpoint(sink, 2); // committed, but its checkpoint is lost: the upstream restores c1
    // Segment 1's file becomes a FIFO, so the reader stays inside its open until we let it go.
    const fifo = join(dir, seg(1));
    await rm(fifo);
    execFileSync("mkfifo", [fifo]);
    const next = track(it.next());
    const writeEnd = await open(fifo, "w"); // opens once the reader has opened the other end
    await sink.close();
    await log.recover(c1);
    await writeEnd.close(); // the reader now finds a broken file, of a segment no longer committed
    await settle();
    expect(next.done()).toBe(false);
    const retry = await openSink(log);
    await writeIds(retry, 100, 1);
    await checkpoint(retry, 3);
    expect(ids([(await next.promise).value as PositionedBatch])).toEqual(range(100, 4));
    await it.return?.();
  });

  it("refuses to take back segments the downstream already read", async () => {
    const log = await openLog({ maxSegmentBytes: 1 });
    await log.recover(undefined);
    const sink = await openSink(log);
    await writeIds(sink, 0, 1);
    const c1 = await checkpoint(sink, 1);
    await writeIds(sink, 4, 1);
    await checkpoint(sink, 2);
    const it = reader(log.source());
    await take(it, 2);
    await it.return?.();
    await expect(log.recover(c1)).rejects.toThrow(/commits 1 segment\(s\), but the downstream already read into segment 1 of the 2 committed/);
    expect(await segmentFiles()).toEqual([0, 1].map(seg));

    // A downstream that restored a position past the upstream's checkpoint, and waits there.
    const other = await RegionLog.open({ dir: join(root, "other"), name: NAME, schema });
    await other.recover(undefined);
    const s2 = await openSink(other);
    await writeIds(s2, 0, 2);
    await checkpoint(s2, 1);
    const waiting = track(reader(other.source(), { segment: 1, batch: 0 }).next());
    await settle();
    expect(waiting.done()).toBe(false);
    await expect(other.recover({ kind: "sluice.region-log", log: NAME, upTo: 0 })).rejects.toThrow(/commits 0 segment\(s\), but the downstream already read into segment 0/);
  });

  it("checks the schema and needs recover before use", async () => {
    const log = await openLog();
    await expect(log.sink().open(schema, ctx)).rejects.toThrow(/recover/);
    await expect(readAll(log.source())).rejects.toThrow(/before recover/);
    await log.recover(undefined);
    const other = tableFromArrays({ id: Float64Array.from([1]) }).schema;
    await expect(log.sink().open(other, ctx)).rejects.toThrow(/the upstream writes \[id: Float64\]/);
    const sink = await openSink(log);
    await expect(sink.write(tableFromArrays({ id: Float64Array.from([1]) }).batches[0]!)).rejects.toThrow(/columns/);
    expect(await log.source().schema()).toBe(schema);
  });
});
