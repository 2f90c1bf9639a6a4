/**
 * The repository over PGlite, Postgres in WebAssembly: the embedded default
 * of the standalone server, needing no database install.
 *
 * @module
 */
import { PGlite, type PGliteInterface, type ParserOptions, types } from "@electric-sql/pglite";
import type { WorkspaceMembership } from "./workspace.ts";
import { seedDemoData } from "./demo.ts";
import { isUnavailableError } from "./postgres.ts";
import { RepositoryUnavailableError, type WorkspaceRepository } from "./repository.ts";
import { applySchema } from "./schema.ts";
import { LISTING_SQL } from "./sql.ts";

/**
 * Parse the listing's non-text columns exactly as postgres.js does, so both
 * drivers return identical rows: PGlite alone would turn a timestamptz
 * `infinity` into the number `Infinity`, and an instance made with custom
 * `parsers` could change anything.
 */
const _PARSERS: ParserOptions = {
  [types.INT4]: (value: string): number => +value,
  [types.TIMESTAMPTZ]: (value: string): Date => new Date(value),
};

/**
 * A {@link WorkspaceRepository} over a PGlite database (or anything with
 * its interface, such as a `PGliteWorker`), running the same listing query
 * as `postgresRepository` and returning identical rows.
 *
 * @param db An open PGlite database holding the schema; its lifetime is the
 *   caller's.
 * @returns The repository. `listForUser` rejects with
 *   {@link RepositoryUnavailableError} once `db` is closed (a server
 *   shutting down answers 503), and with PGlite's error otherwise.
 *
 * @example
 * ```ts
 * import { openEmbeddedDatabase, pgliteRepository } from "./pglite.ts";
 * const db = await openEmbeddedDatabase(undefined);
 * const repository = pgliteRepository(db);
 * console.log(await repository.listForUser("demo-user"));
 * await db.close();
 * ```
 */
export function pgliteRepository(db: PGliteInterface): WorkspaceRepository {
  return {
    async listForUser(userId: string): Promise<readonly WorkspaceMembership[]> {
      try {
        const result = await db.query<WorkspaceMembership>(LISTING_SQL, [userId], { parsers: _PARSERS });
        return result.rows;
      } catch (error) {
        throw db.closed || isUnavailableError(error) ? new RepositoryUnavailableError({ cause: error }) : error;
      }
    },
  };
}

/**
 * Opens the embedded database with the schema and the demo data applied
 * (both idempotent, so reopening a data directory keeps its rows).
 *
 * A first start takes a few seconds (initdb; in memory always) and a few
 * hundred MB; reopening an existing data directory well under a second.
 *
 * @param dataDir A directory to keep the data in, created if missing, or
 *   `undefined` for an in-memory database that is gone on close.
 * @returns The open database; close it with `db.close()`.
 * @throws PGlite's error when the directory cannot be used; the database is
 *   closed again if the schema or demo data fail.
 *
 * @example
 * ```ts
 * import { openEmbeddedDatabase } from "./pglite.ts";
 * const db = await openEmbeddedDatabase(undefined);
 * await db.close();
 * ```
 */
export async function openEmbeddedDatabase(dataDir: string | undefined): Promise<PGlite> {
  const db = await PGlite.create(dataDir);
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
