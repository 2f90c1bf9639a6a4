/**
 * The listing queries, shared by the postgres.js and PGlite drivers: the
 * rows, the listing version, and the items as each dialect's JSON text.
 *
 * @module
 */
import { type ListingItemFormat, type ListingPage, type ListingQuery, ListingQueryError, LARGE_LISTING, type VersionedItems } from "./repository.ts";
import { WORKSPACE_KIND, WORKSPACE_STATUS } from "./workspace.ts";

/** The select list, the same for both halves of the listing. */
const COLUMNS = `SELECT
  l.biz_id COLLATE "C" AS "bizId",
  l.institution_biz_id AS "institutionBizId",
  l.entity_biz_id AS "entityBizId",
  l.name AS "name",
  l.timezone AS "timezone",
  l.status::int4 AS "status",
  l.kind::int4 AS "kind",
  l.extra_data AS "extraData",
  l.created_at AS "createdAt",
  l.updated_at AS "updatedAt",
  l.role AS "role"
FROM lobby_listing AS l`;

/**
 * The memberships of one user (`$1`), one row per workspace, in listing
 * order, with columns named as the fields of `WorkspaceMembership`.
 *
 * It reads lobby's read model `lobby_listing` (see `schema.ts`), which
 * triggers keep equal to `workspace_members` joined with the workspaces that
 * are not soft-deleted, with the columns already normalized to text, int8 and
 * timestamptz whatever types other systems gave the tables. Almost every row
 * comes from one index-only scan of `lobby_listing_cover`; rows too wide for
 * that index come from the second half, through `lobby_listing_oversized`.
 * `COLLATE "C"` makes the tiebreak byte order, the same on every server and
 * on PGlite whatever the database's collation. No int8 column is returned,
 * because postgres.js would make it a string and PGlite a number.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PGlite } from "@electric-sql/pglite";
 * import { LISTING_SQL } from "./_sql.ts";
 * import { seedDemoData } from "./demo.ts";
 * import { applySchema } from "./schema.ts";
 * const db = await PGlite.create();
 * try {
 *   await applySchema((text) => db.exec(text));
 *   await seedDemoData((text) => db.exec(text));
 *   const { rows } = await db.query<{ bizId: string }>(LISTING_SQL, ["demo-uptimer-user"]);
 *   assert.deepEqual(rows.map((row) => row.bizId), ["ws_123456", "ws_789012"]);
 * } finally {
 *   await db.close();
 * }
 * ```
 */
export const LISTING_SQL: string = `${COLUMNS}
WHERE l.user_id = $1 AND NOT l.oversized
UNION ALL
${COLUMNS}
WHERE l.user_id = $1 AND l.oversized
ORDER BY "createdAt", "bizId"`;

/**
 * The user's (`$1`) listing version as one text, `<table>.<changes>`: the
 * identity (OID) of `lobby_listing_changes`, so that a table recreated
 * from nothing never repeats a version of the one before, and the numbers
 * of the user's rows there joined by `_` in ascending order (`schema.ts`,
 * steps 16–17), `0` for a user without a row. One index range, of a row or
 * a few.
 */
const VERSION = `(SELECT 'lobby_listing_changes'::regclass::oid::text) || '.' || coalesce(
  (SELECT string_agg(c.change::text, '_' ORDER BY c.change) FROM lobby_listing_changes AS c WHERE c.user_id = $1), '0')`;

/**
 * The user's (`$1`) listing version alone, as the column `version` of one
 * row (see `lobby_listing_changes` in `schema.ts`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PGlite } from "@electric-sql/pglite";
 * import { VERSION_SQL } from "./_sql.ts";
 * import { applySchema } from "./schema.ts";
 * const db = await PGlite.create();
 * try {
 *   await applySchema((text) => db.exec(text));
 *   const { rows } = await db.query<{ version: string }>(VERSION_SQL, ["nobody"]);
 *   assert.match(rows[0]!.version, /^\d+\.0$/);
 * } finally {
 *   await db.close();
 * }
 * ```
 */
export const VERSION_SQL: string = `SELECT ${VERSION} AS "version"`;

/**
 * A text array parameter as Postgres reads it (`{"a","b\\"c"}`), so that it
 * needs no array serializer of the driver's (postgres.js has none for a
 * client made with `fetch_types: false`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { textArray } from "./_sql.ts";
 * assert.equal(textArray(["a", 'b"c', "d\\e"]), '{"a","b\\"c","d\\\\e"}');
 * ```
 */
export function textArray(items: readonly string[]): string {
  let text = "{";
  for (let i = 0; i < items.length; i++) {
    text += `${i === 0 ? "" : ","}"${items[i]!.replace(/["\\]/g, "\\$&")}"`;
  }
  return `${text}}`;
}

/**
 * The listing versions of several users (`$1`, a text array) in one
 * statement: one row per element, its `user_id` and its `version` as
 * {@link VERSION_SQL} reads it, each through one index range (a
 * correlated subquery, whatever the planner thinks of the array's size).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PGlite } from "@electric-sql/pglite";
 * import { VERSIONS_SQL } from "./_sql.ts";
 * import { applySchema } from "./schema.ts";
 * const db = await PGlite.create();
 * try {
 *   await applySchema((text) => db.exec(text));
 *   const { rows } = await db.query<{ user_id: string; version: string }>(VERSIONS_SQL, [["alice", "bob"]]);
 *   assert.deepEqual(rows.map((row) => row.user_id), ["alice", "bob"]);
 * } finally {
 *   await db.close();
 * }
 * ```
 */
export const VERSIONS_SQL: string = `SELECT u.user_id, (SELECT 'lobby_listing_changes'::regclass::oid::text) || '.' || coalesce(
  (SELECT string_agg(c.change::text, '_' ORDER BY c.change) FROM lobby_listing_changes AS c WHERE c.user_id = u.user_id), '0') AS "version"
FROM unnest($1::text[]) AS u (user_id)`;

/**
 * One item of the system dialect's `data`, as JSON text: the stored head and
 * tail of the item (`schema.ts`, step 14) around its enum objects in the
 * answer's language, parameters `$2`–`$8` (see `ListingItemFormat`). One
 * `concat` rather than a chain of `||`, which would copy the growing text
 * at each step: for a large listing that copying was most of the query's
 * time. (The head and tail are never NULL: the trigger writes both.)
 */
const SYSTEM_ITEM = `concat(l.system_head, ',"workspaceStatus":', CASE l.status::int4
    WHEN ${WORKSPACE_STATUS.ACTIVE} THEN $2::text WHEN ${WORKSPACE_STATUS.SUSPENDED} THEN $3::text
    WHEN ${WORKSPACE_STATUS.ARCHIVED} THEN $4::text
    ELSE '{"value":' || coalesce(l.status::int4::text, 'null') || ',"name":' || $5::text || ',"code":"UNKNOWN"}' END,
  ',"workspaceKind":', CASE l.kind::int4
    WHEN ${WORKSPACE_KIND.LIVE} THEN $6::text WHEN ${WORKSPACE_KIND.SANDBOX} THEN $7::text
    ELSE '{"value":' || coalesce(l.kind::int4::text, 'null') || ',"name":' || $8::text || ',"code":"UNKNOWN"}' END,
  l.system_tail)`;

/** Each dialect's item, as JSON text, of the row `l`. */
const ITEM = { system: SYSTEM_ITEM, uptimer: "l.uptimer_item" } as const;

/** The listing of `$1` as one JSON text per item, after a first row holding the version, all of one snapshot. */
function itemsSql(item: string): string {
  const half = (oversized: string) => `SELECT 1, ${item}, l.listing_key, l.workspace_id FROM lobby_listing AS l
  WHERE l.user_id = $1 AND ${oversized}`;
  return `SELECT x."item" FROM (
  SELECT 0 AS "part", ${VERSION} AS "item", NULL::text COLLATE "C" AS "key", NULL::int8 AS "workspace"
  UNION ALL ${half("NOT l.items_oversized")}
  UNION ALL ${half("l.items_oversized")}
) AS x
ORDER BY x."part", x."key", x."workspace"`;
}

/**
 * The listing of one user (`$1`) as each item's JSON text in a dialect,
 * in listing order, in the column `item`, after a first row whose `item`
 * is the user's listing version (as {@link VERSION_SQL} reads it). One
 * statement reads both, so they are of one snapshot: the items are the
 * listing at that version. The items' text is the one `lobby_listing`
 * keeps (`schema.ts`, step 14), which the envelope's writers write from
 * `LISTING_SQL`'s rows byte for byte: times as `formatSystemTime` writes
 * them, enum values as integers, extra data as stored, strings escaped as
 * `JSON.stringify` escapes them. The system dialect's query takes the enum
 * objects of the answer's language as `$2`–`$8`: the three known
 * statuses, the unknown status's label, the two known kinds, the unknown
 * kind's label (see `ListingItemFormat`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PGlite } from "@electric-sql/pglite";
 * import { ITEMS_SQL } from "./_sql.ts";
 * import { seedDemoData } from "./demo.ts";
 * import { applySchema } from "./schema.ts";
 * const db = await PGlite.create();
 * try {
 *   await applySchema((text) => db.exec(text));
 *   await seedDemoData((text) => db.exec(text));
 *   const { rows } = await db.query<{ item: string }>(ITEMS_SQL.uptimer, ["demo-uptimer-user"]);
 *   assert.match(rows[0]!.item, /^\d+\.\d+$/);
 *   assert.equal(rows[1]!.item, '{"id":"ws_123456","name":"Production Monitoring","role":"owner","kind":"workspace"}');
 * } finally {
 *   await db.close();
 * }
 * ```
 */
export const ITEMS_SQL: { readonly system: string; readonly uptimer: string } = {
  system: itemsSql(ITEM.system),
  uptimer: itemsSql(ITEM.uptimer),
};

/**
 * The parameters of {@link ITEMS_SQL} for a user and a format.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { itemsParameters } from "./_sql.ts";
 * assert.deepEqual(itemsParameters("alice", { dialect: "uptimer" }), ["alice"]);
 * ```
 */
export function itemsParameters(userId: string, format: ListingItemFormat): string[] {
  if (format.dialect === "uptimer") return [userId];
  const { status, kind } = format;
  return [userId, status.ACTIVE, status.SUSPENDED, status.ARCHIVED, format.unknownStatus, kind.LIVE, kind.SANDBOX, format.unknownKind];
}

/** The known status and kind values, for `UNKNOWN`: any value outside them. */
const KNOWN_STATUSES = Object.values(WORKSPACE_STATUS).join(", ");
const KNOWN_KINDS = Object.values(WORKSPACE_KIND).join(", ");

/** A page query's text and parameters (see {@link pageQuery}). */
export interface PageQuery {
  readonly text: string;
  readonly parameters: readonly string[];
}

/** An int8 position in a page: a workspace id. */
const WORKSPACE_ID = /^-?[0-9]{1,19}$/;
/** A `listing_key` (`schema.ts`, step 14): its time part, then its business id part. */
const LISTING_KEY = /^(?:[023]|1[0-9]{20})(?:1|0[\s\S]*)$/;
const INT8_MAX = 9223372036854775807n;

/**
 * One page of a user's (`$1`) listing as {@link ITEMS_SQL} reads the whole
 * one: a first row holding the version, then, when `query.count`, a row
 * holding the number of items that match the filters, then the page's
 * items, each with its position (`listing_key` and workspace id), in
 * listing order; all of one snapshot. The filters' values are parameters;
 * the text depends only on which filters are present, so each shape is
 * prepared once. A page is an index range of `lobby_listing_page` after the
 * position, never an offset; a name prefix an index range of
 * `lobby_listing_names`. One more item than `limit` is read, to tell
 * whether another page follows.
 *
 * @throws {ListingQueryError} When `query.after` is not a position this
 *   repository makes (see {@link readPage}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PGlite } from "@electric-sql/pglite";
 * import { pageQuery, readPage } from "./_sql.ts";
 * import { seedDemoData } from "./demo.ts";
 * import { applySchema } from "./schema.ts";
 * const db = await PGlite.create();
 * try {
 *   await applySchema((text) => db.exec(text));
 *   await seedDemoData((text) => db.exec(text));
 *   const query = { limit: 1 };
 *   const { text, parameters } = pageQuery("demo-uptimer-user", { dialect: "uptimer" }, query);
 *   const page = readPage((await db.query<string[]>(text, [...parameters], { rowMode: "array" })).rows, query);
 *   assert.deepEqual(page.items, ['{"id":"ws_123456","name":"Production Monitoring","role":"owner","kind":"workspace"}']);
 *   assert.equal(typeof page.next, "string");
 * } finally {
 *   await db.close();
 * }
 * ```
 */
export function pageQuery(userId: string, format: ListingItemFormat, query: ListingQuery): PageQuery {
  const parameters = itemsParameters(userId, format);
  const next = (value: string): string => {
    parameters.push(value);
    return `$${parameters.length}`;
  };
  const filters: string[] = [];
  if (query.roles !== undefined) filters.push(`l.role = ANY(${next(textArray(query.roles))}::text[])`);
  if (query.statuses !== undefined) filters.push(enumFilter("l.status", query.statuses, WORKSPACE_STATUS, KNOWN_STATUSES, next));
  if (query.kinds !== undefined) filters.push(enumFilter("l.kind", query.kinds, WORKSPACE_KIND, KNOWN_KINDS, next));
  if (query.nameStartsWith !== undefined) {
    const prefix = next(query.nameStartsWith);
    filters.push(`lower(l.name) COLLATE "C" >= lower(${prefix}) COLLATE "C"`,
      `lower(l.name) COLLATE "C" < lobby_prefix_end(lower(${prefix})) COLLATE "C"`);
  }
  const where = ["l.user_id = $1", ...filters].join(" AND ");
  let page = where;
  if (query.after !== undefined) {
    const { key, workspace } = position(query.after);
    page += ` AND (l.listing_key, l.workspace_id) > (${next(key)}::text COLLATE "C", ${next(workspace)}::int8)`;
  }
  const limit = query.limit === undefined ? "" : ` LIMIT ${next(String(query.limit + 1))}::int8`;
  const count = query.count === true
    ? `UNION ALL
  SELECT 1, ((SELECT count(*) FROM lobby_listing AS l WHERE ${where} AND NOT l.items_oversized)
    + (SELECT count(*) FROM lobby_listing AS l WHERE ${where} AND l.items_oversized))::text, NULL, NULL
  `
    : "";
  // Each half of the table (see ITEMS_SQL) gives its first items; the
  // outer query merges them and keeps the first of both.
  const half = (oversized: string) => `(SELECT 2 AS "part", ${ITEM[format.dialect]} AS "item", l.listing_key AS "key",
    l.workspace_id AS "workspace" FROM lobby_listing AS l
  WHERE ${page} AND ${oversized}
  ORDER BY l.listing_key, l.workspace_id${limit})`;
  const items = `SELECT * FROM (${half("NOT l.items_oversized")}
  UNION ALL ${half("l.items_oversized")}
  ORDER BY "key", "workspace"${limit}) AS i`;
  const text = `SELECT x."item", x."key", x."workspace"::text FROM (
  SELECT 0 AS "part", ${VERSION} AS "item", NULL::text COLLATE "C" AS "key", NULL::int8 AS "workspace"
  ${count}UNION ALL ${items}
) AS x
ORDER BY x."part", x."key", x."workspace"`;
  return { text, parameters };
}

/** A status or kind filter: the known values asked for, and `UNKNOWN` as any value outside the known ones. */
function enumFilter(
  column: string,
  codes: readonly string[],
  values: Readonly<Record<string, number>>,
  known: string,
  next: (value: string) => string,
): string {
  const asked = codes.filter((code) => code !== "UNKNOWN").map((code) => String(values[code]));
  const parts = asked.length === 0 ? [] : [`${column} = ANY(${next(textArray(asked))}::int8[])`];
  if (codes.includes("UNKNOWN")) parts.push(`${column} IS NULL OR ${column} NOT IN (${known})`);
  return parts.length === 0 ? "false" : `(${parts.join(" OR ")})`;
}

/** A position made by {@link readPage}, taken apart, or a {@link ListingQueryError}. */
function position(after: string): { key: string; workspace: string } {
  const dot = after.indexOf(".");
  const workspace = after.slice(0, dot);
  const key = after.slice(dot + 1);
  if (dot === -1 || !WORKSPACE_ID.test(workspace) || !LISTING_KEY.test(key)) {
    throw new ListingQueryError("cursor", "not a position of a lobby listing");
  }
  const id = BigInt(workspace);
  if (id > INT8_MAX || id < -INT8_MAX - 1n) throw new ListingQueryError("cursor", "not a position of a lobby listing");
  return { key, workspace };
}

/**
 * The page that {@link pageQuery}'s rows hold, for the query it was made
 * from: the version, the count when asked, at most `limit` items, and the
 * position of the last one (`workspace id.listing key`) when more follow.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readPage } from "./_sql.ts";
 * const rows = [["16384.3", null, null], ['{"id":"a"}', "1000212640978600000000a", "7"], ['{"id":"b"}', "1000212640978600000000b", "8"]];
 * assert.deepEqual(readPage(rows, { limit: 1 }), { version: "16384.3", items: ['{"id":"a"}'], next: "7.1000212640978600000000a" });
 * assert.deepEqual(readPage(rows, {}), { version: "16384.3", items: ['{"id":"a"}', '{"id":"b"}'] });
 * ```
 */
export function readPage(rows: readonly (readonly (string | null)[])[], query: ListingQuery): ListingPage {
  const version = rows[0]![0]!;
  const first = query.count === true ? 2 : 1;
  const available = rows.length - first;
  const size = query.limit === undefined ? available : Math.min(query.limit, available);
  const items = new Array<string>(size);
  for (let i = 0; i < size; i++) items[i] = rows[first + i]![0]!;
  const page: { version: string; items: string[]; next?: string; total?: number } = { version, items };
  if (size < available) {
    const last = rows[first + size - 1]!;
    page.next = `${last[2]}.${last[1]}`;
  }
  if (query.count === true) page.total = Number(rows[1]![0]);
  return page;
}

/**
 * The listing that {@link ITEMS_SQL}'s rows hold, read as bytes (each row's
 * one column, the version's row first): a large listing keeps its items
 * joined in one byte array (`encoded`), their texts made only if `items` is
 * read; a smaller one is decoded to texts.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readItemBytes } from "./_sql.ts";
 * const bytes = (text: string) => new TextEncoder().encode(text);
 * const listed = readItemBytes([[bytes("16384.3")], [bytes('{"id":"a"}')], [bytes('{"id":"é"}')]]);
 * assert.deepEqual(listed, { version: "16384.3", items: ['{"id":"a"}', '{"id":"é"}'] });
 * ```
 */
export function readItemBytes(rows: readonly (readonly [Uint8Array])[]): VersionedItems {
  const decoder = new TextDecoder();
  const version = decoder.decode(rows[0]![0]);
  const count = rows.length - 1;
  let length = Math.max(0, count - 1);
  for (let i = 1; i < rows.length; i++) length += rows[i]![0].length;
  if (length < LARGE_LISTING) {
    const items = new Array<string>(count);
    for (let i = 0; i < count; i++) items[i] = decoder.decode(rows[i + 1]![0]);
    return { version, items };
  }
  const encoded = new Uint8Array(length);
  // Where each item ends, for the texts if they are asked for.
  const ends = new Uint32Array(count);
  let at = 0;
  for (let i = 0; i < count; i++) {
    if (i > 0) encoded[at++] = 0x2c;
    const item = rows[i + 1]![0];
    encoded.set(item, at);
    at += item.length;
    ends[i] = at;
  }
  let items: string[] | undefined;
  return {
    version,
    encoded,
    get items() {
      if (items === undefined) {
        items = new Array<string>(count);
        for (let i = 0; i < count; i++) items[i] = decoder.decode(encoded.subarray(i === 0 ? 0 : ends[i - 1]! + 1, ends[i]));
      }
      return items;
    },
  };
}
