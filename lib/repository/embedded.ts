/**
 * The embedded database of the standalone server: PGlite with lobby's
 * schema and the demo data, needing no database install. Not on the
 * repository's face, so that importing the repository loads no WebAssembly;
 * import this file where the embedded database is wanted.
 *
 * @module
 */
import { PGlite } from "@electric-sql/pglite";
import { seedDemoData } from "./demo.ts";
import { applySchema } from "./schema.ts";

// A demo's data fits in a few pages, and Postgres's default buffer cache
// (128 MB) would be most of an embedded server's resident memory.
const EMBEDDED_SETTINGS = "shared_buffers = 16MB\nwork_mem = 1MB\nmaintenance_work_mem = 16MB\n";

/**
 * Opens the embedded database with the schema and the demo data applied
 * (both idempotent, so reopening a data directory keeps its rows).
 *
 * A new database, and every in-memory one, starts with PGlite's initdb,
 * which wants CPU time and memory; reopening a data directory skips it.
 *
 * @param dataDir A directory to keep the data in, created if missing, or
 *   `undefined` for an in-memory database that is gone on close.
 * @returns The open database; close it with `db.close()`.
 * @throws PGlite's error when the directory cannot be used; the database is
 *   closed again if the schema or demo data fail.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openEmbeddedDatabase } from "./embedded.ts";
 * import { pgliteRepository } from "./pglite.ts";
 * const db = await openEmbeddedDatabase(undefined);
 * try {
 *   const rows = await pgliteRepository(db).listForUser("demo-user");
 *   assert.equal(rows.length, 5);
 * } finally {
 *   await db.close();
 * }
 * ```
 */
export async function openEmbeddedDatabase(dataDir: string | undefined): Promise<PGlite> {
  const db = await PGlite.create(dataDir, { postgresqlconf: EMBEDDED_SETTINGS });
  try {
    const run = (text: string): Promise<unknown> => db.exec(text);
    await applySchema(run);
    await seedDemoData(run);
    return db;
  } catch (error) {
    await db.close();
    throw error;
  }
}
