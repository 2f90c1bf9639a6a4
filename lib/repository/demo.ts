/**
 * Demo data for the embedded database: the example workspaces the system
 * and uptimer APIs show in their documentation, plus one suspended sandbox
 * and one soft-deleted workspace, and four users whose listings show every
 * case.
 *
 * @module
 */
import type { SqlRunner } from "./schema.ts";

/**
 * Member of every demo workspace: owner of `WS_INVITE_TEST_001` and
 * `ws_123456`, member of the others, including the soft-deleted
 * `WS_RETIRED_001`, which is never listed. Lists five workspaces.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEMO_USER } from "./demo.ts";
 * assert.equal(DEMO_USER, "demo-user");
 * ```
 */
export const DEMO_USER = "demo-user" as const;

/**
 * Lists exactly the two workspaces of the system API's example: owner of
 * `WS_INVITE_TEST_001`, member of `WS_INVITE_TEST_002`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEMO_SYSTEM_USER } from "./demo.ts";
 * assert.equal(DEMO_SYSTEM_USER, "demo-system-user");
 * ```
 */
export const DEMO_SYSTEM_USER = "demo-system-user" as const;

/**
 * Lists exactly the two workspaces of the uptimer API's example: owner of
 * `ws_123456`, member of `ws_789012`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEMO_UPTIMER_USER } from "./demo.ts";
 * assert.equal(DEMO_UPTIMER_USER, "demo-uptimer-user");
 * ```
 */
export const DEMO_UPTIMER_USER = "demo-uptimer-user" as const;

/**
 * A user with no memberships: lists `[]`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEMO_EMPTY_USER } from "./demo.ts";
 * assert.equal(DEMO_EMPTY_USER, "demo-empty-user");
 * ```
 */
export const DEMO_EMPTY_USER = "demo-empty-user" as const;

/**
 * The demo rows as one idempotent SQL text (`ON CONFLICT DO NOTHING`): rows
 * already there, the demo's or another system's, are left as they are.
 * Memberships find their workspace by business id, since `id` is assigned
 * by the database.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEMO_SQL } from "./demo.ts";
 * assert.ok(DEMO_SQL.includes("'WS_INVITE_TEST_001'"));
 * ```
 */
export const DEMO_SQL: string = `INSERT INTO institutions (biz_id, name)
VALUES ('INST_001', 'Demo Institution')
ON CONFLICT DO NOTHING;

INSERT INTO workspaces
  (biz_id, institution_biz_id, entity_biz_id, name, timezone, status, kind, extra_data, created_at, updated_at, deleted_at)
VALUES
  ('WS_RETIRED_001', 'INST_001', NULL, 'Retired Workspace', 'UTC', 10010703, 10010801, NULL,
   '2026-03-01T08:00:00Z', '2026-03-20T08:00:00Z', '2026-03-20T08:00:00Z'),
  ('WS_INVITE_TEST_001', 'INST_001', NULL, 'Primary Workspace', 'UTC', 10010701, 10010801, NULL,
   '2026-03-22T10:30:00Z', '2026-03-22T10:30:00Z', NULL),
  ('WS_INVITE_TEST_002', 'INST_001', NULL, 'Secondary Workspace', 'America/New_York', 10010701, 10010801, NULL,
   '2026-03-22T11:00:00Z', '2026-03-22T11:00:00Z', NULL),
  ('ws_123456', 'INST_001', NULL, 'Production Monitoring', 'UTC', 10010701, 10010801, NULL,
   '2026-03-23T09:00:00Z', '2026-03-23T09:00:00Z', NULL),
  ('ws_789012', 'INST_001', NULL, 'Development Environment', 'UTC', 10010701, 10010801, NULL,
   '2026-03-24T09:00:00Z', '2026-03-24T09:00:00Z', NULL),
  ('WS_SANDBOX_001', 'INST_001', 'ENT_001', 'Sandbox Workspace', 'Asia/Tokyo', 10010702, 10010802,
   '{"plan":"trial","seats":5}', '2026-03-25T09:00:00Z', '2026-03-26T15:45:00Z', NULL)
ON CONFLICT DO NOTHING;

INSERT INTO workspace_members (user_id, workspace_id, role, created_at)
SELECT m.user_id, w.id, m.role, w.created_at
FROM (VALUES
  ('demo-user', 'WS_RETIRED_001', 'member'),
  ('demo-user', 'WS_INVITE_TEST_001', 'owner'),
  ('demo-user', 'WS_INVITE_TEST_002', 'member'),
  ('demo-user', 'ws_123456', 'owner'),
  ('demo-user', 'ws_789012', 'member'),
  ('demo-user', 'WS_SANDBOX_001', 'member'),
  ('demo-system-user', 'WS_INVITE_TEST_001', 'owner'),
  ('demo-system-user', 'WS_INVITE_TEST_002', 'member'),
  ('demo-uptimer-user', 'ws_123456', 'owner'),
  ('demo-uptimer-user', 'ws_789012', 'member')
) AS m (user_id, biz_id, role)
JOIN workspaces AS w ON w.biz_id = m.biz_id
ON CONFLICT DO NOTHING;
`;

/**
 * Inserts the demo data where it is missing. Run `applySchema` first.
 *
 * @param run Runs one SQL text as one message (see {@link SqlRunner}).
 * @returns Resolves once the rows are in place.
 * @throws Whatever `run` throws.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PGlite } from "@electric-sql/pglite";
 * import { seedDemoData } from "./demo.ts";
 * import { applySchema } from "./schema.ts";
 * const db = await PGlite.create();
 * try {
 *   await applySchema((text) => db.exec(text));
 *   await seedDemoData((text) => db.exec(text));
 *   await seedDemoData((text) => db.exec(text));
 *   const { rows } = await db.query("SELECT count(*)::int4 AS n FROM workspaces");
 *   assert.deepEqual(rows, [{ n: 6 }]);
 * } finally {
 *   await db.close();
 * }
 * ```
 */
export async function seedDemoData(run: SqlRunner): Promise<void> {
  await run(DEMO_SQL);
}
