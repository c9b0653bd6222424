/**
 * A task is one async loop: it pulls events from its input (a source or a channel), pushes each
 * batch through a chain of operators (an operator's emit calls the next one directly, with no
 * queue between them), and hands the chain's output to a channel or a sink. Control events pass
 * through the chain in order, after the batches before them.
 */

import type { DeadLetter } from "../api/dead-letter.js";
import type { Sink, SinkOpenContext } from "../api/sink.js";
import type { Source, SourcePosition } from "../api/source.js";
import type { Batch, Schema, StreamEvent } from "../api/stream.js";
import { SluiceError } from "../../kernels/errors.js";
import type { BarrierControl, BarrierRequest } from "./barrier-control.js";
import type { Channel } from "./channel.js";
import { newMetrics, type Operator, type OperatorContext, type OperatorMetrics, type OperatorState } from "./operator.js";

export type TaskInput =
  | { kind: "source"; source: Source; from?: SourcePosition; batchRows: number; step: string }
  | { kind: "channel"; channel: Channel };

export type TaskOutput =
  | { kind: "channel"; channel: Channel }
  | { kind: "sink"; sink: Sink; schema: Schema; step: string; open: SinkOpenContext };

export interface TaskSpec {
  name: string;
  input: TaskInput;
  operators: readonly Operator[];
  output: TaskOutput;
  /** Checkpointing: the region's coordinator. Barriers are injected at a source input. */
  barriers?: BarrierControl;
  /** Operator states (by step) to restore after `open`, before the first batch. */
  restore?: Readonly<Record<string, OperatorState>>;
}

export interface TaskHooks {
  deadLetter(letters: readonly DeadLetter[]): Promise<void>;
  signal: AbortSignal;
  /** Called after the source emits each batch, with the position after it. */
  onSourceProgress?(rows: number, position: SourcePosition): void;
}

const MAX_LATENCY_SAMPLES = 2048;

/** Wraps an error with the step it came from, unless it already names one. */
export function atStep(step: string, err: unknown): SluiceError {
  if (err instanceof SluiceError && err.step) return err;
  const msg = err instanceof Error ? err.message : String(err);
  const retriable = err instanceof SluiceError ? err.retriable : false;
  return new SluiceError(`step '${step}': ${msg}`, { step, cause: err, retriable });
}

function recordLatency(m: OperatorMetrics, ms: number): void {
  if (m.latencies.length < MAX_LATENCY_SAMPLES) m.latencies.push(ms);
  else m.latencies[Math.floor(Math.random() * MAX_LATENCY_SAMPLES)] = ms;
}

export class Task {
  readonly name: string;
  /** Metrics of each chained operator (same order as the spec), plus the sink's at the end when there is one. */
  readonly metrics: Map<string, OperatorMetrics> = new Map();
  private readonly contexts: OperatorContext[] = [];
  private sinkWrite: ((b: Batch) => Promise<void>) | undefined;

  constructor(readonly spec: TaskSpec, private readonly hooks: TaskHooks) {
    this.name = spec.name;
    const ops = spec.operators;
    // Build contexts from the end of the chain backwards: each emit feeds the next operator.
    let downstream: (b: Batch) => Promise<void> = (b) => this.forward({ kind: "batch", batch: b });
    for (let i = ops.length - 1; i >= 0; i--) {
      const op = ops[i]!;
      const metrics = newMetrics();
      this.metrics.set(op.step, metrics);
      const next = downstream;
      const ctx: OperatorContext = {
        step: op.step,
        metrics,
        signal: hooks.signal,
        emit: async (b) => {
          metrics.rowsOut += b.numRows;
          metrics.batchesOut++;
          const t0 = performance.now();
          await next(b);
          // Downstream time is not this operator's: subtract it from busy time.
          metrics.busyMs -= performance.now() - t0;
        },
        deadLetter: async (letters) => {
          metrics.deadLettered += letters.length;
          await hooks.deadLetter(letters);
        },
        interruptForBarrier: () => this.unalignedBarrier(),
        unalignedCheckpoints: spec.barriers?.unaligned ?? false,
      };
      this.contexts[i] = ctx;
      downstream = async (b) => this.process(i, b);
    }
    this.head = downstream;
    if (spec.output.kind === "sink") this.metrics.set(spec.output.step, newMetrics());
  }

  private readonly head: (b: Batch) => Promise<void>;

  private async process(i: number, batch: Batch): Promise<void> {
    const op = this.spec.operators[i]!;
    const ctx = this.contexts[i]!;
    ctx.metrics.rowsIn += batch.numRows;
    ctx.metrics.batchesIn++;
    const t0 = performance.now();
    try {
      await op.processBatch(batch, ctx);
    } catch (err) {
      throw atStep(op.step, err);
    } finally {
      const dt = performance.now() - t0;
      ctx.metrics.busyMs += dt;
      recordLatency(ctx.metrics, dt);
    }
  }

  private async forward(event: StreamEvent): Promise<void> {
    const out = this.spec.output;
    if (out.kind === "channel") return out.channel.send(event);
    if (event.kind !== "batch") return;
    const m = this.metrics.get(out.step)!;
    const t0 = performance.now();
    m.firstAt ??= t0;
    try {
      await this.sinkWrite!(event.batch);
    } catch (err) {
      throw atStep(out.step, err);
    }
    const dt = performance.now() - t0;
    m.rowsIn += event.batch.numRows;
    m.batchesIn++;
    m.busyMs += dt;
    recordLatency(m, dt);
  }

  /** Runs the task to end of input. Throws the first error, tagged with its step. */
  async run(): Promise<void> {
    const { input, output, operators } = this.spec;
    for (const [i, op] of operators.entries()) {
      try {
        await op.open(this.contexts[i]!);
      } catch (err) {
        throw atStep(op.step, err);
      }
    }
    if (output.kind === "sink") {
      try {
        await output.sink.open(output.schema, output.open);
      } catch (err) {
        throw atStep(output.step, err);
      }
      this.sinkWrite = (b) => output.sink.write(b);
    }
    for (const [step, state] of Object.entries(this.spec.restore ?? {})) {
      const op = operators.find((o) => o.step === step);
      if (!op) throw new SluiceError(`checkpoint holds state for step '${step}', which this task does not run`, { step });
      try {
        await op.restore(state);
      } catch (err) {
        throw atStep(step, err);
      }
    }
    if (input.kind === "source") {
      this.position = input.from;
      try {
        await this.readSource(input);
      } catch (err) {
        throw err instanceof SluiceError && err.step ? err : atStep(input.step, err);
      }
    } else {
      for (;;) {
        const e = await input.channel.receive();
        if (e.kind === "batch") await this.head(e.batch);
        else if (e.kind === "end") break;
        else await this.forward(e);
      }
    }
    // End of input flows down the chain: each operator flushes, then the next sees the end.
    for (const [i, op] of operators.entries()) {
      try {
        const t0 = performance.now();
        await op.endOfInput(this.contexts[i]!);
        this.contexts[i]!.metrics.busyMs += performance.now() - t0;
      } catch (err) {
        throw atStep(op.step, err);
      }
    }
    if (this.spec.barriers) await this.barrier(await this.spec.barriers.finalBarrier(), true);
    if (output.kind === "channel") await output.channel.send({ kind: "end" });
    else {
      try {
        await output.sink.finish();
      } catch (err) {
        throw atStep(output.step, err);
      }
    }
  }

  private position: SourcePosition | undefined;
  private rowsRead = 0;

  /**
   * Pulls batches from the source; a requested barrier is injected between two batches, also
   * while the source is waiting for input (a region log waiting for its upstream's commit).
   */
  private async readSource(input: Extract<TaskInput, { kind: "source" }>): Promise<void> {
    const barriers = this.spec.barriers;
    const it = input.source.read(input.from, { batchRows: input.batchRows, signal: this.hooks.signal })[Symbol.asyncIterator]();
    let waiting = false;
    try {
      for (;;) {
        const next = it.next();
        waiting = true;
        if (barriers) {
          // The barrier goes first when both are ready; `next` stays pending across barriers.
          next.catch(() => {});
          for (;;) {
            const won = await Promise.race([barriers.requested().then(() => "barrier" as const), next.then(() => "batch" as const)]);
            if (won === "batch") break;
            await this.barrier(barriers.pending()!, false);
          }
        }
        const r = await next;
        waiting = false;
        // Cancelled: never fall through to end of input (that would flush and take a final checkpoint).
        this.hooks.signal.throwIfAborted();
        if (r.done) break;
        const { batch, position } = r.value;
        this.position = position;
        this.rowsRead += batch.numRows;
        this.hooks.onSourceProgress?.(batch.numRows, position);
        await this.head(batch);
      }
    } finally {
      // A failed barrier leaves `next` pending; an async generator's return() would queue behind
      // it, and it only settles once the job is cancelled — which waits for this task. Don't wait.
      if (waiting) void it.return?.()?.catch(() => {});
      else await it.return?.();
    }
  }

  /** Resolves when an unaligned barrier waits to be injected (see OperatorContext). */
  private unalignedBarrier(): Promise<void> | undefined {
    const b = this.spec.barriers;
    return b?.unaligned ? b.requested() : undefined;
  }

  /** Snapshots every operator in chain order, seals the output and hands the snapshot over. */
  private async barrier(req: BarrierRequest, final: boolean): Promise<void> {
    const injectedAt = performance.now();
    const operators: Record<string, OperatorState> = {};
    for (const [i, op] of this.spec.operators.entries()) {
      let state: OperatorState;
      try {
        state = await op.snapshot(req.checkpointId, this.contexts[i]!);
      } catch (err) {
        throw atStep(op.step, err);
      }
      if (state !== undefined) operators[op.step] = state;
    }
    const out = this.spec.output;
    let committable = null;
    if (out.kind === "sink") {
      try {
        committable = await out.sink.prepareCommit(req.checkpointId);
      } catch (err) {
        throw atStep(out.step, err);
      }
    } else {
      await out.channel.send({ kind: "barrier", checkpointId: req.checkpointId, unaligned: req.unaligned });
    }
    await this.spec.barriers!.taken({ checkpointId: req.checkpointId, position: this.position, operators, committable, rowsRead: this.rowsRead, final, injectedAt });
  }

  /** Closes operators and the sink (without committing, if not finished). Never throws. */
  async close(): Promise<void> {
    for (const op of this.spec.operators) {
      try {
        await op.close();
      } catch {
        // Closing is best effort: the job's outcome is already decided.
      }
    }
    if (this.spec.output.kind === "sink") await this.spec.output.sink.close().catch(() => {});
  }
}
