/**
 * The system dialect's way of writing a time.
 *
 * @module
 */

/**
 * A time as the system dialect writes it: ISO 8601 in UTC with `Z`, to the
 * second (`2026-03-22T10:30:00Z`). Milliseconds are cut, never rounded, so a
 * time never moves into the next second. Years outside 0000–9999 take the
 * extended form `toISOString` writes, a sign and six digits
 * (`+010000-01-01T00:00:00Z`); years before 1 AD count as ISO 8601 does,
 * 1 BC being `0000` and 44 BC `-000043`.
 *
 * Every time Postgres stores is written so, in both drivers alike. Its
 * `infinity` and `-infinity`, which JSON cannot state and no `Date` can
 * hold, are read by the repositories as the last and the first instant a
 * `Date` holds, and so written `+275760-09-13T00:00:00Z` and
 * `-271821-04-20T00:00:00Z`: ISO 8601 still, and later and earlier than any
 * other time, as in Postgres. A time past the last (Postgres goes on to
 * 294276 AD) is written as `infinity` is.
 *
 * @param date The time.
 * @returns The text.
 * @throws {RangeError} For an invalid date.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatSystemTime } from "./format_system_time.ts";
 * assert.equal(formatSystemTime(new Date("2026-03-22T10:30:00.999Z")), "2026-03-22T10:30:00Z");
 * assert.equal(formatSystemTime(new Date(8.64e15)), "+275760-09-13T00:00:00Z"); // infinity
 * assert.equal(formatSystemTime(new Date(-8.64e15)), "-271821-04-20T00:00:00Z"); // -infinity
 * assert.equal(formatSystemTime(new Date("-000043-03-15T12:00:00Z")), "-000043-03-15T12:00:00Z"); // 44 BC
 * assert.throws(() => formatSystemTime(new Date(Number.NaN)), RangeError);
 * ```
 */
export function formatSystemTime(date: Date): string {
  const ms = date.getTime();
  // A listing writes two times per row, so years 0000-9999 are written by
  // arithmetic, without toISOString's string to cut; anything else, and
  // invalid dates, through toISOString, which writes extended years and
  // throws.
  if (ms >= YEAR_0 && ms < YEAR_10000) return formatSeconds(Math.floor(ms / 1000));
  const iso = date.toISOString();
  return iso.slice(0, iso.length - 5) + "Z";
}

/** 0000-01-01T00:00:00Z and 10000-01-01T00:00:00Z in epoch milliseconds. */
const YEAR_0 = -62_167_219_200_000;
const YEAR_10000 = 253_402_300_800_000;
const TWO_DIGITS: readonly string[] = Array.from({ length: 100 }, (_, i) => (i < 10 ? `0${i}` : `${i}`));

/**
 * `YYYY-MM-DDThh:mm:ssZ` of epoch seconds, as toISOString would write it.
 * The date part is remembered per day in a small direct-mapped table, since
 * the times of one listing cluster on few days.
 */
function formatSeconds(seconds: number): string {
  const days = Math.floor(seconds / 86_400);
  let rest = seconds - days * 86_400;
  const hour = Math.floor(rest / 3600);
  rest -= hour * 3600;
  const minute = Math.floor(rest / 60);
  const slot = days & 255;
  let prefix = dayPrefixes[slot]!;
  if (dayKeys[slot] !== days) {
    prefix = datePrefix(days);
    dayKeys[slot] = days;
    dayPrefixes[slot] = prefix;
  }
  return `${prefix}${TWO_DIGITS[hour]}:${TWO_DIGITS[minute]}:${TWO_DIGITS[rest - minute * 60]}Z`;
}

const dayKeys = new Float64Array(256).fill(Number.NaN);
const dayPrefixes: string[] = new Array<string>(256).fill("");

/**
 * `YYYY-MM-DDT` of a day number (days since 1970-01-01), by the proleptic
 * Gregorian calendar (H. Hinnant's days-to-civil algorithm).
 */
function datePrefix(days: number): string {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const shifted = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * shifted + 2) / 5) + 1;
  const month = shifted < 10 ? shifted + 3 : shifted - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  return `${TWO_DIGITS[Math.floor(year / 100)]}${TWO_DIGITS[year % 100]}-${TWO_DIGITS[month]}-${TWO_DIGITS[day]}T`;
}
