/**
 * The one listing query, shared by the postgres.js and PGlite drivers.
 *
 * @module
 */

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
