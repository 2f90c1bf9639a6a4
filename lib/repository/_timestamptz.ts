/**
 * A `timestamptz` read from its text, the same way in both drivers and on
 * every runtime.
 *
 * @module
 */

/** ECMAScript's last instant, +275760-09-13T00:00:00Z, in epoch milliseconds; its first is the negation. */
const LAST_MS = 8.64e15;

/**
 * A `timestamptz` as Postgres writes it in text, as a `Date` that is always
 * valid. Postgres's `infinity` and `-infinity`, which no `Date` can hold,
 * become the last and the first instant a `Date` holds,
 * +275760-09-13T00:00:00Z and -271821-04-20T00:00:00Z: later and earlier
 * than any other time, as in Postgres. A time after the last instant
 * (Postgres goes on to 294276 AD) becomes that instant too.
 *
 * The ISO DateStyle, Postgres's default, is read here, in any session time
 * zone (offsets such as `+05:30` or `-04:56:02`), with years of any length
 * and `BC` years (1 BC is year 0, as in ISO 8601), to the millisecond,
 * further digits cut. The JavaScript engines' own parsers, which both drivers
 * used before, read `0099-01-01` as 1999, and `BC` years and offsets with
 * seconds as invalid dates. Text in another DateStyle is left to that
 * parser, `new Date(text)`, as before.
 *
 * @param text The column's text, such as `2026-03-22 10:30:00.123456+00`.
 * @returns The time.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseTimestamptz } from "./_timestamptz.ts";
 * assert.equal(parseTimestamptz("2026-03-22 16:00:00.999999+05:30").toISOString(), "2026-03-22T10:30:00.999Z");
 * assert.equal(parseTimestamptz("0001-01-01 00:00:00+00 BC").toISOString(), "0000-01-01T00:00:00.000Z");
 * assert.equal(parseTimestamptz("infinity").toISOString(), "+275760-09-13T00:00:00.000Z");
 * assert.equal(parseTimestamptz("-infinity").toISOString(), "-271821-04-20T00:00:00.000Z");
 * ```
 */
export function parseTimestamptz(text: string): Date {
  const ms = isoMs(text);
  if (ms !== ms) {
    if (text === "infinity") return new Date(LAST_MS);
    if (text === "-infinity") return new Date(-LAST_MS);
    return new Date(text);
  }
  return new Date(ms > LAST_MS ? LAST_MS : ms < -LAST_MS ? -LAST_MS : ms);
}

/**
 * The epoch milliseconds of ISO DateStyle text,
 * `Y…Y-MM-DD hh:mm:ss[.f…f](+|-)hh[:mm[:ss]][ BC]`, or NaN for any other text.
 * Postgres writes only valid fields, so only the shape is checked.
 */
function isoMs(text: string): number {
  const length = text.length;
  let i = 0;
  let year = 0;
  while (i < length && isDigit(text.charCodeAt(i))) year = year * 10 + text.charCodeAt(i++) - 48;
  if (i < 4 || i + 15 > length || text.charCodeAt(i) !== 45 || text.charCodeAt(i + 3) !== 45 ||
    text.charCodeAt(i + 6) !== 32 || text.charCodeAt(i + 9) !== 58 || text.charCodeAt(i + 12) !== 58) return Number.NaN;
  const month = twoDigits(text, i + 1);
  const day = twoDigits(text, i + 4);
  const hour = twoDigits(text, i + 7);
  const minute = twoDigits(text, i + 10);
  const second = twoDigits(text, i + 13);
  i += 15;
  let fraction = 0;
  if (text.charCodeAt(i) === 46) {
    const start = ++i;
    while (i < length && isDigit(text.charCodeAt(i))) {
      if (i - start < 3) fraction = fraction * 10 + text.charCodeAt(i) - 48;
      i++;
    }
    if (i === start) return Number.NaN;
    for (let digits = i - start; digits < 3; digits++) fraction *= 10;
  }
  const sign = text.charCodeAt(i) === 43 ? 1 : text.charCodeAt(i) === 45 ? -1 : 0;
  if (sign === 0) return Number.NaN;
  let offset = twoDigits(text, i + 1) * 3600;
  i += 3;
  if (text.charCodeAt(i) === 58) {
    offset += twoDigits(text, i + 1) * 60;
    i += 3;
    if (text.charCodeAt(i) === 58) {
      offset += twoDigits(text, i + 1);
      i += 3;
    }
  }
  if (i === length - 3 && text.charCodeAt(i) === 32 && text.charCodeAt(i + 1) === 66 && text.charCodeAt(i + 2) === 67) {
    year = 1 - year;
    i += 3;
  }
  if (i !== length) return Number.NaN;
  const seconds = daysFromCivil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second - sign * offset;
  return seconds * 1000 + fraction;
}

function isDigit(unit: number): boolean {
  return unit >= 48 && unit <= 57;
}

/** The two decimal digits at `at`, or NaN. */
function twoDigits(text: string, at: number): number {
  const tens = text.charCodeAt(at) - 48;
  const ones = text.charCodeAt(at + 1) - 48;
  return tens >= 0 && tens <= 9 && ones >= 0 && ones <= 9 ? tens * 10 + ones : Number.NaN;
}

/**
 * Days since 1970-01-01 of a date of the proleptic Gregorian calendar, any
 * year (H. Hinnant's days-from-civil algorithm). `Date.UTC` would read years
 * 0–99 as 1900–1999.
 */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  return era * 146_097 + yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear - 719_468;
}
