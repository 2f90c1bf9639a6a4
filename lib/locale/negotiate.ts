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
import { LOCALES, type Locale } from "./catalogue.ts";

/** Only this much of a header is read; real browsers send under 100 bytes. */
const _MAX_HEADER = 4096;
/** Only this many list members are read, well-formed or not. */
const _MAX_RANGES = 32;
/** The cache is cleared when it reaches this many headers. */
const _CACHE_SIZE = 256;
/** Longer headers are not cached, so hostile headers cannot fill memory. */
const _CACHE_KEY_MAX = 512;

/**
 * Lower-case ranges (at most two subtags, after {@link _localeOf} folds the
 * Mandarin and Cantonese forms) and the locale that serves them. A script
 * subtag is the second subtag, so it decides before any region: zh-Hans-TW
 * truncates to zh-hans, zh-Hant-CN to zh-hant.
 */
const _LIKELY: ReadonlyMap<string, Locale> = new Map<string, Locale>([
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

const _TAB = 9;
const _SPACE = 32;
const _STAR = 42;
const _COMMA = 44;
const _HYPHEN = 45;
const _DOT = 46;
const _ZERO = 48;
const _SEMICOLON = 59;
const _EQUALS = 61;

/** One parsed list member: what it maps to and its weight in thousandths. */
interface _Range {
  readonly target: Locale | "*" | undefined;
  readonly weight: number;
}

const _cache = new Map<string, Locale>();

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
 * import { negotiateLocale } from "./negotiate.ts";
 * negotiateLocale("zh-TW,zh;q=0.9,en-US;q=0.8,en;q=0.7"); // "zh-Hant"
 * negotiateLocale("fr-FR, ja;q=0.5"); // "ja"
 * negotiateLocale("en;q=0, *"); // "zh"
 * negotiateLocale(null); // "en"
 * ```
 */
export function negotiateLocale(acceptLanguage: string | null): Locale {
  // Typed callers cannot pass anything else, but JavaScript ones can.
  if (typeof acceptLanguage !== "string" || acceptLanguage.length === 0) return "en";
  const cacheable = acceptLanguage.length <= _CACHE_KEY_MAX;
  if (cacheable) {
    const hit = _cache.get(acceptLanguage);
    if (hit !== undefined) return hit;
  }
  const locale = _negotiate(acceptLanguage);
  if (cacheable) {
    if (_cache.size >= _CACHE_SIZE) _cache.clear();
    _cache.set(acceptLanguage, locale);
  }
  return locale;
}

function _negotiate(header: string): Locale {
  const end = _windowEnd(header);
  const ranges: _Range[] = [];
  let refused = 0; // bit i: LOCALES[i] was given q=0
  let named = 0; // bit i: LOCALES[i] was asked for with q > 0
  let members = 0;
  for (let start = 0; start < end && members < _MAX_RANGES;) {
    let stop = start;
    while (stop < end && header.charCodeAt(stop) !== _COMMA) stop++;
    // Empty members (",,") are legal list syntax and cost nothing.
    if (_skipOWS(header, start, stop) < stop) {
      members++;
      const range = _parseRange(header, start, stop);
      if (range !== undefined) {
        ranges.push(range);
        if (range.target !== undefined && range.target !== "*") {
          if (range.weight === 0) refused |= _bit(range.target);
          else named |= _bit(range.target);
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
      locale = _firstOutside(refused | named);
    } else if (range.target !== undefined && (refused & _bit(range.target)) === 0) {
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
function _windowEnd(header: string): number {
  if (header.length <= _MAX_HEADER) return header.length;
  if (header.charCodeAt(_MAX_HEADER) === _COMMA) return _MAX_HEADER;
  return Math.max(0, header.lastIndexOf(",", _MAX_HEADER - 1));
}

/**
 * One list member, `language-range [OWS ";" OWS "q" "=" qvalue]`, between
 * `start` and `end`; `undefined` when malformed or its weight is invalid.
 * Spaces and tabs are allowed around every delimiter.
 */
function _parseRange(header: string, start: number, end: number): _Range | undefined {
  let i = _skipOWS(header, start, end);
  const rangeStart = i;
  // Only three subtags can change the match (zh-cmn-Hant); the rest is ignored.
  let keyEnd = -1;
  if (i < end && header.charCodeAt(i) === _STAR) {
    i++;
  } else {
    // alpha{1,8} *("-" alphanum{1,8}), RFC 4647 §2.1
    for (let subtags = 1; ; subtags++) {
      const from = i;
      while (i < end && _isSubtagChar(header.charCodeAt(i), subtags === 1)) i++;
      if (i === from || i - from > 8) return undefined;
      if (subtags === 3) keyEnd = i;
      if (i < end && header.charCodeAt(i) === _HYPHEN) i++;
      else break;
    }
  }
  const rangeEnd = i;

  let weight = 1000;
  i = _skipOWS(header, i, end);
  if (i < end && header.charCodeAt(i) === _SEMICOLON) {
    i = _skipOWS(header, i + 1, end);
    if (i >= end || (header.charCodeAt(i) | 0x20) !== 0x71) return undefined; // "q" or "Q"
    i = _skipOWS(header, i + 1, end);
    if (i >= end || header.charCodeAt(i) !== _EQUALS) return undefined;
    weight = _parseWeight(header, _skipOWS(header, i + 1, end), end);
    if (weight < 0) return undefined;
  } else if (i !== end) {
    return undefined;
  }

  if (header.charCodeAt(rangeStart) === _STAR) return { target: "*", weight };
  const key = header.slice(rangeStart, keyEnd === -1 ? rangeEnd : keyEnd);
  return { target: _localeOf(key), weight };
}

/**
 * A qvalue (RFC 9110 §12.4.2) filling `start` to `end` (trailing OWS allowed),
 * in thousandths: "0.5" is 500. -1 when invalid ("2", "abc", ".5", "0.1234",
 * "1.001").
 */
function _parseWeight(header: string, start: number, end: number): number {
  let i = start;
  const lead = header.charCodeAt(i) - _ZERO;
  if (i >= end || (lead !== 0 && lead !== 1)) return -1;
  let weight = lead * 1000;
  i++;
  if (i < end && header.charCodeAt(i) === _DOT) {
    i++;
    // A fourth decimal is left unread, so the end check below rejects it.
    for (let scale = 100; scale >= 1 && i < end && _isDigit(header.charCodeAt(i)); scale /= 10, i++) {
      weight += (header.charCodeAt(i) - _ZERO) * scale;
    }
  }
  if (weight > 1000) return -1; // only zeros may follow a leading 1
  return _skipOWS(header, i, end) === end ? weight : -1;
}

/**
 * The locale a well-formed range maps to, by RFC 4647 §3.4 progressive
 * truncation over {@link _LIKELY}, or `undefined`.
 */
function _localeOf(range: string): Locale | undefined {
  let tag = range.toLowerCase();
  // Extended-language forms (RFC 5646 §2.2.2): zh-cmn-Hant is cmn-Hant.
  if (_hasPrefix(tag, "zh-cmn") || _hasPrefix(tag, "zh-yue")) tag = tag.slice(3);
  // Mandarin is what "zh" means in practice, so cmn follows the zh rules.
  if (_hasPrefix(tag, "cmn")) tag = "zh" + tag.slice(3);
  for (;;) {
    const hit = _LIKELY.get(tag);
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
function _hasPrefix(tag: string, prefix: string): boolean {
  return tag.startsWith(prefix) && (tag.length === prefix.length || tag.charCodeAt(prefix.length) === _HYPHEN);
}

/** The first locale in {@link LOCALES} order whose bit is not in `mask`. */
function _firstOutside(mask: number): Locale | undefined {
  let bit = 1;
  for (const locale of LOCALES) {
    if ((mask & bit) === 0) return locale;
    bit <<= 1;
  }
  return undefined;
}

function _bit(locale: Locale): number {
  return 1 << LOCALES.indexOf(locale);
}

function _skipOWS(header: string, i: number, end: number): number {
  while (i < end) {
    const c = header.charCodeAt(i);
    if (c !== _SPACE && c !== _TAB) break;
    i++;
  }
  return i;
}

function _isDigit(c: number): boolean {
  return c >= _ZERO && c <= _ZERO + 9;
}

/** ASCII letters always; digits too except in the first subtag. */
function _isSubtagChar(c: number, first: boolean): boolean {
  const lower = c | 0x20;
  return (lower >= 0x61 && lower <= 0x7a) || (!first && _isDigit(c));
}
