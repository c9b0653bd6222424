/**
 * Target (c) of `sluice bench checkpoint`: recovery time. A spec-file pipeline runs through the
 * CLI as a child process (`node bin/sluice.js run spec.yaml --quiet --json report.json`), its
 * checkpoints holding tens of MB of state; once a large checkpoint is on disk it is SIGKILLed,
 * and the same command is started again. Measured, per trial:
 *
 * - spawn → first new output, on the parent's clock: the first part file the restarted process
 *   opens in the sink's staging folder (a sink part is created when the first batch reaches it);
 * - `firstOutputMs` from the restarted process's report: ms since that process started when the
 *   first batch reached the sink (the same moment, on the child's clock, without spawn cost);
 * - spawn → first new *committed* output (a new part file in the output folder, which needs the
 *   restarted process's first checkpoint), for context;
 * - the same spawn → first output for the killed first run, which started with no state: the
 *   difference is what recovery costs;
 * - the size of the checkpoint recovery starts from, and whether the output holds every input
 *   row exactly once in the end.
 *
 * The state: an unaligned async `udf` (a module, since spec files name functions by module)
 * under backpressure holds up to `capacity` (+ one source batch) input rows as pending requests,
 * and each row carries a large binary column (the `files` source's `bytes`), so a checkpoint
 * holds tens of MB of re-issuable requests. The inputs are hard links to one random file, and
 * the JSONL sink leaves the bytes out (`binary: omit`).
 */

import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SluiceError } from "../kernels/errors.js";
import { uniform } from "../scheduler/models/seeded-random.js";
import { repoRoot } from "./bench-model.js";
import { linkInputs, spread } from "./checkpoint-workloads.js";

export interface RecoveryConfig {
  trials: number;
  /** Input rows (files). */
  rows: number;
  /** Bytes of each row's binary payload. */
  payloadBytes: number;
  /** udf call time, ms. */
  callMs: number;
  concurrency: number;
  maxRows: number;
  capacity: number;
  batchRows: number;
  /** Kill the first run once a checkpoint at least this big is on disk. */
  killAtStateBytes: number;
  /** Kill the first run after this long anyway (and say so). */
  killTimeoutMs: number;
  /** The restarted run must finish within this. */
  runTimeoutMs: number;
}

export interface RecoveryTrial {
  trial: number;
  /** First run (no state): spawn → first part file opened in staging, parent clock. */
  coldFirstOutputMs: number | null;
  /** First run: spawn → SIGKILL. */
  killedAtMs: number;
  /** The newest checkpoint on disk after the kill, which recovery resumes from. */
  stateCheckpoint: number | null;
  stateBytes: number;
  /** Restarted run: the checkpoint its report says it resumed from. */
  resumedFrom: number | null;
  /** Restarted run: spawn → first new part file opened in staging, parent clock. */
  spawnToFirstOutputMs: number | null;
  /** Restarted run: report `firstOutputMs` (since process start, child clock). */
  reportFirstOutputMs: number | null;
  /** Restarted run: spawn → first new committed part file. */
  spawnToFirstCommitMs: number | null;
  /** Restarted run: spawn → exit. */
  restartWallMs: number;
  /** Restarted run: its checkpoints (non-final) p50 / max request → committed, ms. */
  restartCheckpointP50Ms: number | null;
  restartCheckpointMaxMs: number | null;
  /** … and their request → snapshot handed over (operators serialized), p50, ms. */
  restartSnapshotP50Ms: number | null;
  /** Output lines at the end, distinct input rows among them, and whether that is every row once. */
  outputRows: number;
  distinctRows: number;
  exactlyOnce: boolean;
  error: string | null;
}

export interface RecoveryResult {
  config: RecoveryConfig;
  spec: string;
  trials: RecoveryTrial[];
}

const SPEC = (c: RecoveryConfig, input: string) => `# sluice bench checkpoint — recovery workload (generated)
name: ckpt-recovery
batchRows: ${c.batchRows}
checkpoint: { dir: ckpt, interval: 1s, mode: unaligned }
source:
  files: { path: ${JSON.stringify(input)} }
steps:
  - udf: { columns: [path], output: tag, returns: utf8, module: ./slow-udf.mjs, export: slow, concurrency: ${c.concurrency}, capacity: ${c.capacity}, batch: { maxRows: ${c.maxRows}, maxDelayMs: 10 } }
sink:
  jsonl: { path: out/, binary: omit }
`;

const MODULE = (c: RecoveryConfig) => `// sluice bench checkpoint: a slow service call (${c.callMs} ms per micro-batch).
export async function slow(rows) {
  await new Promise((resolve) => setTimeout(resolve, ${c.callMs}));
  return rows.map((r) => r.path.slice(-16));
}
`;

/** Part sequence number of a sink file name (`part-00000-00000012.jsonl[.inprogress|.ckpt-3]`). */
function partSeq(name: string): number {
  const m = /^part-\d+-(\d+)\./.exec(name);
  return m ? Number(m[1]) : -1;
}

function listNames(dir: string, recursive = false): string[] {
  try {
    return (readdirSync(dir, { recursive }) as string[]).map((f) => f.split("/").pop()!);
  } catch {
    return [];
  }
}

function dirBytes(dir: string): number {
  let n = 0;
  for (const f of readdirSync(dir)) {
    const st = statSync(join(dir, f));
    n += st.isDirectory() ? dirBytes(join(dir, f)) : st.size;
  }
  return n;
}

/** Completed checkpoint directories of every region: `{ id, path }`, oldest first. */
function checkpointDirs(ckpt: string): { id: number; path: string }[] {
  const regions = join(ckpt, "regions");
  const out: { id: number; path: string }[] = [];
  for (const r of listNames(regions)) {
    for (const c of listNames(join(regions, r))) {
      const m = /^chk-(\d+)$/.exec(c);
      if (m) out.push({ id: Number(m[1]), path: join(regions, r, c) });
    }
  }
  return out.sort((a, b) => a.id - b.id);
}

interface Child {
  exited: Promise<number | null>;
  kill(): void;
  output(): string;
}

function startChild(cwd: string, args: string[]): Child {
  const p = spawn(process.execPath, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  const keep = (d: Buffer) => {
    out = (out + d.toString()).slice(-8000);
  };
  p.stdout.on("data", keep);
  p.stderr.on("data", keep);
  const exited = new Promise<number | null>((res) => p.once("exit", (code) => res(code)));
  return { exited, kill: () => void p.kill("SIGKILL"), output: () => out.split("\n").filter((l) => l.trim() && !/^Warning: maxDynamic/.test(l)).join("\n") };
}

/** Polls `check` every few ms until it returns true or `until` settles. */
async function poll(check: () => boolean, until: Promise<unknown>, everyMs = 5): Promise<void> {
  let done = false;
  void until.then(() => (done = true));
  while (!done && !check()) await new Promise((r) => setTimeout(r, everyMs));
}

function outputRows(out: string): { rows: number; distinct: number } {
  const seen = new Set<string>();
  let rows = 0;
  for (const f of listNames(out)) {
    if (f.startsWith(".") || !f.endsWith(".jsonl")) continue;
    for (const line of readFileSync(join(out, f), "utf8").split("\n")) {
      if (!line) continue;
      rows++;
      seen.add((JSON.parse(line) as { path: string }).path);
    }
  }
  return { rows, distinct: seen.size };
}

/** The CLI the child runs: the built one (dist/), as `sluice` itself. */
function sluiceBin(): { root: string; bin: string } {
  const root = repoRoot();
  if (!existsSync(join(root, "dist", "runtime", "cli", "main.js"))) throw new SluiceError("bench checkpoint: the recovery part runs bin/sluice.js, which needs the build: run `npm run build` first");
  return { root, bin: join(root, "bin", "sluice.js") };
}

async function oneTrial(trial: number, root: string, input: string, c: RecoveryConfig, say: (m: string) => void): Promise<RecoveryTrial> {
  const { root: cwd, bin } = sluiceBin();
  const dir = join(root, `trial-${trial}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const spec = join(dir, "spec.yaml"), report = join(dir, "report.json");
  const out = join(dir, "out"), staging = join(out, ".sluice-staging"), ckpt = join(dir, "ckpt");
  writeFileSync(spec, SPEC(c, input));
  writeFileSync(join(dir, "slow-udf.mjs"), MODULE(c));
  const t: RecoveryTrial = {
    trial, coldFirstOutputMs: null, killedAtMs: NaN, stateCheckpoint: null, stateBytes: 0, resumedFrom: null,
    spawnToFirstOutputMs: null, reportFirstOutputMs: null, spawnToFirstCommitMs: null, restartWallMs: NaN,
    restartCheckpointP50Ms: null, restartCheckpointMaxMs: null, restartSnapshotP50Ms: null, outputRows: 0, distinctRows: 0, exactlyOnce: false, error: null,
  };

  // Run 1: from nothing, until a big checkpoint is on disk.
  const t1 = performance.now();
  const first = startChild(cwd, [bin, "run", spec, "--quiet"]);
  let exited1 = false;
  void first.exited.then(() => (exited1 = true));
  let killTimedOut = false;
  await poll(() => {
    const now = performance.now() - t1;
    if (t.coldFirstOutputMs === null && listNames(staging, true).some((f) => f.endsWith(".inprogress"))) t.coldFirstOutputMs = now;
    if (checkpointDirs(ckpt).some((d) => safeBytes(d.path) >= c.killAtStateBytes)) return true;
    if (now > c.killTimeoutMs) return (killTimedOut = true);
    return false;
  }, first.exited);
  if (exited1) {
    t.error = `the first run ended by itself before a checkpoint of ${(c.killAtStateBytes / 1e6).toFixed(0)} MB existed: ${first.output().slice(-600)}`;
    return t;
  }
  first.kill();
  t.killedAtMs = performance.now() - t1;
  await first.exited;
  const newest = checkpointDirs(ckpt).at(-1);
  if (newest) {
    t.stateCheckpoint = newest.id;
    t.stateBytes = dirBytes(newest.path);
  }
  if (killTimedOut) say(`trial ${trial}: no checkpoint of ${(c.killAtStateBytes / 1e6).toFixed(0)} MB after ${c.killTimeoutMs} ms; killed anyway`);
  const seqAtKill = Math.max(-1, ...listNames(out, true).map(partSeq));

  // Run 2: the same command; recovery, then the rest of the input.
  const t2 = performance.now();
  const second = startChild(cwd, [bin, "run", spec, "--quiet", "--json", report]);
  const timeout = setTimeout(() => second.kill(), c.runTimeoutMs);
  await poll(() => {
    const now = performance.now() - t2;
    if (t.spawnToFirstOutputMs === null && listNames(staging, true).some((f) => f.endsWith(".inprogress") && partSeq(f) > seqAtKill)) t.spawnToFirstOutputMs = now;
    if (t.spawnToFirstCommitMs === null && listNames(out).some((f) => !f.startsWith(".") && partSeq(f) > seqAtKill)) t.spawnToFirstCommitMs = now;
    return t.spawnToFirstOutputMs !== null && t.spawnToFirstCommitMs !== null;
  }, second.exited);
  const code = await second.exited;
  clearTimeout(timeout);
  t.restartWallMs = performance.now() - t2;
  if (code !== 0 || !existsSync(report)) {
    t.error = `the restarted run failed (exit ${code}): ${second.output().slice(-1200)}`;
    return t;
  }
  const r = JSON.parse(readFileSync(report, "utf8")) as {
    firstOutputMs: number | null;
    checkpoints: { resumedFrom?: number; checkpoints: { totalMs: number; snapshotMs: number; final: boolean }[] }[] | null;
  };
  t.reportFirstOutputMs = r.firstOutputMs;
  t.resumedFrom = r.checkpoints?.[0]?.resumedFrom ?? null;
  const regular = (r.checkpoints?.[0]?.checkpoints ?? []).filter((x) => !x.final);
  if (regular.length) {
    const totals = spread(regular.map((x) => x.totalMs));
    t.restartCheckpointP50Ms = totals.p50;
    t.restartCheckpointMaxMs = totals.max;
    t.restartSnapshotP50Ms = spread(regular.map((x) => x.snapshotMs)).p50;
  }
  const o = outputRows(out);
  t.outputRows = o.rows;
  t.distinctRows = o.distinct;
  t.exactlyOnce = o.rows === c.rows && o.distinct === c.rows;
  if (t.resumedFrom === null) t.error = "the restarted run did not resume from a checkpoint";
  return t;
}

/** Directory size, 0 while it is being renamed or removed under us. */
function safeBytes(path: string): number {
  try {
    return dirBytes(path);
  } catch {
    return 0;
  }
}

export async function runRecovery(root: string, c: RecoveryConfig, say: (m: string) => void): Promise<RecoveryResult> {
  const input = join(root, "recovery-input");
  const payload = join(root, "payload.bin");
  const rnd = uniform(99);
  const bytes = new Uint8Array(c.payloadBytes);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (rnd() * 256) | 0;
  writeFileSync(payload, bytes);
  linkInputs(input, payload, c.rows, ".bin");
  const trials: RecoveryTrial[] = [];
  for (let i = 1; i <= c.trials; i++) {
    say(`recovery trial ${i}/${c.trials}: run, SIGKILL once a ${(c.killAtStateBytes / 1e6).toFixed(0)} MB checkpoint exists, run again`);
    const t = await oneTrial(i, root, input, c, say);
    if (t.error) say(`trial ${i}: ${t.error.split("\n")[0]}`);
    trials.push(t);
    rmSync(join(root, `trial-${i}`), { recursive: true, force: true });
  }
  return { config: c, spec: SPEC(c, input), trials };
}
