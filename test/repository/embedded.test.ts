// openEmbeddedDatabase on a data directory: rows kept across reopening,
// demo data not duplicated, and a directory whose tables cannot take the
// schema refused.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PGlite } from "@electric-sql/pglite";
import t from "tap";
import { DEMO_USER } from "../../lib/repository/demo.ts";
import { openEmbeddedDatabase } from "../../lib/repository/embedded.ts";
import { pgliteRepository } from "../../lib/repository/pglite.ts";
import { DROP_SQL, EXPECTED, PRODUCTION, rejection } from "./fixtures/expected.ts";

t.test("pglite: openEmbeddedDatabase keeps a data directory's rows when reopened", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "lobby-pglite-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  let db: PGlite | undefined;
  t.teardown(async () => {
    if (db !== undefined && !db.closed) await db.close();
  });
  db = await openEmbeddedDatabase(dir);
  await db.exec(`INSERT INTO workspace_members (user_id, workspace_id, role)
    SELECT 'kept-user', id, 'owner' FROM workspaces WHERE biz_id = 'ws_123456'`);
  await db.close();

  db = await openEmbeddedDatabase(dir);
  const repository = pgliteRepository(db);
  t.strictSame(await repository.listForUser("kept-user"), [{ ...PRODUCTION, role: "owner" }]);
  t.strictSame(await repository.listForUser(DEMO_USER), EXPECTED[DEMO_USER], "demo data not duplicated");
  const settings = await db.query<{ shared_buffers: string; work_mem: string }>(
    "SELECT current_setting('shared_buffers') AS shared_buffers, current_setting('work_mem') AS work_mem",
  );
  t.strictSame(settings.rows, [{ shared_buffers: "16MB", work_mem: "1MB" }], "a small buffer cache, reopened too");

  // A directory whose tables cannot take the schema fails to open, clearly.
  await db.exec(`${DROP_SQL}; CREATE TABLE institutions (code int4)`);
  await db.close();
  const error = await rejection(openEmbeddedDatabase(dir));
  t.equal((error as { code?: unknown }).code, "42703", "undefined_column from the schema");
});
