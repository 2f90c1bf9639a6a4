/**
 * Numbers as the reports print them.
 *
 * @module
 */
import type { Summary } from "./stats.ts";

/** A number with thousands separators and exactly `digits` decimals; `–` for none. */
export function fmt(value: number | undefined, digits = 0): string {
  return value === undefined || !Number.isFinite(value)
    ? "–"
    : value.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/** A rate in thousands from 10,000 up (`13.5k`), whole below; `–` for none. */
export function kilo(value: number | undefined): string {
  return value === undefined ? "–" : value >= 10_000 ? `${fmt(value / 1000, 1)}k` : fmt(value);
}

/** A summary as `median (min–max)`, each number written by `format`. */
export function range(s: Summary, format: (value: number) => string = fmt): string {
  return `${format(s.median)} (${format(s.min)}–${format(s.max)})`;
}

/** A table row: `| a | b |`, an empty cell as `| |`. */
export function row(cells: readonly (string | number)[]): string {
  return `|${cells.map((cell) => (cell === "" ? " " : ` ${cell} `)).join("|")}|`;
}

/** A markdown table: the header, its rule (the columns listed in `right` aligned right), then the rows. */
export function table(head: readonly string[], rows: readonly (readonly (string | number)[])[], right: readonly number[] = []): string[] {
  return [row(head), `|${head.map((_, i) => (right.includes(i) ? "---:" : "---")).join("|")}|`, ...rows.map(row)];
}
