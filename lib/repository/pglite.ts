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
import { ITEMS_SQL, itemsParameters, LISTING_SQL, pageQuery, readPage, VERSION_SQL } from "./_sql.ts";
import { parseTimestamptz } from "./_timestamptz.ts";
import { Breaker } from "./_breaker.ts";
import { RepositoryEvents } from "./_events.ts";
import {
  type ListingItemFormat,
  type ListingPage,
  type ListingQuery,
  type ListOptions,
  type RepositoryEvent,
  RepositoryUnavailableError,
  type VersionedItems,
  type WorkspaceRepository,
} from "./repository.ts";

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
  async function query<T>(text: string, parameters: readonly string[], parsers?: ParserOptions): Promise<T[]> {
    try {
      return (await db.query<T>(text, parameters as string[], parsers === undefined ? { rowMode: "array" } : { parsers })).rows;
    } catch (error) {
      if (!db.closed) throw error;
      throw new RepositoryUnavailableError({ cause: Object.assign(new Error("The embedded database is closed", { cause: error }), { code: "CONNECTION_ENDED" }) });
    }
  }
  async function items(userId: string, format: ListingItemFormat): Promise<VersionedItems> {
    // The first row is the version; each other is one item.
    const rows = await query<[string]>(ITEMS_SQL[format.dialect], itemsParameters(userId, format));
    const listed = new Array<string>(rows.length - 1);
    for (let i = 1; i < rows.length; i++) listed[i - 1] = rows[i]![0];
    return { version: rows[0]![0], items: listed };
  }
  async function page(userId: string, format: ListingItemFormat, listing: ListingQuery): Promise<ListingPage> {
    const { text, parameters } = pageQuery(userId, format, listing);
    return readPage(await query<(string | null)[]>(text, parameters), listing);
  }
  return {
    listForUser: (userId: string, options?: ListOptions) =>
      breaker.run(options?.signal, () => query<WorkspaceMembership>(LISTING_SQL, [userId], PARSERS)),
    listingVersion: (userId: string, options?: ListOptions) =>
      breaker.run(options?.signal, async () => (await query<[string]>(VERSION_SQL, [userId]))[0]![0]),
    listItems: (userId: string, format: ListingItemFormat, options?: ListOptions) =>
      breaker.run(options?.signal, () => items(userId, format)),
    listPage: (userId: string, format: ListingItemFormat, listing: ListingQuery, options?: ListOptions) =>
      breaker.run(options?.signal, () => page(userId, format, listing)),
    watch: (listener: (event: RepositoryEvent) => void) => events.watch(listener),
  };
}
