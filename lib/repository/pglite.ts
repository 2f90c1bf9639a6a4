/**
 * The repository over PGlite, Postgres in WebAssembly. It needs only PGlite's
 * types: the caller opens the database (the standalone server with
 * `openEmbeddedDatabase` from `embedded.ts`), so importing this file loads
 * no WebAssembly.
 *
 * @module
 */
import type { PGliteInterface, ParserOptions } from "@electric-sql/pglite";
import type { WorkspaceMembership } from "./workspace.ts";
import { LISTING_SQL } from "./_sql.ts";
import { parseTimestamptz } from "./_timestamptz.ts";
import { Breaker } from "./_breaker.ts";
import { RepositoryEvents } from "./_events.ts";
import { type ListOptions, type RepositoryEvent, RepositoryUnavailableError, type WorkspaceRepository } from "./repository.ts";

/** Postgres type OIDs (`pg_type.oid`) of the listing's non-text columns. */
const INT4_OID = 23;
const TIMESTAMPTZ_OID = 1184;

/**
 * Parse the listing's non-text columns exactly as `postgresRepository` has
 * postgres.js do, so both drivers return identical rows: PGlite alone would
 * turn a timestamptz `infinity` into the number `Infinity`, and an instance
 * made with custom `parsers` could change anything.
 */
const PARSERS: ParserOptions = {
  [INT4_OID]: (value: string): number => +value,
  [TIMESTAMPTZ_OID]: parseTimestamptz,
};

/**
 * A {@link WorkspaceRepository} over a PGlite database (or anything with
 * its interface, such as a `PGliteWorker`), running the same listing query
 * as `postgresRepository` and returning identical rows, with the same
 * bounds: at most 8 listings sent to PGlite at once and 200 waiting (a
 * listing whose `signal` aborts while it waits is never sent), the closed
 * database an outage, and other errors reported once per distinct error
 * per minute to `watch`.
 *
 * @param db An open PGlite database holding the schema (`applySchema`); its
 *   lifetime is the caller's.
 * @returns The repository. `listForUser` rejects with
 *   {@link RepositoryUnavailableError} once `db` is closed (a server
 *   shutting down answers 503) or when too many listings wait, with
 *   `options.signal`'s reason if it aborts before the listing is sent,
 *   and with PGlite's error otherwise.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PGlite } from "@electric-sql/pglite";
 * import { seedDemoData } from "./demo.ts";
 * import { pgliteRepository } from "./pglite.ts";
 * import { RepositoryUnavailableError } from "./repository.ts";
 * import { applySchema } from "./schema.ts";
 * const db = await PGlite.create();
 * const repository = pgliteRepository(db);
 * try {
 *   await applySchema((text) => db.exec(text));
 *   await seedDemoData((text) => db.exec(text));
 *   const rows = await repository.listForUser("demo-system-user");
 *   assert.deepEqual(rows.map((row) => [row.bizId, row.role]), [
 *     ["WS_INVITE_TEST_001", "owner"],
 *     ["WS_INVITE_TEST_002", "member"],
 *   ]);
 * } finally {
 *   await db.close();
 * }
 * await assert.rejects(repository.listForUser("demo-user"), RepositoryUnavailableError);
 * ```
 */
export function pgliteRepository(db: PGliteInterface): WorkspaceRepository {
  const events = new RepositoryEvents();
  const breaker = new Breaker({ maxRunning: 8, maxWaiting: 200, events });
  async function list(userId: string): Promise<readonly WorkspaceMembership[]> {
    try {
      const result = await db.query<WorkspaceMembership>(LISTING_SQL, [userId], { parsers: PARSERS });
      return result.rows;
    } catch (error) {
      if (!db.closed) throw error;
      throw new RepositoryUnavailableError({ cause: Object.assign(new Error("The embedded database is closed", { cause: error }), { code: "CONNECTION_ENDED" }) });
    }
  }
  return {
    listForUser: (userId: string, options?: ListOptions) => breaker.run(options?.signal, () => list(userId)),
    watch: (listener: (event: RepositoryEvent) => void) => events.watch(listener),
  };
}
