/**
 * The one operator under fetch, UDFs and inference: rows of incoming batches become items of an
 * `AsyncInvoker` (micro-batched across input batches, `concurrency` calls at once, timeouts,
 * retries, `onError`), and results come back out as batches — in input order or as they
 * complete — with failed rows dead-lettered, skipped, or failing the job.
 *
 * Items are row ranges (see `row-ranges.ts`). With `unit: "row"` every row is its own item, so
 * one row can fail alone; with `unit: "range"` a batch is cut into ranges lined up on
 * `batch.maxRows` boundaries of the rows still waiting to be sent, so micro-batches come out full
 * (`maxRows` rows) even when input batches are small or odd-sized, and a call gathers each range
 * with one copy per column.
 *
 * Emission and checkpoints (the invoker's contract, in `async-invoker.ts`):
 * - Results are taken from the invoker only during this operator's turn (`processBatch`,
 *   `endOfInput`), built into batches at once, and queued in a small backlog that is emitted in
 *   order. A batch counts as emitted once it is handed to `ctx.emit`.
 * - `snapshot()` is synchronous and works in any state — also while `processBatch` waits for
 *   room (a full queue never blocks a barrier): it holds the invoker's pending requests (every
 *   row not yet taken) and the backlog (taken, built, not yet emitted), so restoring it yields
 *   every row exactly once.
 * - `restore()` on a fresh operator re-issues the pending requests ahead of new input and emits
 *   the backlog first.
 *
 * Backpressure is counted in rows: `processBatch` returns once at most `capacity` rows are held
 * (queued, in flight, retrying, or settled but not yet taken).
 */

import { SluiceError } from "../../kernels/errors.js";
import { rowByteSizes } from "../async/arrow-rows.js";
import { InvokerClosedError } from "../async/async-errors.js";
import { AsyncInvoker } from "../async/async-invoker.js";
import type { AsyncConfig } from "../async/async-config.js";
import type { AsyncMetricsSnapshot } from "../async/async-metrics.js";
import type { AsyncItem, AsyncResult, InvokeFn, PendingRequest } from "../async/async-types.js";
import type { Clock } from "../async/clock.js";
import type { DeadLetter } from "../api/dead-letter.js";
import type { Batch, Json } from "../api/stream.js";
import { Operator, type OperatorContext, type OperatorState } from "../executor/operator.js";
import { QueuedRange, decodeBatch, encodeBatch, rowKey, rowRangeCodec, type RowRange } from "./row-ranges.js";

/** Consecutive successful items of one input batch, covering rows `start … start + count - 1`. */
export interface ResultRun<Out> {
  readonly batch: Batch;
  readonly start: number;
  readonly count: number;
  /** The items' ranges and outputs, in row order. */
  readonly ranges: readonly RowRange[];
  readonly outputs: readonly Out[];
}

export interface AsyncRowOperatorOptions<Out> {
  step: string;
  /** Resolved with `resolveAsyncConfig`; `capacity` counts rows. */
  config: AsyncConfig;
  /** `row`: one item per row (a row fails alone). `range`: row ranges of up to `batch.maxRows` rows. */
  unit: "row" | "range";
  /** One call per micro-batch of ranges; one output (or `failItem`) per range. */
  invoke: InvokeFn<RowRange, Out>;
  /** Builds the output batch of one run of successful items. */
  assemble(run: ResultRun<Out>): Batch;
  /** Column whose value keys dead letters; default: the row's position in this operator's input. */
  keyColumn?: string;
  /** A small JSON excerpt of a row for its dead letter (no large binaries). */
  deadLetterInput?: (range: RowRange) => Json | undefined;
  /** What does the work, for metrics (`onnxruntime-node`, `http`…). */
  backend?: string;
  clock?: Clock;
}

type BacklogEntry = { kind: "batch"; batch: Batch } | { kind: "letters"; letters: DeadLetter[] };

/** What `snapshot()` returns (JSON). */
export type AsyncRowState = {
  rowsSeen: number;
  pending: PendingRequest[];
  unemitted: ({ batch: string } | { letters: Json[] })[];
};

export class AsyncRowOperator<Out> extends Operator {
  readonly step: string;
  private readonly opts: AsyncRowOperatorOptions<Out>;
  private readonly invoker: AsyncInvoker<QueuedRange, Out>;
  private readonly capacity: number;
  private readonly maxRows: number;
  private readonly backlog: BacklogEntry[] = [];
  /** Rows seen so far: the stream position of the next batch's first row. */
  private rowsSeen = 0;
  /** Rows submitted and not yet taken. */
  private heldRows = 0;
  /** Rows submitted that no call has carried yet (range unit): where the next micro-batch stands. */
  private unsentRows = 0;

  constructor(opts: AsyncRowOperatorOptions<Out>) {
    super();
    this.step = opts.step;
    this.opts = opts;
    this.capacity = opts.config.capacity;
    this.maxRows = opts.config.batch.maxRows;
    const ranges = opts.unit === "range";
    // Range items weigh their row count in "bytes", so the queue cuts micro-batches by rows.
    const batch = ranges ? { ...opts.config.batch, maxBytes: this.maxRows } : opts.config.batch;
    const invoke: InvokeFn<QueuedRange, Out> = ranges
      ? (inputs, ctx) => {
          for (const r of inputs) {
            if (r.sent) continue;
            r.sent = true;
            this.unsentRows -= r.count;
          }
          return opts.invoke(inputs, ctx);
        }
      : opts.invoke;
    this.invoker = new AsyncInvoker<QueuedRange, Out>({
      step: opts.step,
      fn: invoke,
      // Backpressure is this operator's, in rows; the invoker only has to accept.
      config: { ...opts.config, batch, capacity: Number.MAX_SAFE_INTEGER },
      inputCodec: rowRangeCodec,
      clock: opts.clock,
      deadLetterInput: opts.deadLetterInput,
    });
  }

  /** The invoker's counters (calls made, rows per call, retries…). */
  asyncMetrics(): AsyncMetricsSnapshot {
    return this.invoker.metrics();
  }

  override open(ctx: OperatorContext): void {
    if (this.opts.backend) ctx.metrics.backend = this.opts.backend;
  }

  processBatch(batch: Batch, ctx: OperatorContext): Promise<void> | void {
    if (batch.numRows > 0) {
      const items = this.opts.unit === "range" ? this.rangeItems(batch) : this.rowItems(batch);
      this.rowsSeen += batch.numRows;
      this.heldRows += batch.numRows;
      // Accepted at once (in every snapshot from now on). Backpressure is counted here, in rows,
      // so no promise is made; a failed or closed invoker throws what refill() would.
      this.invoker.enqueue(items);
    }
    // Not async: a batch that leaves room and finds nothing to emit costs no promise.
    if (!this.refill() && this.heldRows <= this.capacity) return;
    return this.turn(ctx, this.capacity);
  }

  override endOfInput(ctx: OperatorContext): Promise<void> {
    // drain() sends partial micro-batches now instead of after maxDelayMs.
    this.invoker.drain().catch(ignore);
    return this.turn(ctx, 0);
  }
  override snapshot(): OperatorState {
    const state: AsyncRowState = {
      rowsSeen: this.rowsSeen,
      pending: this.invoker.snapshot(),
      unemitted: this.backlog.map((e) => (e.kind === "batch" ? { batch: encodeBatch(e.batch) } : { letters: e.letters.map(letterJson) })),
    };
    return state;
  }

  override restore(state: OperatorState): void {
    const s = parseState(this.step, state);
    this.invoker.restore(s.pending);
    // A pending request's bytes are its row count for ranges, and 1 row per item otherwise.
    const rows = this.opts.unit === "range" ? s.pending.reduce((n, p) => n + p.bytes, 0) : s.pending.length;
    this.heldRows += rows;
    if (this.opts.unit === "range") this.unsentRows += rows;
    this.rowsSeen = s.rowsSeen;
    for (const u of s.unemitted) {
      this.backlog.push("batch" in u ? { kind: "batch", batch: decodeBatch(u.batch) } : { kind: "letters", letters: u.letters as unknown as DeadLetter[] });
    }
  }

  override close(): void {
    this.invoker.close();
  }

  /**
   * Emits what is ready until at most `maxHeld` rows are held; waits for results in between.
   * One async frame for the whole turn (emits included): it runs once per model call.
   */
  private async turn(ctx: OperatorContext, maxHeld: number): Promise<void> {
    for (;;) {
      while (this.refill()) {
        const next = this.backlog.shift()!;
        if (next.kind === "batch") await ctx.emit(next.batch);
        else await ctx.deadLetter(next.letters);
      }
      if (this.heldRows <= maxHeld) return;
      // An unaligned barrier does not wait for room: what was accepted is in the snapshot.
      const interrupt = maxHeld > 0 ? ctx.interruptForBarrier?.() : undefined;
      if (interrupt === undefined) await this.invoker.whenReady();
      else {
        const ready = this.invoker.whenReady();
        ready.catch(ignore);
        if ((await Promise.race([ready.then(() => false), interrupt.then(() => true)])) === true) return;
      }
    }
  }

  /** Whether the backlog has something, after taking what the invoker has ready. */
  private refill(): boolean {
    if (this.invoker.state === "failed") throw this.invoker.error;
    // Closed (job cancelled or over): nothing more goes downstream.
    if (this.invoker.state === "closed") throw new InvokerClosedError(this.step);
    if (this.backlog.length > 0) return true;
    // Asked at least twice per model call, usually with nothing ready: no empty take().
    if (this.invoker.readyCount === 0) return false;
    this.collect(this.invoker.take());
    return this.backlog.length > 0;
  }

  /** Turns taken results into backlog entries, synchronously, keeping their order. */
  private collect(results: readonly AsyncResult<QueuedRange, Out>[]): void {
    let run: { batch: Batch; start: number; count: number; ranges: RowRange[]; outputs: Out[] } | undefined;
    for (const r of results) {
      const range = r.input;
      this.heldRows -= range.count;
      if (r.kind === "ok") {
        if (run && run.batch === range.batch && run.start + run.count === range.start) {
          run.count += range.count;
          run.ranges.push(range);
          run.outputs.push(r.output);
          continue;
        }
        if (run) this.backlog.push({ kind: "batch", batch: this.opts.assemble(run) });
        run = { batch: range.batch, start: range.start, count: range.count, ranges: [range], outputs: [r.output] };
        continue;
      }
      if (run) this.backlog.push({ kind: "batch", batch: this.opts.assemble(run) });
      run = undefined;
      if (r.kind === "dead-letter") this.pushLetters(this.expand(r.letter, range));
    }
    if (run) this.backlog.push({ kind: "batch", batch: this.opts.assemble(run) });
  }

  /** One letter per row of a failed range (a range fails as a whole; each row is a record). */
  private expand(letter: DeadLetter, range: RowRange): DeadLetter[] {
    if (range.count === 1) return [letter];
    const out: DeadLetter[] = [];
    for (let row = range.start; row < range.start + range.count; row++) out.push({ ...letter, key: rowKey(range, row, this.opts.keyColumn) });
    return out;
  }

  private pushLetters(letters: DeadLetter[]): void {
    const last = this.backlog[this.backlog.length - 1];
    if (last?.kind === "letters") last.letters.push(...letters);
    else this.backlog.push({ kind: "letters", letters });
  }

  private rowItems(batch: Batch): AsyncItem<QueuedRange>[] {
    const bytes = rowByteSizes(batch);
    const items: AsyncItem<QueuedRange>[] = new Array(batch.numRows);
    for (let row = 0; row < batch.numRows; row++) {
      const range = new QueuedRange(batch, row, 1, this.rowsSeen + row);
      items[row] = { key: rowKey(range, row, this.opts.keyColumn), value: range, bytes: bytes[row]! };
    }
    return items;
  }

  private rangeItems(batch: Batch): AsyncItem<QueuedRange>[] {
    // Fill up the micro-batch being formed, then whole ones: calls carry exactly maxRows rows.
    const first = Math.min(batch.numRows, this.maxRows - (this.unsentRows % this.maxRows));
    // Made at its size (usually 1): a grown array starts at 16 slots.
    const items: AsyncItem<QueuedRange>[] = new Array(1 + Math.ceil((batch.numRows - first) / this.maxRows));
    for (let row = 0, i = 0; row < batch.numRows; i++) {
      const take = i === 0 ? first : Math.min(batch.numRows - row, this.maxRows);
      const range = new QueuedRange(batch, row, take, this.rowsSeen + row);
      items[i] = { key: rowKey(range, row, this.opts.keyColumn), value: range, bytes: take };
      this.unsentRows += take;
      row += take;
    }
    return items;
  }
}

function ignore(): void {}

function letterJson(l: DeadLetter): Json {
  const o: { [k: string]: Json } = { step: l.step, key: l.key, reason: l.reason, error: l.error, at: l.at };
  if (l.input !== undefined) o.input = l.input;
  return o;
}

function parseState(step: string, state: OperatorState): AsyncRowState {
  const s = state as Partial<AsyncRowState> | null | undefined;
  if (!s || typeof s !== "object" || typeof s.rowsSeen !== "number" || !Array.isArray(s.pending) || !Array.isArray(s.unemitted)) {
    throw new SluiceError(`step '${step}': not an async operator snapshot (expected { rowsSeen, pending, unemitted })`, { step });
  }
  for (const u of s.unemitted) {
    const ok = typeof u === "object" && u !== null && (("batch" in u && typeof u.batch === "string") || ("letters" in u && Array.isArray(u.letters)));
    if (!ok) throw new SluiceError(`step '${step}': malformed unemitted output in snapshot`, { step });
  }
  return s as AsyncRowState;
}
