/**
 * Resuming past a corrupt newest checkpoint: that checkpoint had already committed output, so the
 * recovery takes it back (rollback) before replaying from the older checkpoint; every row once.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { read } from "../../runtime/dataframe/index.js";

it("a run resumed past a corrupt newest checkpoint still writes every row once", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sluice-repro-"));
  try {
    writeFileSync(join(dir, "in.jsonl"), Array.from({ length: 200 }, (_, i) => JSON.stringify({ n: i })).join("\n") + "\n");
    const pipeline = () =>
      read
        .jsonl(join(dir, "in.jsonl"))
        .step("udf", { columns: "n", output: "m", returns: "f64", batch: { maxRows: 4, maxDelayMs: 1 }, fn: async (rows: { n: bigint }[]) => (await new Promise((r) => setTimeout(r, 5)), rows.map((r) => Number(r.n))) })
        .options({ batchRows: 8, checkpoint: { interval: 15, dir: join(dir, "ckpt") } })
        .write.jsonl(join(dir, "out"));
    const stop = new AbortController();
    await pipeline()
      .run({ signal: stop.signal, progressMs: 5, onProgress: (p) => (p.checkpoints ?? 0) >= 3 && stop.abort() })
      .catch(() => undefined);
    const store = join(dir, "ckpt", "regions", "0-r1");
    const newest = join(store, readdirSync(store).filter((e) => e.startsWith("chk-")).sort().at(-1)!);
    truncateSync(join(newest, readdirSync(newest).find((f) => f.endsWith("-position.json"))!), 3);
    const warnings: string[] = [];
    await pipeline().run({ warn: (m) => warnings.push(m) });
    expect(warnings.join("\n")).toContain(`skipping ${newest}`);
    expect(warnings.join("\n")).toMatch(/resuming from checkpoint \d+, older than checkpoint \d+; took back \d+ output part/);
    const out = join(dir, "out");
    const rows = readdirSync(out).filter((f) => f.endsWith(".jsonl")).flatMap((f) => readFileSync(join(out, f), "utf8").split("\n").filter(Boolean).map((l) => (JSON.parse(l) as { n: number }).n));
    expect(rows.sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
