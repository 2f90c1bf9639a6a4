/**
 * Timing calls in process: one call after another, or from closed loops
 * with several calls in flight.
 *
 * @module
 */
import { percentile } from "./stats.ts";

/**
 * Nanoseconds per call of `calls` calls of `run`, each awaited before the
 * next; `run` gets the call's index, counted from `offset`.
 */
export async function nsPerCall(calls: number, run: (i: number) => unknown, offset = 0): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < calls; i++) await run(offset + i);
  return ((performance.now() - started) * 1e6) / calls;
}

/** What {@link closedLoops} measured; latencies in milliseconds. */
export interface LoopResult {
  /** Calls per second over the whole run. */
  readonly rate: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  readonly calls: number;
}

/**
 * Runs `call` from `concurrency` closed loops, each starting its next call
 * when the last one settles, until `done(elapsedMs, calls)` says so (asked
 * after every call).
 */
export async function closedLoops(
  call: () => Promise<unknown>,
  concurrency: number,
  done: (elapsedMs: number, calls: number) => boolean,
): Promise<LoopResult> {
  const latencies: number[] = [];
  const started = performance.now();
  let stop = false;
  const loop = async (): Promise<void> => {
    while (!stop) {
      const before = performance.now();
      await call();
      const after = performance.now();
      latencies.push(after - before);
      if (done(after - started, latencies.length)) stop = true;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  const seconds = (performance.now() - started) / 1000;
  const sorted = Float64Array.from(latencies).sort();
  return {
    rate: latencies.length / seconds,
    p50: percentile(sorted, 0.5),
    p90: percentile(sorted, 0.9),
    p99: percentile(sorted, 0.99),
    max: percentile(sorted, 1),
    calls: latencies.length,
  };
}
