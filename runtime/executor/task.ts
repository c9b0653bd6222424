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
import type { Channel } from "./channel.js";
import { newMetrics, type Operator, type OperatorContext, type OperatorMetrics } from "./operator.js";

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
    if (input.kind === "source") {
      try {
        for await (const { batch, position } of input.source.read(input.from, { batchRows: input.batchRows, signal: this.hooks.signal })) {
          if (this.hooks.signal.aborted) break;
          this.hooks.onSourceProgress?.(batch.numRows, position);
          await this.head(batch);
        }
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
    if (output.kind === "channel") await output.channel.send({ kind: "end" });
    else {
      try {
        await output.sink.finish();
      } catch (err) {
        throw atStep(output.step, err);
      }
    }
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
