/**
 * Accept-Language negotiation: RFC 4647 §3.4 lookup with the q-values of
 * RFC 9110 §12.5.4, over the languages lobby answers in.
 *
 * The header is attacker-controlled and read on every request, so the parser
 * is a single forward scan over at most 4 KiB and 32 ranges, with no regular
 * expressions and no allocation beyond a few short slices.
 *
 * @module
 */
import { LOCALES, type Locale } from "./locales.ts";

/** Only this much of a header is read; real browsers send under 100 bytes. */
const MAX_HEADER = 4096;
/** Only this many list members are read, well-formed or not. */
const MAX_RANGES = 32;
/** The cache is cleared when it reaches this many headers. */
const CACHE_SIZE = 256;
/** Longer headers are not cached, so hostile headers cannot fill memory. */
const CACHE_KEY_MAX = 512;

/**
 * Lower-case ranges (at most two subtags, after {@link localeOf} folds the
 * Mandarin and Cantonese forms) and the locale that serves them. A script
 * subtag is the second subtag, so it decides before any region: zh-Hans-TW
 * truncates to zh-hans, zh-Hant-CN to zh-hant.
 */
const LIKELY: ReadonlyMap<string, Locale> = new Map<string, Locale>([
  ["en", "en"],
  ["ja", "ja"],
  ["vi", "vi"],
  ["zh", "zh"],
  // Truncation reaches zh anyway; listed so the Simplified forms read in one place.
  ["zh-hans", "zh"],
  ["zh-cn", "zh"],
  ["zh-sg", "zh"],
  ["zh-my", "zh"],
  ["zh-hant", "zh-Hant"],
  ["zh-tw", "zh-Hant"],
  ["zh-hk", "zh-Hant"],
  ["zh-mo", "zh-Hant"],
  // Cantonese is written in Traditional characters except in the mainland.
  ["yue", "zh-Hant"],
  ["yue-hant", "zh-Hant"],
  ["yue-hk", "zh-Hant"],
  ["yue-mo", "zh-Hant"],
  ["yue-hans", "zh"],
  ["yue-cn", "zh"],
]);

const TAB = 9;
const SPACE = 32;
const STAR = 42;
const COMMA = 44;
const HYPHEN = 45;
const DOT = 46;
const ZERO = 48;
const SEMICOLON = 59;
const EQUALS = 61;

/** One parsed list member: what it maps to and its weight in thousandths. */
interface ParsedRange {
  readonly target: Locale | "*" | undefined;
  readonly weight: number;
}

const cache = new Map<string, Locale>();

/**
 * The locale to answer in for an `Accept-Language` header.
 *
 * Ranges are taken by weight, highest first, header order breaking ties; each
 * is mapped to a locale by the likely-subtags table and progressive
 * truncation (`zh-TW` → zh-Hant, `zh-Hans-TW` → zh, `ja-JP` → ja, `en-GB` →
 * en). `q=0` refuses the locale a range maps to; `*` stands for the first
 * locale of {@link LOCALES} that no other range names or refuses. Malformed
 * ranges and invalid weights are skipped. Only the first 4 KiB and the first
 * 32 ranges are read; a range cut by the 4 KiB limit is dropped.
 *
 * @param acceptLanguage The header's value, or `null` when it is absent.
 * @returns The negotiated locale; `"en"` when nothing matches. Never throws.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { negotiateLocale } from "./negotiate_locale.ts";
 * assert.equal(negotiateLocale("zh-TW,zh;q=0.9,en-US;q=0.8,en;q=0.7"), "zh-Hant");
 * assert.equal(negotiateLocale("fr-FR, ja;q=0.5"), "ja");
 * assert.equal(negotiateLocale("en;q=0, *"), "zh");
 * assert.equal(negotiateLocale(null), "en");
 * ```
 */
export function negotiateLocale(acceptLanguage: string | null): Locale {
  // Typed callers cannot pass anything else, but JavaScript ones can.
  if (typeof acceptLanguage !== "string" || acceptLanguage.length === 0) return "en";
  const cacheable = acceptLanguage.length <= CACHE_KEY_MAX;
  if (cacheable) {
    const hit = cache.get(acceptLanguage);
    if (hit !== undefined) return hit;
  }
  const locale = negotiate(acceptLanguage);
  if (cacheable) {
    if (cache.size >= CACHE_SIZE) cache.clear();
    cache.set(acceptLanguage, locale);
  }
  return locale;
}

function negotiate(header: string): Locale {
  const end = windowEnd(header);
  const ranges: ParsedRange[] = [];
  let refused = 0; // bit i: LOCALES[i] was given q=0
  let named = 0; // bit i: LOCALES[i] was asked for with q > 0
  let members = 0;
  for (let start = 0; start < end && members < MAX_RANGES;) {
    let stop = start;
    while (stop < end && header.charCodeAt(stop) !== COMMA) stop++;
    // Empty members (",,") are legal list syntax and cost nothing.
    if (skipOWS(header, start, stop) < stop) {
      members++;
      const range = parseRange(header, start, stop);
      if (range !== undefined) {
        ranges.push(range);
        if (range.target !== undefined && range.target !== "*") {
          if (range.weight === 0) refused |= bitOf(range.target);
          else named |= bitOf(range.target);
        }
      }
    }
    start = stop + 1;
  }

  // Lookup in weight order: the first acceptable range of the highest weight
  // wins, so a strictly greater weight is needed to displace an earlier one.
  let best: Locale | undefined;
  let bestWeight = 0;
  for (const range of ranges) {
    if (range.weight <= bestWeight) continue;
    let locale: Locale | undefined;
    if (range.target === "*") {
      // RFC 9110: "*" matches only what no other range names.
      locale = firstOutside(refused | named);
    } else if (range.target !== undefined && (refused & bitOf(range.target)) === 0) {
      locale = range.target;
    }
    if (locale !== undefined) {
      best = locale;
      bestWeight = range.weight;
    }
  }
  return best ?? "en";
}

/**
 * Where reading stops: the whole header, or the first 4 KiB without the member
 * the limit cuts through, which could otherwise read as another range
 * ("zh-Hant" cut to "zh-H") or another weight ("q=0.9" cut to "q=0.").
 */
function windowEnd(header: string): number {
  if (header.length <= MAX_HEADER) return header.length;
  if (header.charCodeAt(MAX_HEADER) === COMMA) return MAX_HEADER;
  return Math.max(0, header.lastIndexOf(",", MAX_HEADER - 1));
}

/**
 * One list member, `language-range [OWS ";" OWS "q" "=" qvalue]`, between
 * `start` and `end`; `undefined` when malformed or its weight is invalid.
 * Spaces and tabs are allowed around every delimiter.
 */
function parseRange(header: string, start: number, end: number): ParsedRange | undefined {
  let i = skipOWS(header, start, end);
  const rangeStart = i;
  // Only three subtags can change the match (zh-cmn-Hant); the rest is ignored.
  let keyEnd = -1;
  if (i < end && header.charCodeAt(i) === STAR) {
    i++;
  } else {
    // alpha{1,8} *("-" alphanum{1,8}), RFC 4647 §2.1
    for (let subtags = 1; ; subtags++) {
      const from = i;
      while (i < end && isSubtagChar(header.charCodeAt(i), subtags === 1)) i++;
      if (i === from || i - from > 8) return undefined;
      if (subtags === 3) keyEnd = i;
      if (i < end && header.charCodeAt(i) === HYPHEN) i++;
      else break;
    }
  }
  const rangeEnd = i;

  let weight = 1000;
  i = skipOWS(header, i, end);
  if (i < end && header.charCodeAt(i) === SEMICOLON) {
    i = skipOWS(header, i + 1, end);
    if (i >= end || (header.charCodeAt(i) | 0x20) !== 0x71) return undefined; // "q" or "Q"
    i = skipOWS(header, i + 1, end);
    if (i >= end || header.charCodeAt(i) !== EQUALS) return undefined;
    weight = parseWeight(header, skipOWS(header, i + 1, end), end);
    if (weight < 0) return undefined;
  } else if (i !== end) {
    return undefined;
  }

  if (header.charCodeAt(rangeStart) === STAR) return { target: "*", weight };
  const key = header.slice(rangeStart, keyEnd === -1 ? rangeEnd : keyEnd);
  return { target: localeOf(key), weight };
}

/**
 * A qvalue (RFC 9110 §12.4.2) filling `start` to `end` (trailing OWS allowed),
 * in thousandths: "0.5" is 500. -1 when invalid ("2", "abc", ".5", "0.1234",
 * "1.001").
 */
function parseWeight(header: string, start: number, end: number): number {
  let i = start;
  const lead = header.charCodeAt(i) - ZERO;
  if (i >= end || (lead !== 0 && lead !== 1)) return -1;
  let weight = lead * 1000;
  i++;
  if (i < end && header.charCodeAt(i) === DOT) {
    i++;
    // A fourth decimal is left unread, so the end check below rejects it.
    for (let scale = 100; scale >= 1 && i < end && isDigit(header.charCodeAt(i)); scale /= 10, i++) {
      weight += (header.charCodeAt(i) - ZERO) * scale;
    }
  }
  if (weight > 1000) return -1; // only zeros may follow a leading 1
  return skipOWS(header, i, end) === end ? weight : -1;
}

/**
 * The locale a well-formed range maps to, by RFC 4647 §3.4 progressive
 * truncation over {@link LIKELY}, or `undefined`.
 */
function localeOf(range: string): Locale | undefined {
  let tag = range.toLowerCase();
  // Extended-language forms (RFC 5646 §2.2.2): zh-cmn-Hant is cmn-Hant.
  if (hasPrefix(tag, "zh-cmn") || hasPrefix(tag, "zh-yue")) tag = tag.slice(3);
  // Mandarin is what "zh" means in practice, so cmn follows the zh rules.
  if (hasPrefix(tag, "cmn")) tag = "zh" + tag.slice(3);
  for (;;) {
    const hit = LIKELY.get(tag);
    if (hit !== undefined) return hit;
    // RFC 4647 also drops a trailing singleton ("zh-x" of "zh-x-tw") with the
    // subtag after it; no key ends in one, so cutting one subtag at a time
    // gives the same answer.
    const cut = tag.lastIndexOf("-");
    if (cut === -1) return undefined;
    tag = tag.slice(0, cut);
  }
}

/** Whether `tag` is `prefix` or starts with `prefix` and a hyphen. */
function hasPrefix(tag: string, prefix: string): boolean {
  return tag.startsWith(prefix) && (tag.length === prefix.length || tag.charCodeAt(prefix.length) === HYPHEN);
}

/** The first locale in {@link LOCALES} order whose bit is not in `mask`. */
function firstOutside(mask: number): Locale | undefined {
  let bit = 1;
  for (const locale of LOCALES) {
    if ((mask & bit) === 0) return locale;
    bit <<= 1;
  }
  return undefined;
}

/** The bit that stands for `locale` in the masks {@link negotiate} keeps. */
function bitOf(locale: Locale): number {
  return 1 << LOCALES.indexOf(locale);
}

function skipOWS(header: string, i: number, end: number): number {
  while (i < end) {
    const c = header.charCodeAt(i);
    if (c !== SPACE && c !== TAB) break;
    i++;
  }
  return i;
}

function isDigit(c: number): boolean {
  return c >= ZERO && c <= ZERO + 9;
}

/** ASCII letters always; digits too except in the first subtag. */
function isSubtagChar(c: number, first: boolean): boolean {
  const lower = c | 0x20;
  return (lower >= 0x61 && lower <= 0x7a) || (!first && isDigit(c));
}
