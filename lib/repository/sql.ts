/**
 * The one listing query, shared by the postgres.js and PGlite drivers.
 *
 * @module
 */

/**
 * The memberships of one user (`$1`), one row per workspace, in listing
 * order, with columns named as the fields of `WorkspaceMembership`.
 *
 * The casts make the result independent of how the tables were created:
 * other systems write them and may use `smallint`/`bigint` for the enums,
 * `varchar` or `jsonb` for text, `timestamp` for times; both drivers then
 * still return numbers, strings and `Date`s. The times are cast in the
 * select list only, so `ORDER BY` keeps the stored column. `COLLATE "C"`
 * makes the tiebreak byte order, the same on every server and on PGlite
 * whatever the database's collation. No int8 column is returned, because
 * postgres.js would make it a string and PGlite a number.
 *
 * @example
 * ```ts
 * import postgres from "postgres";
 * import { LISTING_SQL } from "./sql.ts";
 * const sql = postgres("postgres://postgres@127.0.0.1:5432/test");
 * const rows = await sql.unsafe(LISTING_SQL, ["demo-user"], { prepare: true });
 * await sql.end();
 * ```
 */
export const LISTING_SQL: string = `SELECT
  w.biz_id::text AS "bizId",
  w.institution_biz_id::text AS "institutionBizId",
  w.entity_biz_id::text AS "entityBizId",
  w.name::text AS "name",
  w.timezone::text AS "timezone",
  w.status::int4 AS "status",
  w.kind::int4 AS "kind",
  w.extra_data::text AS "extraData",
  w.created_at::timestamptz AS "createdAt",
  w.updated_at::timestamptz AS "updatedAt",
  m.role::text AS "role"
FROM workspace_members AS m
JOIN workspaces AS w ON w.id = m.workspace_id
WHERE m.user_id = $1
  AND w.deleted_at IS NULL
ORDER BY w.created_at, w.biz_id COLLATE "C"`;
