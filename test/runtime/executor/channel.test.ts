import { tableFromArrays } from "apache-arrow";
import { describe, expect, it } from "vitest";
import { Channel, batchBytes } from "../../../runtime/executor/channel.js";

const batch = (n: number) => tableFromArrays({ x: new Float32Array(n) }).batches[0]!;

describe("bounded channel", () => {
  it("suspends the sender when full by batch count, resumes when the receiver takes", async () => {
    const ch = new Channel({ maxBatches: 2 });
    await ch.send({ kind: "batch", batch: batch(1) });
    await ch.send({ kind: "batch", batch: batch(1) });
    let third = false;
    const p = ch.send({ kind: "batch", batch: batch(1) }).then(() => (third = true));
    await new Promise((r) => setTimeout(r, 5));
    expect(third).toBe(false);
    expect(ch.stats.queuedBatches).toBe(2);
    await ch.receive();
    await p;
    expect(third).toBe(true);
  });

  it("budgets bytes, but admits one oversized batch into an empty channel", async () => {
    const big = batch(1000);
    const ch = new Channel({ maxBatches: 100, maxBytes: batchBytes(big) + 10 });
    await ch.send({ kind: "batch", batch: big });
    let second = false;
    const p = ch.send({ kind: "batch", batch: batch(1000) }).then(() => (second = true));
    await new Promise((r) => setTimeout(r, 5));
    expect(second).toBe(false);
    await ch.receive();
    await p;
    const tiny = new Channel({ maxBytes: 1 });
    await tiny.send({ kind: "batch", batch: big });
    expect(tiny.stats.queuedBatches).toBe(1);
  });

  it("keeps batches and control events in order; control events take no capacity", async () => {
    const ch = new Channel({ maxBatches: 1 });
    await ch.send({ kind: "batch", batch: batch(3) });
    await ch.send({ kind: "barrier", checkpointId: 7, unaligned: false });
    await ch.send({ kind: "end" });
    const kinds = [(await ch.receive()).kind, (await ch.receive()).kind, (await ch.receive()).kind];
    expect(kinds).toEqual(["batch", "barrier", "end"]);
  });

  it("lets an unaligned barrier overtake queued batches and reports them", async () => {
    const ch = new Channel({ maxBatches: 10 });
    const a = batch(2), b = batch(3);
    await ch.send({ kind: "batch", batch: a });
    await ch.send({ kind: "batch", batch: b });
    const overtaken = ch.overtake({ kind: "barrier", checkpointId: 1, unaligned: true });
    expect(overtaken).toEqual([a, b]);
    expect((await ch.receive()).kind).toBe("barrier");
    expect((await ch.receive()).kind).toBe("batch");
  });

  it("fails both ends so nobody waits forever", async () => {
    const ch = new Channel({ maxBatches: 1 });
    await ch.send({ kind: "batch", batch: batch(1) });
    const blocked = ch.send({ kind: "batch", batch: batch(1) });
    const other = new Channel();
    const waiting = other.receive();
    ch.fail(new Error("boom"));
    other.fail(new Error("bang"));
    await expect(blocked).rejects.toThrow("boom");
    await expect(waiting).rejects.toThrow("bang");
    await expect(ch.receive()).rejects.toThrow("boom");
  });
});
