/**
 * Statistics of repeated measurements: medians, ranges, percentiles and
 * ratios of runs made side by side.
 *
 * @module
 */

/** The median and the range of a measured value. */
export interface Summary {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

/** The median of some numbers (the mean of the middle two for an even count; NaN for none). */
export function median(values: readonly number[]): number {
  return summary(values).median;
}

/** The median and the range of some numbers, the median rounded to `digits` decimals when given. */
export function summary(values: readonly number[], digits?: number): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  const middle = n % 2 === 1 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
  return {
    median: n === 0 ? Number.NaN : digits === undefined ? middle : round(middle, digits),
    min: sorted[0] ?? Number.NaN,
    max: sorted[n - 1] ?? Number.NaN,
  };
}

/** The nearest-rank percentile `q` (0 to 1) of values sorted in ascending order. */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** The ratios of two series measured in the same rounds, round by round. */
export function ratios(numerators: readonly number[], denominators: readonly number[]): number[] {
  return numerators.slice(0, denominators.length).map((value, i) => value / denominators[i]!);
}

/** A number rounded to `digits` decimals. */
export function round(value: number, digits = 0): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
