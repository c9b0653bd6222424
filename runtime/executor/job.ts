/**
 * A job runs its tasks concurrently and owns their fate together: the first failure (or a
 * cancel) aborts every task, fails every channel so no one waits forever, closes operators and
 * sinks without committing, and surfaces that first error — which names its step.
 */

import { SluiceError } from "../../kernels/errors.js";
import type { DeadLetter, DeadLetterWriter } from "../api/dead-letter.js";
import type { SourcePosition } from "../api/source.js";
import type { Channel } from "./channel.js";
import type { OperatorMetrics } from "./operator.js";
import { Task, type TaskSpec } from "./task.js";

export interface JobOptions {
  /** Where rejected records go. */
  deadLetters: DeadLetterWriter;
  /** Channels between tasks, so the job can fail them on error and report their stats. */
  channels: readonly Channel[];
  /** External cancellation (Ctrl-C). */
  signal?: AbortSignal;
  onSourceProgress?(task: string, rows: number, position: SourcePosition): void;
  /**
   * After a failure or cancel, how long to wait for tasks to notice before closing anyway: a
   * task stuck in a call that ignores the abort signal must not hold the job. Default 2000 ms.
   */
  cancelGraceMs?: number;
}

export interface JobResult {
  /** Metrics per step, in plan order. */
  steps: Map<string, OperatorMetrics>;
  deadLettered: number;
  wallMs: number;
}

export class JobCancelledError extends SluiceError {}

export class Job {
  readonly tasks: Task[];
  private readonly abort = new AbortController();
  private firstError: unknown;

  constructor(specs: readonly TaskSpec[], private readonly opts: JobOptions) {
    const deadLetter = async (letters: readonly DeadLetter[]): Promise<void> => opts.deadLetters.write(letters);
    this.tasks = specs.map(
      (s) =>
        new Task(s, {
          deadLetter,
          signal: this.abort.signal,
          onSourceProgress: opts.onSourceProgress ? (rows, pos) => opts.onSourceProgress!(s.name, rows, pos) : undefined,
        }),
    );
    opts.signal?.addEventListener("abort", () => this.cancel(new JobCancelledError("job cancelled")), { once: true });
  }

  /** Live metrics of every step (for progress displays while running). */
  get steps(): Map<string, OperatorMetrics> {
    const m = new Map<string, OperatorMetrics>();
    for (const t of this.tasks) for (const [k, v] of t.metrics) m.set(k, v);
    return m;
  }

  /** Stops everything; the run rejects with `reason`. */
  cancel(reason: unknown): void {
    if (this.firstError === undefined) this.firstError = reason;
    if (!this.abort.signal.aborted) this.abort.abort(reason);
    for (const c of this.opts.channels) c.fail(reason);
  }

  async run(): Promise<JobResult> {
    const t0 = performance.now();
    if (this.opts.signal?.aborted) throw new JobCancelledError("job cancelled before it started");
    const runs = Promise.all(this.tasks.map((t) => t.run().catch((err: unknown) => this.cancel(err))));
    const aborted = new Promise<void>((resolve) => {
      if (this.abort.signal.aborted) resolve();
      this.abort.signal.addEventListener("abort", () => resolve(), { once: true });
    });
    await Promise.race([runs, aborted]);
    if (this.abort.signal.aborted) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.opts.cancelGraceMs ?? 2000)));
      await Promise.race([runs, grace]);
      clearTimeout(timer);
    }
    await Promise.all(this.tasks.map((t) => t.close()));
    if (this.firstError !== undefined) throw this.firstError;
    await this.opts.deadLetters.finish();
    return { steps: this.steps, deadLettered: this.opts.deadLetters.count, wallMs: performance.now() - t0 };
  }
}
