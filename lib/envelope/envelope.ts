/**
 * The bodies of both dialects, success and failure, as plain objects in the
 * seeds' field order. Pure: the clock and the language are parameters.
 *
 * @module
 */
import { FAILURES, type FailureName } from "./failures.ts";
import { catalogue, type Locale } from "../locale/catalogue.ts";
import { kindCode, statusCode, WORKSPACE_KIND, WORKSPACE_STATUS, type WorkspaceMembership } from "../repository/workspace.ts";

/**
 * The `version` the system dialect publishes (seed 000).
 *
 * @example
 * ```ts
 * import { SYSTEM_API_VERSION } from "./envelope.ts";
 * SYSTEM_API_VERSION; // "1.3.0"
 * ```
 */
export const SYSTEM_API_VERSION = "1.3.0" as const;

/** A `{value, name, code}` enum object of the system dialect. */
export interface SystemEnum {
  readonly value: number;
  readonly name: string;
  readonly code: string;
}

/** One item of the system dialect's `data`, exactly as seed 000 shows it. */
export interface SystemWorkspace {
  readonly bizId: string;
  readonly institutionBizId: string;
  readonly entityBizId: string | null;
  readonly workspaceName: string;
  readonly workspaceTimezone: string;
  readonly workspaceStatus: SystemEnum;
  readonly workspaceKind: SystemEnum;
  readonly extraData: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** The system dialect's envelope (seed 000). */
export interface SystemBody {
  readonly version: typeof SYSTEM_API_VERSION;
  readonly timestamp: number;
  readonly success: boolean;
  readonly code: string;
  readonly message: string;
  readonly data: readonly SystemWorkspace[] | null;
}

/** One item of the uptimer dialect's `result` (seed 004). */
export interface UptimerWorkspace {
  readonly id: string;
  readonly name: string;
  readonly role: string;
  readonly kind: "workspace";
}

/** The uptimer dialect's error object (seed 004). */
export interface UptimerError {
  readonly code: number;
  readonly error_type: string;
  readonly message: string;
  readonly details: string;
}

/** The uptimer dialect's envelope (seed 004). */
export interface UptimerBody {
  readonly result: readonly UptimerWorkspace[] | null;
  readonly error: UptimerError | null;
  readonly meta: null;
}

/**
 * A time as the system dialect writes it: ISO 8601 in UTC with `Z`, to the
 * second (`2026-03-22T10:30:00Z`), as seed 000 does.
 *
 * @throws {RangeError} for an invalid date.
 * @example
 * ```ts
 * import { formatSystemTime } from "./envelope.ts";
 * formatSystemTime(new Date("2026-03-22T10:30:00.999Z")); // "2026-03-22T10:30:00Z"
 * ```
 */
export function formatSystemTime(date: Date): string {
  const ms = date.getTime();
  // Years 0000-9999 by arithmetic (toISOString costs several times more,
  // and a listing formats two times per row); anything else, and invalid
  // dates, through toISOString, which writes extended years and throws.
  if (ms >= _YEAR_0 && ms < _YEAR_10000) return _formatSeconds(Math.floor(ms / 1000));
  // toISOString always has milliseconds; the seed has none. Truncating (not
  // rounding) keeps a time from ever moving into the next second.
  const iso = date.toISOString();
  return iso.slice(0, iso.length - 5) + "Z";
}

/** 0000-01-01T00:00:00Z and 10000-01-01T00:00:00Z in epoch milliseconds. */
const _YEAR_0 = -62_167_219_200_000;
const _YEAR_10000 = 253_402_300_800_000;
const _TWO_DIGITS: readonly string[] = Array.from({ length: 100 }, (_, i) => (i < 10 ? `0${i}` : `${i}`));

// `YYYY-MM-DDThh:mm:ssZ` of epoch seconds, by the proleptic Gregorian
// calendar (the days-to-civil algorithm of H. Hinnant), as toISOString. The
// date part is remembered per day in a small direct-mapped table: times in a
// listing cluster on few days, and the calendar arithmetic is most of the cost.
function _formatSeconds(seconds: number): string {
  const days = Math.floor(seconds / 86_400);
  let rest = seconds - days * 86_400;
  const hour = Math.floor(rest / 3600);
  rest -= hour * 3600;
  const minute = Math.floor(rest / 60);
  const slot = days & 255;
  let prefix = _dayPrefixes[slot]!;
  if (_dayKeys[slot] !== days) {
    prefix = _datePrefix(days);
    _dayKeys[slot] = days;
    _dayPrefixes[slot] = prefix;
  }
  return `${prefix}${_TWO_DIGITS[hour]}:${_TWO_DIGITS[minute]}:${_TWO_DIGITS[rest - minute * 60]}Z`;
}

const _dayKeys = new Float64Array(256).fill(Number.NaN);
const _dayPrefixes: string[] = new Array<string>(256).fill("");

// `YYYY-MM-DDT` of a day number (days since 1970-01-01).
function _datePrefix(days: number): string {
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
  return `${_TWO_DIGITS[Math.floor(year / 100)]}${_TWO_DIGITS[year % 100]}-${_TWO_DIGITS[month]}-${_TWO_DIGITS[day]}T`;
}

/**
 * The system dialect's 200 body for a user's memberships.
 *
 * @example
 * ```ts
 * import { systemSuccess } from "./envelope.ts";
 * systemSuccess([], "en", 1709337600000).data; // []
 * ```
 */
export function systemSuccess(
  rows: readonly WorkspaceMembership[],
  locale: Locale,
  nowMs: number,
): SystemBody {
  const texts = catalogue(locale);
  const data = rows.map((row): SystemWorkspace => {
    const status = statusCode(row.status);
    const kind = kindCode(row.kind);
    return {
      bizId: row.bizId,
      institutionBizId: row.institutionBizId,
      entityBizId: row.entityBizId,
      workspaceName: row.name,
      workspaceTimezone: row.timezone,
      workspaceStatus: { value: row.status, name: texts.status[status], code: status },
      workspaceKind: { value: row.kind, name: texts.kind[kind], code: kind },
      extraData: row.extraData,
      createdAt: formatSystemTime(row.createdAt),
      updatedAt: formatSystemTime(row.updatedAt),
    };
  });
  return {
    version: SYSTEM_API_VERSION,
    timestamp: nowMs,
    success: true,
    code: "2000",
    message: texts.system["2000"],
    data,
  };
}

/**
 * The system dialect's body for a failure: the same envelope with
 * `success: false` and `data: null`.
 *
 * @example
 * ```ts
 * import { systemFailure } from "./envelope.ts";
 * systemFailure("invalid_token", "en", 0).message; // "Invalid or expired token"
 * ```
 */
export function systemFailure(failure: FailureName, locale: Locale, nowMs: number): SystemBody {
  const code = FAILURES[failure].system;
  return {
    version: SYSTEM_API_VERSION,
    timestamp: nowMs,
    success: false,
    code,
    message: catalogue(locale).system[code],
    data: null,
  };
}

/**
 * The uptimer dialect's 200 body for a user's memberships.
 *
 * @example
 * ```ts
 * import { uptimerSuccess } from "./envelope.ts";
 * uptimerSuccess([]); // { result: [], error: null, meta: null }
 * ```
 */
export function uptimerSuccess(rows: readonly WorkspaceMembership[]): UptimerBody {
  const result = rows.map((row): UptimerWorkspace => ({
    id: row.bizId,
    name: row.name,
    role: row.role,
    kind: "workspace",
  }));
  return { result, error: null, meta: null };
}

/**
 * The uptimer dialect's body for a failure.
 *
 * @example
 * ```ts
 * import { uptimerFailure } from "./envelope.ts";
 * uptimerFailure("missing_authorization", "en").error?.code; // 1001
 * ```
 */
export function uptimerFailure(failure: FailureName, locale: Locale): UptimerBody {
  const spec = FAILURES[failure];
  const text = catalogue(locale).uptimer[failure];
  return {
    result: null,
    error: { code: spec.uptimer, error_type: spec.errorType, message: text.message, details: text.details },
    meta: null,
  };
}

/**
 * `JSON.stringify(systemSuccess(rows, locale, nowMs))`, written directly
 * without the intermediate objects: the same text, in about a third of the
 * time. Rows that are not exactly as {@link WorkspaceMembership} types them
 * go through `systemSuccess` and `JSON.stringify` instead.
 *
 * @example
 * ```ts
 * import { _systemSuccessJson } from "./envelope.ts";
 * _systemSuccessJson([], "en", 0); // '{"version":"1.3.0","timestamp":0,"success":true,"code":"2000",…,"data":[]}'
 * ```
 */
export function _systemSuccessJson(rows: readonly WorkspaceMembership[], locale: Locale, nowMs: number): string {
  if (!Number.isFinite(nowMs) || !rows.every(_isPlainRow)) return JSON.stringify(systemSuccess(rows, locale, nowMs));
  const fragments = _systemFragments(locale);
  let data = "";
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    data += `${i === 0 ? "" : ","}{"bizId":${_string(row.bizId)},"institutionBizId":${_string(row.institutionBizId)},` +
      `"entityBizId":${row.entityBizId === null ? "null" : _string(row.entityBizId)},` +
      `"workspaceName":${_string(row.name)},"workspaceTimezone":${_string(row.timezone)},` +
      `"workspaceStatus":${fragments.status.get(row.status) ?? _enumJson(row.status, "UNKNOWN", fragments.unknownStatus)},` +
      `"workspaceKind":${fragments.kind.get(row.kind) ?? _enumJson(row.kind, "UNKNOWN", fragments.unknownKind)},` +
      `"extraData":${row.extraData === null ? "null" : _string(row.extraData)},` +
      `"createdAt":"${formatSystemTime(row.createdAt)}","updatedAt":"${formatSystemTime(row.updatedAt)}"}`;
  }
  return `{"version":"${SYSTEM_API_VERSION}","timestamp":${nowMs},"success":true,"code":"2000","message":${fragments.message},"data":[${data}]}`;
}

/**
 * `JSON.stringify(uptimerSuccess(rows))`, written directly (see
 * {@link _systemSuccessJson}).
 *
 * @example
 * ```ts
 * import { _uptimerSuccessJson } from "./envelope.ts";
 * _uptimerSuccessJson([]); // '{"result":[],"error":null,"meta":null}'
 * ```
 */
export function _uptimerSuccessJson(rows: readonly WorkspaceMembership[]): string {
  if (!rows.every(_isPlainRow)) return JSON.stringify(uptimerSuccess(rows));
  let result = "";
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    result += `${i === 0 ? "" : ","}{"id":${_string(row.bizId)},"name":${_string(row.name)},"role":${_string(row.role)},"kind":"workspace"}`;
  }
  return `{"result":[${result}],"error":null,"meta":null}`;
}

// A string JSON.stringify writes between quotes as it is: no quote, no
// backslash, no control character and no surrogate (a lone one is escaped;
// pairs go the slow way too, to keep the test simple). A loop over the
// char codes is faster than a regular expression on these short strings.
function _string(text: string): string {
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x20 || unit === 0x22 || unit === 0x5c || (unit >= 0xd800 && unit <= 0xdfff)) return JSON.stringify(text);
  }
  return `"${text}"`;
}

// A row whose every field has the type WorkspaceMembership gives it, so
// that writing it directly is what JSON.stringify would write.
function _isPlainRow(row: WorkspaceMembership): boolean {
  return typeof row.bizId === "string" && typeof row.institutionBizId === "string" &&
    (row.entityBizId === null || typeof row.entityBizId === "string") && typeof row.name === "string" &&
    typeof row.timezone === "string" && Number.isFinite(row.status) && Number.isFinite(row.kind) &&
    (row.extraData === null || typeof row.extraData === "string") && row.createdAt instanceof Date &&
    row.updatedAt instanceof Date && typeof row.role === "string";
}

interface _SystemFragments {
  readonly message: string;
  readonly status: ReadonlyMap<number, string>;
  readonly kind: ReadonlyMap<number, string>;
  readonly unknownStatus: string;
  readonly unknownKind: string;
}

const _fragments = new Map<Locale, _SystemFragments>();

// The parts of a system body that depend only on the language, written once.
function _systemFragments(locale: Locale): _SystemFragments {
  let fragments = _fragments.get(locale);
  if (fragments !== undefined) return fragments;
  const texts = catalogue(locale);
  const status = new Map<number, string>();
  for (const [code, value] of Object.entries(WORKSPACE_STATUS)) {
    status.set(value, _enumJson(value, code, texts.status[code as keyof typeof WORKSPACE_STATUS]));
  }
  const kind = new Map<number, string>();
  for (const [code, value] of Object.entries(WORKSPACE_KIND)) {
    kind.set(value, _enumJson(value, code, texts.kind[code as keyof typeof WORKSPACE_KIND]));
  }
  fragments = {
    message: _string(texts.system["2000"]),
    status,
    kind,
    unknownStatus: texts.status.UNKNOWN,
    unknownKind: texts.kind.UNKNOWN,
  };
  _fragments.set(locale, fragments);
  return fragments;
}

function _enumJson(value: number, code: string, name: string): string {
  return `{"value":${value},"name":${_string(name)},"code":${_string(code)}}`;
}
