/**
 * Real process death under checkpoints: `sluice run` (the CLI from dist/, as users run it) is
 * killed with SIGKILL — by SLUICE_FAIL's `crash` at a chosen batch, or from outside at seeded
 * random moments — and run again until it completes. The output (and the dead letters) must hold
 * every record exactly once. Also: a finished pipeline is not run again, and bad checkpoint
 * directories are reported.
 */

import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uniform } from "../../scheduler/models/seeded-random.js";

// The CLI runs the compiled code (npm test builds first).
const BIN = fileURLToPath(new URL("../../bin/sluice.js", import.meta.url));
if (!existsSync(fileURLToPath(new URL("../../dist/runtime/cli/main.js", import.meta.url)))) throw new Error("dist/ is missing or stale: run `npm run build` first (`npm test` does)");

const ROWS = 600;
const SEED = 4242;
/** n % 41 == 7: `square` answers a string → dead-lettered. n == 5: dropped by `keep`. */
const isDead = (n: number) => n % 41 === 7;
const EXPECTED_ROWS = Array.from({ length: ROWS }, (_, n) => n)
  .filter((n) => !isDead(n) && n !== 5)
  .map((n) => JSON.stringify({ n, sq: n * n, label: `#${n * n}` }))
  .sort();
const EXPECTED_DEAD = Array.from({ length: ROWS }, (_, n) => n)
  .filter(isDead)
  .map((n) => `square|${n}`)
  .sort();

// ~4 ms per call of 4 rows, one call at a time: the run takes about a second after startup.
const MODULE = `const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export async function square(rows) {
  await sleep(4);
  return rows.map((r) => (Number(r.n) % 41 === 7 ? "not a number" : Number(r.n) ** 2));
}
export async function label(rows) {
  await sleep(4);
  return rows.map((r) => "#" + r.sq);
}
`;

/** Two regions (r1: square, keep; tail: label), checkpoints every 50 ms. */
function specText(o: { dir?: string; keepValue?: number } = {}): string {
  return `name: kill-resume
batchRows: 8
checkpoint: { interval: 50ms, dir: ${o.dir ?? "ckpt"} }
source:
  jsonl: { path: in.jsonl }
steps:
  - udf: { columns: [n], output: sq, returns: f64, module: ./slow.mjs, export: square, key: n, concurrency: 1, batch: { maxRows: 4, maxDelayMs: 1 }, name: square }
  - filter: { column: n, op: ne, value: ${o.keepValue ?? 5}, name: keep }
  - udf: { columns: [sq], output: label, returns: utf8, module: ./slow.mjs, export: label, concurrency: 1, batch: { maxRows: 4, maxDelayMs: 1 }, name: label, region: tail }
sink:
  jsonl: { path: out }
`;
}

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "sluice-kill-"));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A fresh pipeline directory: input, module, spec. */
function pipelineDir(name: string): string {
  const d = mkdtempSync(join(root, `${name}-`));
  writeFileSync(join(d, "in.jsonl"), Array.from({ length: ROWS }, (_, n) => JSON.stringify({ n })).join("\n") + "\n");
  writeFileSync(join(d, "slow.mjs"), MODULE);
  writeFileSync(join(d, "spec.yaml"), specText());
  return d;
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** When to SIGKILL a run: after a delay, or as soon as a condition on its directory holds. */
type Kill = { afterMs: number } | { when: string; holds: () => boolean };

/** Runs `sluice run SPEC --quiet --json report.json` in `dir`, SIGKILLed as `kill` says. */
function sluice(dir: string, o: { fail?: string; kill?: Kill; spec?: string } = {}): Promise<Exit> {
  const env = { ...process.env };
  delete env.SLUICE_FAIL;
  if (o.fail) env.SLUICE_FAIL = o.fail;
  rmSync(join(dir, "report.json"), { force: true });
  const started = performance.now();
  const child = spawn(process.execPath, [BIN, "run", o.spec ?? "spec.yaml", "--quiet", "--json", "report.json"], { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const k = o.kill;
  const kill = !k
    ? undefined
    : "afterMs" in k
      ? setTimeout(() => child.kill("SIGKILL"), k.afterMs)
      : setInterval(() => k.holds() && child.kill("SIGKILL"), 3);
  // A run that never ends fails the test rather than hanging it.
  const cap = setTimeout(() => child.kill("SIGKILL"), 60_000);
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(kill);
      clearInterval(kill);
      clearTimeout(cap);
      resolve({ code, signal, stdout, stderr, ms: performance.now() - started });
    });
  });
}

const describeExit = (e: Exit) => `exit code ${e.code}, signal ${e.signal}\nstdout:\n${e.stdout}\nstderr:\n${e.stderr}`;

/** Runs without failures until a run exits 0 (at most `tries` runs). */
async function runToCompletion(dir: string, tries = 3): Promise<Exit> {
  let last: Exit | undefined;
  for (let i = 0; i < tries; i++) {
    last = await sluice(dir);
    if (last.code === 0) return last;
  }
  throw new Error(`no run completed in ${tries} tries; the last: ${describeExit(last!)}`);
}

/** Sorted lines of a directory's JSONL parts ([] when it does not exist). */
function jsonlLines(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(".jsonl"))
    .flatMap((f) => readFileSync(join(dir, f), "utf8").split("\n").filter(Boolean))
    .sort();
}

function outputOf(dir: string): { rows: string[]; dead: string[] } {
  return {
    rows: jsonlLines(join(dir, "out")),
    dead: jsonlLines(join(dir, "out.dead-letters"))
      .map((l) => {
        const d = JSON.parse(l) as { step: string; key: unknown };
        return `${d.step}|${JSON.stringify(d.key)}`;
      })
      .sort(),
  };
}

function expectExactlyOnce(dir: string, what: string): void {
  const { rows, dead } = outputOf(dir);
  expect(rows.length, `${what}: output rows`).toBe(EXPECTED_ROWS.length);
  expect(rows, `${what}: output rows`).toEqual(EXPECTED_ROWS);
  expect(dead, `${what}: dead letters`).toEqual(EXPECTED_DEAD);
}

interface Report {
  sourceRows: number;
  alreadyComplete: boolean;
  checkpoints: { region: string; resumedFrom?: number; restarts: number }[];
}
const report = (dir: string) => JSON.parse(readFileSync(join(dir, "report.json"), "utf8")) as Report;

/** The regions (store dir names) holding at least one checkpoint. */
function regionsWithCheckpoints(dir: string): string[] {
  const regions = join(dir, "ckpt", "regions");
  if (!existsSync(regions)) return [];
  return readdirSync(regions)
    .filter((r) => readdirSync(join(regions, r)).some((e) => e.startsWith("chk-")))
    .sort();
}

/** The newest checkpoint directory of a region store. */
function newestCheckpoint(dir: string, region: string): string {
  const store = join(dir, "ckpt", "regions", region);
  const chks = readdirSync(store).filter((e) => e.startsWith("chk-")).sort();
  expect(chks.length, `checkpoints in ${store}`).toBeGreaterThan(0);
  return join(store, chks.at(-1)!);
}

/** A clean run: the reference for durations, and the completed pipeline for the re-run case. */
let clean: { dir: string; ms: number; wallMs: number };
beforeAll(async () => {
  const dir = pipelineDir("clean");
  const e = await sluice(dir);
  expect(e.code, describeExit(e)).toBe(0);
  clean = { dir, ms: e.ms, wallMs: (JSON.parse(readFileSync(join(dir, "report.json"), "utf8")) as { wallMs: number }).wallMs };
}, 60_000);

describe("sluice run killed with SIGKILL, then run again", () => {
  it("a clean run writes every row once", () => {
    expectExactlyOnce(clean.dir, "clean run");
    const r = report(clean.dir);
    expect(r.sourceRows).toBe(ROWS);
    expect(r.checkpoints.map((c) => c.resumedFrom)).toEqual([undefined, undefined]);
  });

  it("a: SLUICE_FAIL crash kills the process at a batch; re-runs finish the output exactly once", async () => {
    const dir = pipelineDir("crash");
    const crashed = await sluice(dir, { fail: "label:crash@40" });
    expect(crashed.signal, describeExit(crashed)).toBe("SIGKILL");
    expect(crashed.stderr).toMatch(/injected crash at step 'label', batch 40: killing process \d+ \(SIGKILL\)/);
    expect(outputOf(dir).rows.length).toBeLessThan(EXPECTED_ROWS.length);
    const resumable = regionsWithCheckpoints(dir);
    expect(resumable).toContain("1-tail");
    await runToCompletion(dir);
    expectExactlyOnce(dir, "after the crash");
    const r = report(dir);
    for (const c of r.checkpoints) {
      const store = resumable.find((x) => x.endsWith(`-${c.region}`));
      if (store) expect(c.resumedFrom, `region ${c.region}`).toEqual(expect.any(Number));
      else expect(c.resumedFrom, `region ${c.region}`).toBeUndefined();
    }
    expect(r.sourceRows).toBeLessThan(ROWS);
  }, 60_000);

  it("b: SIGKILLs from outside at seeded random moments; every chain of re-runs ends with each row once", async () => {
    const random = uniform(SEED);
    // Startup (node, imports) before the pipeline runs, then the run itself.
    const startup = Math.max(0, clean.ms - clean.wallMs);
    const at = (fraction: number) => Math.max(1, Math.round(startup + fraction * clean.wallMs));
    const after = (ms: number): Kill => ({ afterMs: ms });
    /** When to kill the runs of chain `chain` (one pipeline directory), in order. */
    const scheduleFor = (chain: number, dir: string): Kill[] => {
      switch (chain) {
        case 0:
          // Very early: during startup (nothing on disk yet), and as soon as the run has created
          // its checkpoint directory (before the first checkpoint, 50 ms in); then spread out.
          return [after(Math.round(0.5 * startup)), { when: "at start", holds: () => existsSync(join(dir, "ckpt", "regions")) }, after(at(0.15 + 0.6 * random())), after(at(0.1 + 0.5 * random()))];
        case 1:
          // Very late: once 90% of the output is committed.
          return [{ when: "90% committed", holds: () => jsonlLines(join(dir, "out")).length >= 0.9 * EXPECTED_ROWS.length }, after(at(0.3 * random()))];
        default:
          return [after(at(0.1 + 0.8 * random()))];
      }
    };
    let kills = 0;
    const log: string[] = [];
    let resumedSomewhere = false;
    for (let chain = 0; kills < 5 && chain < 8; chain++) {
      const dir = pipelineDir(`chain-${chain}`);
      const schedule = scheduleFor(chain, dir);
      let done: Exit | undefined;
      let resumable: string[] = [];
      for (const kill of schedule) {
        resumable = regionsWithCheckpoints(dir);
        const e = await sluice(dir, { kill });
        const killed = e.signal === "SIGKILL" ? `killed, ${outputOf(dir).rows.length} rows committed, checkpoints in [${regionsWithCheckpoints(dir).join(", ")}]` : `exit ${e.code}`;
        log.push(`chain ${chain}: kill ${"afterMs" in kill ? `after ${kill.afterMs} ms` : kill.when} → ${killed}`);
        if (e.signal === "SIGKILL") {
          kills++;
          continue;
        }
        expect(e.code, `seed ${SEED}, ${log.join("; ")}: ${describeExit(e)}`).toBe(0);
        done = e;
        break;
      }
      if (!done) {
        resumable = regionsWithCheckpoints(dir);
        done = await runToCompletion(dir);
      }
      const what = `seed ${SEED}, ${log.join("; ")}`;
      expectExactlyOnce(dir, what);
      // The completing run resumed every region that had a checkpoint, and no other.
      const r = report(dir);
      for (const c of r.checkpoints) {
        const had = resumable.some((x) => x.endsWith(`-${c.region}`));
        if (had) expect(c.resumedFrom, `${what}: region ${c.region}`).toEqual(expect.any(Number));
        else expect(c.resumedFrom, `${what}: region ${c.region}`).toBeUndefined();
        resumedSomewhere ||= c.resumedFrom !== undefined;
      }
    }
    expect(kills, log.join("; ")).toBeGreaterThanOrEqual(5);
    expect(resumedSomewhere, log.join("; ")).toBe(true);
  }, 120_000);

  it("c: running a completed pipeline again says 'already complete' and leaves the output alone", async () => {
    const files = (d: string) => readdirSync(d).sort().map((f) => [f, statSync(join(d, f)).mtimeMs, readFileSync(join(d, f), "utf8")]);
    const before = { out: files(join(clean.dir, "out")), dead: files(join(clean.dir, "out.dead-letters")) };
    const e = await sluice(clean.dir);
    expect(e.code, describeExit(e)).toBe(0);
    expect(e.stdout).toMatch(/already complete/);
    const r = report(clean.dir);
    expect(r.alreadyComplete).toBe(true);
    expect(r.sourceRows).toBe(0);
    expect({ out: files(join(clean.dir, "out")), dead: files(join(clean.dir, "out.dead-letters")) }).toEqual(before);
    expectExactlyOnce(clean.dir, "re-run of a completed pipeline");
  }, 60_000);
});

describe("bad checkpoint directories", () => {
  it.each(["0-r1", "1-tail"])("d: a truncated part in region %s's newest checkpoint is skipped with a warning; output still exactly once", async (region) => {
    const dir = pipelineDir(`corrupt-${region}`);
    const crashed = await sluice(dir, { fail: "label:crash@40" });
    expect(crashed.signal, describeExit(crashed)).toBe("SIGKILL");
    const newest = newestCheckpoint(dir, region);
    const part = readdirSync(newest).find((f) => f.endsWith("-position.json"))!;
    truncateSync(join(newest, part), 3);
    const e = await runToCompletion(dir, 1);
    expect(e.stderr).toContain(`skipping ${newest}`);
    expect(e.stderr).toMatch(/truncated/);
    expectExactlyOnce(dir, `after skipping ${newest}`);
  }, 60_000);

  it("d: a foreign file in a region store is warned about and ignored", async () => {
    const dir = pipelineDir("foreign");
    const crashed = await sluice(dir, { fail: "label:crash@30" });
    expect(crashed.signal, describeExit(crashed)).toBe("SIGKILL");
    const store = join(dir, "ckpt", "regions", "1-tail");
    writeFileSync(join(store, "notes.txt"), "not a checkpoint\n");
    const e = await runToCompletion(dir, 1);
    expect(e.stderr).toMatch(new RegExp(`ignoring entries in ${store.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} that are not checkpoints: notes\\.txt`));
    expect(report(dir).checkpoints.find((c) => c.region === "tail")!.resumedFrom).toEqual(expect.any(Number));
    expectExactlyOnce(dir, "with a foreign file in the store");
  }, 60_000);

  it("d: checkpoint.dir naming a regular file fails the run, naming the path", async () => {
    const dir = pipelineDir("dir-is-file");
    writeFileSync(join(dir, "ckpt-file"), "I am a file\n");
    writeFileSync(join(dir, "file.yaml"), specText({ dir: "ckpt-file" }));
    const e = await sluice(dir, { spec: "file.yaml" });
    expect(e.code, describeExit(e)).not.toBe(0);
    expect(e.signal).toBeNull();
    expect(e.stderr).toContain(join(dir, "ckpt-file"));
    expect(e.stderr).toMatch(/not a directory/);
    expect(existsSync(join(dir, "out"))).toBe(false);
  }, 60_000);

  it("d: a spec whose steps changed since the checkpoint is refused, saying to delete the checkpoint directory", async () => {
    writeFileSync(join(clean.dir, "changed.yaml"), specText({ keepValue: 6 }));
    const before = outputOf(clean.dir);
    const e = await sluice(clean.dir, { spec: "changed.yaml" });
    expect(e.code, describeExit(e)).not.toBe(0);
    expect(e.stderr).toMatch(/changed since checkpoint \d+/);
    expect(e.stderr).toMatch(/delete the checkpoint directory/);
    expect(outputOf(clean.dir)).toEqual(before);
  }, 60_000);
});
