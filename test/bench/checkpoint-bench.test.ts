/**
 * `sluice bench checkpoint --quick` end to end: every part runs, the report (as `--json` writes
 * it) has the fields scripts read, and the tables and plot render. No speed is asserted — only
 * what must hold on any machine: rows written exactly once, checkpoints taken, a recovery that
 * resumed from a checkpoint.
 *
 * The recovery part runs `bin/sluice.js` as a child process, so it needs the build (`npm test`
 * builds first).
 */

import { describe, expect, it, vi } from "vitest";
import { checkpointPlot, printCheckpointReport } from "../../bench/checkpoint-bench-command.js";
import { runCheckpointBench, type CheckpointBenchReport } from "../../bench/checkpoint-bench.js";

describe("bench checkpoint --quick", () => {
  it("measures all three targets and reports them", async () => {
    const report = await runCheckpointBench({ quick: true });
    const r = JSON.parse(JSON.stringify(report)) as CheckpointBenchReport;

    expect(r.benchmark).toBe("checkpoint");
    expect(r.quick).toBe(true);
    expect(r.machine.cpus).toBeGreaterThan(0);

    const t = r.throughput!;
    expect(t.regions).toHaveLength(2);
    expect(t.runs.filter((x) => x.variant === "no checkpoints")).toHaveLength(t.reps);
    expect(t.runs.filter((x) => x.variant === "checkpoint every 1 s")).toHaveLength(t.reps);
    for (const x of t.runs) {
      expect(x.rows).toBe(t.rowsPerRun);
      expect(x.notices).toEqual([]);
    }
    expect(t.none.medianRowsPerSec).toBeGreaterThan(0);
    expect(t.checkpointed.medianRowsPerSec).toBeGreaterThan(0);
    expect(t.ratio).toBeGreaterThan(0);
    expect(t.checkpoints.map((c) => c.region)).toEqual(["r1", "r2"]);

    const b = r.backpressure!;
    expect(b.runs.map((x) => x.mode)).toEqual(["unaligned", "aligned"]);
    for (const x of b.runs) {
      expect(x.rows).toBe(b.config.rows);
      expect(x.checkpoints.count).toBeGreaterThan(0);
      expect(x.checkpoints.totalMs.max).toBeGreaterThanOrEqual(x.checkpoints.totalMs.p50);
      expect(x.checkpoints.alignMs.p50).toBeGreaterThanOrEqual(0);
      expect(x.timings.at(-1)!.final).toBe(true);
      expect(x.notices).toEqual([]);
    }

    const c = r.recovery!;
    expect(c.result.trials).toHaveLength(1);
    const trial = c.result.trials[0]!;
    expect(trial.error).toBeNull();
    expect(trial.stateBytes).toBeGreaterThan(0);
    expect(trial.resumedFrom).toBe(trial.stateCheckpoint);
    expect(trial.spawnToFirstOutputMs).toBeGreaterThan(0);
    expect(trial.reportFirstOutputMs).toBeGreaterThan(0);
    expect(trial.exactlyOnce).toBe(true);
    expect(c.completed).toBe(1);
    expect(c.medianSpawnToFirstOutputMs).toBeGreaterThan(0);

    expect(r.targets.map((x) => x.name.slice(0, 3))).toEqual(["(a)", "(b)", "(c)"]);
    for (const x of r.targets) {
      expect(typeof x.pass).toBe("boolean");
      expect(typeof x.measured).toBe("number");
      expect(x.goal).toMatch(/^[≥≤] /);
    }

    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    try {
      printCheckpointReport(report);
      expect(log.mock.calls.map((a) => String(a[0])).join("\n")).toMatch(/targets/);
    } finally {
      log.mockRestore();
    }
    const svg = checkpointPlot(report);
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg.match(/<svg /g)).toHaveLength(4);
  }, 240_000);
});
