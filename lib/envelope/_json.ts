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
import { kindCode, type ListingItemFormat, statusCode, WORKSPACE_KIND, WORKSPACE_STATUS, type WorkspaceMembership } from "../repository/mod.ts";
import { formatSystemTime } from "./format_system_time.ts";
import { SYSTEM_API_VERSION, systemSuccess } from "./system.ts";
import { uptimerSuccess, type UptimerMeta } from "./uptimer.ts";

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

/**
 * The {@link ListingItemFormat} of a dialect in a language: what a
 * repository's `listItems` writes the items in. Made once per language.
 *
 * @param dialect The dialect whose items to write.
 * @param locale The language of the system dialect's enum labels.
 * @returns The format.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { listingItemFormat } from "./_json.ts";
 * const format = listingItemFormat("system", "en");
 * assert.equal(format.dialect === "system" && format.status.ACTIVE, '{"value":10010701,"name":"ACTIVE","code":"ACTIVE"}');
 * assert.deepEqual(listingItemFormat("uptimer", "ja"), { dialect: "uptimer" });
 * ```
 */
export function listingItemFormat(dialect: "system" | "uptimer", locale: Locale): ListingItemFormat {
  if (dialect === "uptimer") return UPTIMER_FORMAT;
  let format = formatsByLocale.get(locale);
  if (format !== undefined) return format;
  const fragments = systemFragments(locale);
  const texts = catalogue(locale);
  format = {
    dialect: "system",
    status: {
      ACTIVE: fragments.status.get(WORKSPACE_STATUS.ACTIVE)!,
      SUSPENDED: fragments.status.get(WORKSPACE_STATUS.SUSPENDED)!,
      ARCHIVED: fragments.status.get(WORKSPACE_STATUS.ARCHIVED)!,
    },
    unknownStatus: string(texts.status.UNKNOWN),
    kind: { LIVE: fragments.kind.get(WORKSPACE_KIND.LIVE)!, SANDBOX: fragments.kind.get(WORKSPACE_KIND.SANDBOX)! },
    unknownKind: string(texts.kind.UNKNOWN),
  };
  formatsByLocale.set(locale, format);
  return format;
}

const UPTIMER_FORMAT: ListingItemFormat = { dialect: "uptimer" };
const formatsByLocale = new Map<Locale, ListingItemFormat>();

/**
 * One row as an item of a dialect's list, in a {@link ListingItemFormat}:
 * the text `systemSuccessJson` or `uptimerSuccessJson` writes for it in a
 * body. For a repository of its own that implements `listItems`.
 *
 * @param format The format (see {@link listingItemFormat}).
 * @param row The membership.
 * @returns The item's JSON text.
 * @throws {RangeError} When a system item's `createdAt` or `updatedAt` is an invalid date.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatListingItem, listingItemFormat } from "./_json.ts";
 * const row = {
 *   bizId: "ws_1", institutionBizId: "INST_001", entityBizId: null, name: "One", timezone: "UTC",
 *   status: 10010701, kind: 10010801, extraData: null, role: "owner" as const,
 *   createdAt: new Date(0), updatedAt: new Date(0),
 * };
 * assert.equal(formatListingItem(listingItemFormat("uptimer", "en"), row), '{"id":"ws_1","name":"One","role":"owner","kind":"workspace"}');
 * ```
 */
export function formatListingItem(format: ListingItemFormat, row: WorkspaceMembership): string {
  if (format.dialect === "uptimer") {
    return `{"id":${value(row.bizId)},"name":${value(row.name)},"role":${value(row.role)},"kind":"workspace"}`;
  }
  const status = format.status[statusCode(row.status) as keyof typeof format.status] ??
    `{"value":${value(row.status)},"name":${format.unknownStatus},"code":"UNKNOWN"}`;
  const kind = format.kind[kindCode(row.kind) as keyof typeof format.kind] ??
    `{"value":${value(row.kind)},"name":${format.unknownKind},"code":"UNKNOWN"}`;
  return `{"bizId":${value(row.bizId)},"institutionBizId":${value(row.institutionBizId)},"entityBizId":${value(row.entityBizId)},` +
    `"workspaceName":${value(row.name)},"workspaceTimezone":${value(row.timezone)},"workspaceStatus":${status},` +
    `"workspaceKind":${kind},"extraData":${value(row.extraData)},` +
    `"createdAt":${time(row.createdAt)},"updatedAt":${time(row.updatedAt)}}`;
}

/** A field as JSON text. */
function value(field: unknown): string {
  return typeof field === "string" ? string(field) : JSON.stringify(field ?? null);
}

/** A time as JSON text: the system dialect's string, or `null`. */
function time(field: Date | null | undefined): string {
  return field === null || field === undefined ? "null" : `"${formatSystemTime(field)}"`;
}

/**
 * The system dialect's 200 body around items already written (see
 * {@link formatListingItem}), joined with commas: the same text
 * `systemSuccessJson` writes for their rows.
 *
 * @param items The items' JSON texts joined with `,`.
 * @param locale The language of `message`.
 * @param nowMs The `timestamp`, in epoch milliseconds.
 * @returns The body as JSON text.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { systemSuccessJson, systemSuccessJsonOfItems } from "./_json.ts";
 * assert.equal(systemSuccessJsonOfItems("", "vi", 5), systemSuccessJson([], "vi", 5));
 * ```
 */
export function systemSuccessJsonOfItems(items: string, locale: Locale, nowMs: number): string {
  return `${systemSuccessHead(locale, nowMs)}${items}${SYSTEM_SUCCESS_TAIL}`;
}

/** What follows the items of the system dialect's 200 body (see {@link systemSuccessHead}). */
export const SYSTEM_SUCCESS_TAIL = "]}";

/** What comes before the items of the uptimer dialect's 200 body (see {@link uptimerSuccessTail}). */
export const UPTIMER_SUCCESS_HEAD = '{"result":[';

/**
 * The text of the system dialect's 200 body before its items: what
 * {@link systemSuccessJsonOfItems} writes ahead of them, `]}` being what
 * follows them ({@link SYSTEM_SUCCESS_TAIL}). For a body written in
 * pieces, the items kept as bytes.
 *
 * @param locale The language of `message`.
 * @param nowMs The `timestamp`, in epoch milliseconds.
 * @returns The body's text up to its first item.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { systemSuccessHead, systemSuccessJsonOfItems } from "./_json.ts";
 * assert.equal(`${systemSuccessHead("ja", 5)}{"a":1}]}`, systemSuccessJsonOfItems('{"a":1}', "ja", 5));
 * ```
 */
export function systemSuccessHead(locale: Locale, nowMs: number): string {
  const timestamp = Number.isFinite(nowMs) ? String(nowMs) : "null";
  return `{"version":"${SYSTEM_API_VERSION}","timestamp":${timestamp},"success":true,"code":"2000","message":${systemFragments(locale).message},"data":[`;
}

/**
 * The uptimer dialect's 200 body around items already written, joined
 * with commas: the same text `uptimerSuccessJson` writes for their rows,
 * with `meta` for a page or a count.
 *
 * @param items The items' JSON texts joined with `,`.
 * @param meta The `meta` of a page or a count; `null` when absent.
 * @returns The body as JSON text.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { uptimerSuccessJsonOfItems } from "./_json.ts";
 * assert.equal(uptimerSuccessJsonOfItems(""), '{"result":[],"error":null,"meta":null}');
 * assert.equal(
 *   uptimerSuccessJsonOfItems("", { next_cursor: null, has_more: false }),
 *   '{"result":[],"error":null,"meta":{"next_cursor":null,"has_more":false}}',
 * );
 * ```
 */
export function uptimerSuccessJsonOfItems(items: string, meta?: UptimerMeta): string {
  return `${UPTIMER_SUCCESS_HEAD}${items}${uptimerSuccessTail(meta)}`;
}

/**
 * The text of the uptimer dialect's 200 body after its items: what
 * {@link uptimerSuccessJsonOfItems} writes behind them,
 * {@link UPTIMER_SUCCESS_HEAD} being what comes before them. For a body written in pieces, the items
 * kept as bytes.
 *
 * @param meta The `meta` of a page or a count; `null` when absent.
 * @returns The body's text after its last item.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { uptimerSuccessJsonOfItems, uptimerSuccessTail } from "./_json.ts";
 * assert.equal(`{"result":[{"a":1}${uptimerSuccessTail({ total_count: 1 })}`, uptimerSuccessJsonOfItems('{"a":1}', { total_count: 1 }));
 * ```
 */
export function uptimerSuccessTail(meta?: UptimerMeta): string {
  return `],"error":null,"meta":${meta === undefined ? "null" : metaJson(meta)}}`;
}

/** `meta` as JSON text, its fields always in the order the README gives. */
function metaJson(meta: UptimerMeta): string {
  const fields: string[] = [];
  if (meta.has_more !== undefined) fields.push(`"next_cursor":${meta.next_cursor == null ? "null" : string(meta.next_cursor)}`, `"has_more":${meta.has_more}`);
  if (meta.total_count !== undefined) fields.push(`"total_count":${JSON.stringify(meta.total_count)}`);
  return `{${fields.join(",")}}`;
}
