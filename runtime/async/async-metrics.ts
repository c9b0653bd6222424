/**
 * Counters and samples of one async invoker, read by the executor's metrics and the CLI summary.
 * Latencies are submit-to-settle times from the invoker's clock; only the most recent samples
 * are kept so a long job's memory stays flat.
 */

export interface Distribution {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

export interface AsyncMetricsSnapshot {
  /** Items accepted by `submit` (restored items not included). */
  submitted: number;
  /** Items restored from a snapshot. */
  restored: number;
  /** Items that succeeded. */
  completed: number;
  /** Retries scheduled (one per item per retry). */
  retried: number;
  /** Items that failed for good, whatever `onError` then did with them. */
  failed: number;
  skipped: number;
  deadLettered: number;
  /** Calls that threw or timed out as a whole. */
  callFailures: number;
  timeouts: number;
  /** Items handed to the operator by `take()`. */
  emitted: number;
  /** Calls in flight now. */
  inFlight: number;
  /** Items in calls in flight now. */
  inFlightItems: number;
  /** Items waiting to be sent now (first attempts and retries whose backoff is over). */
  queued: number;
  /** Items waiting out a retry backoff now. */
  backingOff: number;
  /** Items settled but not yet taken (in ordered mode, also those held behind an earlier one). */
  awaitingTake: number;
  /** Calls made. */
  batches: number;
  rowsPerBatch: Distribution & { histogram: Record<number, number> };
  latencyMs: Distribution;
}

const LATENCY_SAMPLES = 4096;

/** Mutable counters owned by the invoker; gauges are filled in when a snapshot is taken. */
export class AsyncMetrics {
  submitted = 0;
  restored = 0;
  completed = 0;
  retried = 0;
  failed = 0;
  skipped = 0;
  deadLettered = 0;
  callFailures = 0;
  timeouts = 0;
  emitted = 0;
  batches = 0;
  private readonly rowsHistogram = new Map<number, number>();
  /**
   * Calls of the latest size, counted here and folded into the histogram when it is read: most
   * calls have the size of the one before, so most calls cost an increment instead of a Map update.
   */
  private runRows = -1;
  private runCount = 0;
  private readonly latencies = new Float64Array(LATENCY_SAMPLES);
  private latencyCount = 0;

  recordBatch(rows: number): void {
    this.batches++;
    if (rows === this.runRows) {
      this.runCount++;
      return;
    }
    this.foldRun();
    this.runRows = rows;
    this.runCount = 1;
  }

  recordLatency(ms: number): void {
    this.latencies[this.latencyCount % LATENCY_SAMPLES] = ms;
    this.latencyCount++;
  }

  private foldRun(): void {
    if (this.runCount === 0) return;
    this.rowsHistogram.set(this.runRows, (this.rowsHistogram.get(this.runRows) ?? 0) + this.runCount);
    this.runCount = 0;
  }

  snapshot(gauges: Pick<AsyncMetricsSnapshot, "inFlight" | "inFlightItems" | "queued" | "backingOff" | "awaitingTake">): AsyncMetricsSnapshot {
    this.foldRun();
    const buckets = [...this.rowsHistogram].sort((a, b) => a[0] - b[0]);
    const histogram: Record<number, number> = Object.fromEntries(buckets);
    const kept = Math.min(this.latencyCount, LATENCY_SAMPLES);
    const lat = Array.from(this.latencies.subarray(0, kept)).sort((a, b) => a - b);
    return {
      submitted: this.submitted,
      restored: this.restored,
      completed: this.completed,
      retried: this.retried,
      failed: this.failed,
      skipped: this.skipped,
      deadLettered: this.deadLettered,
      callFailures: this.callFailures,
      timeouts: this.timeouts,
      emitted: this.emitted,
      batches: this.batches,
      ...gauges,
      rowsPerBatch: { ...histogramDistribution(buckets, this.batches), histogram },
      latencyMs: distribution(lat),
    };
  }
}

/** Nearest-rank quantiles from (value, count) buckets sorted by value. */
function histogramDistribution(buckets: readonly (readonly [number, number])[], total: number): Distribution {
  if (total === 0) return { count: 0, p50: 0, p99: 0, max: 0 };
  const at = (q: number) => {
    const rank = Math.max(1, Math.ceil(q * total));
    let seen = 0;
    for (const [value, n] of buckets) {
      seen += n;
      if (seen >= rank) return value;
    }
    return buckets[buckets.length - 1]![0];
  };
  return { count: total, p50: at(0.5), p99: at(0.99), max: buckets[buckets.length - 1]![0] };
}

/** Nearest-rank quantiles of already sorted values. */
function distribution(sorted: readonly number[]): Distribution {
  const n = sorted.length;
  if (n === 0) return { count: 0, p50: 0, p99: 0, max: 0 };
  const at = (q: number) => sorted[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))]!;
  return { count: n, p50: at(0.5), p99: at(0.99), max: sorted[n - 1]! };
}
