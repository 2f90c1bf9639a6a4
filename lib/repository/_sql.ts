/**
 * The listing queries, shared by the postgres.js and PGlite drivers: the
 * rows, the listing version, and the items as each dialect's JSON text.
 *
 * @module
 */
import type { ListingItemFormat } from "./repository.ts";
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
 * The user's (`$1`) listing version as one text, `<table>.<version>`: the
 * identity (OID) of `lobby_listing_versions`, so that a table recreated
 * from nothing never repeats a version of the one before, and the user's
 * counter there, 0 for a user without a row. One index lookup.
 */
const VERSION = `(SELECT 'lobby_listing_versions'::regclass::oid::text) || '.' ||
  coalesce((SELECT v.version FROM lobby_listing_versions AS v WHERE v.user_id = $1), 0)::text`;

/**
 * The user's (`$1`) listing version alone, as the column `version` of one
 * row (see `lobby_listing_versions` in `schema.ts`).
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
 * {@link VERSION_SQL} reads it, each through one index lookup (a
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
export const VERSIONS_SQL: string = `SELECT u.user_id, (SELECT 'lobby_listing_versions'::regclass::oid::text) || '.' ||
  coalesce((SELECT v.version FROM lobby_listing_versions AS v WHERE v.user_id = u.user_id), 0)::text AS "version"
FROM unnest($1::text[]) AS u (user_id)`;

/** A timestamptz column as the system dialect writes it (see `formatSystemTime`), in any session time zone. */
function apiTime(column: string): string {
  const utc = `(${column} AT TIME ZONE 'UTC')`;
  // ISO 8601 years: 1 BC is 0000, 2 BC is -000001; outside 0000-9999, a sign and six digits.
  const year = `(CASE WHEN extract(year FROM ${utc}) < 0 THEN extract(year FROM ${utc}) + 1 ELSE extract(year FROM ${utc}) END)::int4`;
  return `CASE
    WHEN ${column} >= '0001-01-01 00:00:00+00' AND ${column} < '10000-01-01 00:00:00+00'
      THEN to_char(${utc}, 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
    WHEN ${column} >= '275760-09-13 00:00:00+00' THEN '+275760-09-13T00:00:00Z'
    WHEN ${column} = '-infinity' THEN '-271821-04-20T00:00:00Z'
    ELSE CASE WHEN ${year} < 0 THEN '-' || lpad((-${year})::text, 6, '0')
      WHEN ${year} > 9999 THEN '+' || lpad(${year}::text, 6, '0')
      ELSE lpad(${year}::text, 4, '0') END || to_char(${utc}, '-MM-DD"T"HH24:MI:SS"Z"')
  END`;
}

/** A text column as JSON text: a JSON string, or `null`. */
const json = (column: string): string => `coalesce(to_json(${column})::text, 'null')`;

/** One item of the uptimer dialect's `result`, as JSON text. */
const UPTIMER_ITEM = `'{"id":' || ${json("l.biz_id")} || ',"name":' || ${json("l.name")} || ',"role":' || ${json("l.role")} ||
  ',"kind":"workspace"}'`;

/**
 * One item of the system dialect's `data`, as JSON text; the enum objects
 * of the answer's language are parameters `$2`–`$7` (see
 * `ListingItemFormat`).
 */
const SYSTEM_ITEM = `'{"bizId":' || ${json("l.biz_id")} || ',"institutionBizId":' || ${json("l.institution_biz_id")} ||
  ',"entityBizId":' || ${json("l.entity_biz_id")} || ',"workspaceName":' || ${json("l.name")} ||
  ',"workspaceTimezone":' || ${json("l.timezone")} || ',"workspaceStatus":' || CASE l.status::int4
    WHEN ${WORKSPACE_STATUS.ACTIVE} THEN $2::text WHEN ${WORKSPACE_STATUS.SUSPENDED} THEN $3::text
    WHEN ${WORKSPACE_STATUS.ARCHIVED} THEN $4::text
    ELSE '{"value":' || coalesce(l.status::int4::text, 'null') || ',"name":' || $5::text || ',"code":"UNKNOWN"}' END ||
  ',"workspaceKind":' || CASE l.kind::int4
    WHEN ${WORKSPACE_KIND.LIVE} THEN $6::text WHEN ${WORKSPACE_KIND.SANDBOX} THEN $7::text
    ELSE '{"value":' || coalesce(l.kind::int4::text, 'null') || ',"name":' || $8::text || ',"code":"UNKNOWN"}' END ||
  ',"extraData":' || ${json("l.extra_data")} ||
  ',"createdAt":' || coalesce('"' || ${apiTime("l.created_at")} || '"', 'null') ||
  ',"updatedAt":' || coalesce('"' || ${apiTime("l.updated_at")} || '"', 'null') || '}'`;

/** The listing of `$1` as one JSON text per item, after a first row holding the version, all of one snapshot. */
function itemsSql(item: string): string {
  const part = (oversized: string) =>
    `SELECT 1 AS "part", ${item} AS "item", l.created_at AS "createdAt", l.biz_id AS "bizId"
    FROM lobby_listing AS l WHERE l.user_id = $1 AND ${oversized}`;
  return `SELECT x."item" FROM (
  SELECT 0 AS "part", ${VERSION} AS "item", NULL::timestamptz AS "createdAt", NULL::text AS "bizId"
  UNION ALL ${part("NOT l.oversized")}
  UNION ALL ${part("l.oversized")}
) AS x
ORDER BY x."part", x."createdAt", x."bizId" COLLATE "C"`;
}

/**
 * The listing of one user (`$1`) as each item's JSON text in a dialect,
 * in listing order, in the column `item`, after a first row whose `item`
 * is the user's listing version (as {@link VERSION_SQL} reads it). One
 * statement reads both, so they are of one snapshot: the items are the
 * listing at that version. The database writes the text the envelope's
 * writers write from `LISTING_SQL`'s rows, byte for byte: times as
 * `formatSystemTime` writes them, enum values as integers, extra data as
 * stored, strings escaped as `JSON.stringify` escapes them. The system
 * dialect's query takes the enum objects of the answer's language as
 * `$2`–`$8`: the three known statuses, the unknown status's label, the two
 * known kinds, the unknown kind's label (see `ListingItemFormat`).
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
  system: itemsSql(SYSTEM_ITEM),
  uptimer: itemsSql(UPTIMER_ITEM),
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
