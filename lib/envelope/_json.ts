/**
 * The success bodies of both dialects written straight to JSON text, for
 * the handler's hot path: a listing can hold thousands of rows, and these
 * skip the intermediate objects `JSON.stringify` would walk. The text is
 * byte for byte what `JSON.stringify` writes of `systemSuccess` and
 * `uptimerSuccess` (a test says so).
 *
 * @module
 */
import { catalogue, type Locale } from "../locale/mod.ts";
import { WORKSPACE_KIND, WORKSPACE_STATUS, type WorkspaceMembership } from "../repository/mod.ts";
import { formatSystemTime } from "./format_system_time.ts";
import { SYSTEM_API_VERSION, systemSuccess } from "./system.ts";
import { uptimerSuccess } from "./uptimer.ts";

/**
 * `JSON.stringify(systemSuccess(rows, locale, nowMs))`, written directly.
 * Rows that are not exactly as `WorkspaceMembership` types them, and a
 * `nowMs` that is not finite, go through `systemSuccess` and
 * `JSON.stringify` instead, so the text is the same whatever comes in.
 *
 * @param rows The memberships, in listing order.
 * @param locale The language of `message` and of the enum labels.
 * @param nowMs The `timestamp`, in epoch milliseconds.
 * @returns The body as JSON text.
 * @throws {RangeError} When a row's `createdAt` or `updatedAt` is an invalid date.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { systemSuccessJson } from "./_json.ts";
 * import { systemSuccess } from "./system.ts";
 * assert.equal(
 *   systemSuccessJson([], "en", 0),
 *   '{"version":"1.3.0","timestamp":0,"success":true,"code":"2000","message":"SUCCESS","data":[]}',
 * );
 * assert.equal(systemSuccessJson([], "ja", 0), JSON.stringify(systemSuccess([], "ja", 0)));
 * ```
 */
export function systemSuccessJson(rows: readonly WorkspaceMembership[], locale: Locale, nowMs: number): string {
  if (!Number.isFinite(nowMs) || !rows.every(isPlainRow)) return JSON.stringify(systemSuccess(rows, locale, nowMs));
  const fragments = systemFragments(locale);
  let data = "";
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    data += `${i === 0 ? "" : ","}{"bizId":${string(row.bizId)},"institutionBizId":${string(row.institutionBizId)},` +
      `"entityBizId":${row.entityBizId === null ? "null" : string(row.entityBizId)},` +
      `"workspaceName":${string(row.name)},"workspaceTimezone":${string(row.timezone)},` +
      `"workspaceStatus":${fragments.status.get(row.status) ?? enumJson(row.status, "UNKNOWN", fragments.unknownStatus)},` +
      `"workspaceKind":${fragments.kind.get(row.kind) ?? enumJson(row.kind, "UNKNOWN", fragments.unknownKind)},` +
      `"extraData":${row.extraData === null ? "null" : string(row.extraData)},` +
      `"createdAt":"${formatSystemTime(row.createdAt)}","updatedAt":"${formatSystemTime(row.updatedAt)}"}`;
  }
  return `{"version":"${SYSTEM_API_VERSION}","timestamp":${nowMs},"success":true,"code":"2000","message":${fragments.message},"data":[${data}]}`;
}

/**
 * `JSON.stringify(uptimerSuccess(rows))`, written directly; rows off their
 * types go through `uptimerSuccess` and `JSON.stringify` instead.
 *
 * @param rows The memberships, in listing order.
 * @returns The body as JSON text.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { uptimerSuccessJson } from "./_json.ts";
 * assert.equal(uptimerSuccessJson([]), '{"result":[],"error":null,"meta":null}');
 * ```
 */
export function uptimerSuccessJson(rows: readonly WorkspaceMembership[]): string {
  if (!rows.every(isPlainRow)) return JSON.stringify(uptimerSuccess(rows));
  let result = "";
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    result += `${i === 0 ? "" : ","}{"id":${string(row.bizId)},"name":${string(row.name)},"role":${string(row.role)},"kind":"workspace"}`;
  }
  return `{"result":[${result}],"error":null,"meta":null}`;
}

/**
 * A string as JSON text. One that JSON.stringify would write between quotes
 * as it is (no quote, no backslash, no control character and no surrogate)
 * is quoted here; the rest go through JSON.stringify. A lone surrogate is
 * escaped there; pairs take that way too, which keeps the check simple.
 */
function string(text: string): string {
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x20 || unit === 0x22 || unit === 0x5c || (unit >= 0xd800 && unit <= 0xdfff)) return JSON.stringify(text);
  }
  return `"${text}"`;
}

/**
 * Whether every field of `row` has the type WorkspaceMembership gives it,
 * so that writing it directly is what JSON.stringify would write.
 */
function isPlainRow(row: WorkspaceMembership): boolean {
  return typeof row.bizId === "string" && typeof row.institutionBizId === "string" &&
    (row.entityBizId === null || typeof row.entityBizId === "string") && typeof row.name === "string" &&
    typeof row.timezone === "string" && Number.isFinite(row.status) && Number.isFinite(row.kind) &&
    (row.extraData === null || typeof row.extraData === "string") && row.createdAt instanceof Date &&
    row.updatedAt instanceof Date && typeof row.role === "string";
}

/** The parts of a system body that depend only on the language, as JSON text. */
interface SystemFragments {
  readonly message: string;
  readonly status: ReadonlyMap<number, string>;
  readonly kind: ReadonlyMap<number, string>;
  readonly unknownStatus: string;
  readonly unknownKind: string;
}

const fragmentsByLocale = new Map<Locale, SystemFragments>();

/** The {@link SystemFragments} of a language, written on first use. */
function systemFragments(locale: Locale): SystemFragments {
  let fragments = fragmentsByLocale.get(locale);
  if (fragments !== undefined) return fragments;
  const texts = catalogue(locale);
  const status = new Map<number, string>();
  for (const [code, value] of Object.entries(WORKSPACE_STATUS)) {
    status.set(value, enumJson(value, code, texts.status[code as keyof typeof WORKSPACE_STATUS]));
  }
  const kind = new Map<number, string>();
  for (const [code, value] of Object.entries(WORKSPACE_KIND)) {
    kind.set(value, enumJson(value, code, texts.kind[code as keyof typeof WORKSPACE_KIND]));
  }
  fragments = {
    message: string(texts.system["2000"]),
    status,
    kind,
    unknownStatus: texts.status.UNKNOWN,
    unknownKind: texts.kind.UNKNOWN,
  };
  fragmentsByLocale.set(locale, fragments);
  return fragments;
}

/** A system enum object `{value, name, code}` as JSON text. */
function enumJson(value: number, code: string, name: string): string {
  return `{"value":${value},"name":${string(name)},"code":${string(code)}}`;
}
