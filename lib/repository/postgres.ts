/**
 * The repository over a Postgres server, through postgres.js.
 *
 * @module
 */
import type { ParsedOptions, Sql } from "postgres";
import * as v from "valibot";
import { parseOptions } from "../_options.ts";
import type { WorkspaceMembership } from "./workspace.ts";
import { LISTING_SQL } from "./_sql.ts";
import { parseTimestamptz } from "./_timestamptz.ts";
import { isUnavailableError } from "./is_unavailable_error.ts";
import { RepositoryUnavailableError, type WorkspaceRepository } from "./repository.ts";
import { applySchema } from "./schema.ts";

/**
 * Options of {@link postgresRepository}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { PostgresRepositoryOptions } from "./postgres.ts";
 * const standalone: PostgresRepositoryOptions = { applySchema: true };
 * assert.equal(standalone.applySchema, true);
 * ```
 */
export interface PostgresRepositoryOptions {
  /**
   * Apply the schema (`applySchema`) before the first listing that reaches
   * the server, instead of at start-up, so that a server whose database is
   * down still starts and answers 503 until it is back. Applied once; a
   * failed attempt is retried by the next call. Needs the right to create
   * tables: leave it off for a read replica or a read-only role.
   * Default `false`.
   */
  readonly applySchema?: boolean;
}

/** Postgres's type OID (`pg_type.oid`) of timestamptz. */
const TIMESTAMPTZ_OID = 1184;

const OPTIONS = v.strictObject({
  applySchema: v.optional(v.boolean("must be a boolean"), false),
});

/**
 * A {@link WorkspaceRepository} over a postgres.js client, running the
 * shared listing query as a prepared statement (unless the client was made
 * with `prepare: false`, as PgBouncer in transaction mode needs).
 *
 * Give it a client without column or value transforms: rows are returned as
 * postgres.js makes them, in a plain array. It sets the client's parser of
 * `timestamptz` (`sql.options.parsers[1184]`, for all the client's queries)
 * to the one PGlite's repository uses: ordinary times give the `Date`
 * postgres.js's `new Date(text)` gives, while `infinity`, `-infinity`,
 * `BC` years and years 1–99, which that makes invalid or wrong, give a
 * valid `Date` (see `formatSystemTime` for how they are written).
 *
 * @param sql A postgres.js client; its pool, timeouts
 *   (`connect_timeout`, `connection.statement_timeout`) and lifetime are
 *   the caller's.
 * @param options See {@link PostgresRepositoryOptions}.
 * @returns The repository. `listForUser` rejects with
 *   {@link RepositoryUnavailableError} when {@link isUnavailableError} says
 *   so, and with the driver's error otherwise.
 * @throws {TypeError} When `options` is not an object, has a key that is not
 *   an option, or `applySchema` is not a boolean; the message names the option.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import postgres from "postgres";
 * import { postgresRepository } from "./postgres.ts";
 * // A schema of its own, dropped at the end, so the example leaves nothing behind.
 * const schema = `lobby_example_${crypto.randomUUID().replaceAll("-", "")}`;
 * const sql = postgres("postgres://postgres@127.0.0.1:5432/test", {
 *   connect_timeout: 3,
 *   connection: { search_path: schema },
 *   onnotice: () => {},
 * });
 * try {
 *   await sql.unsafe(`CREATE SCHEMA ${schema}`);
 *   const repository = postgresRepository(sql, { applySchema: true });
 *   assert.deepEqual(await repository.listForUser("demo-user"), []);
 * } finally {
 *   await sql.unsafe(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
 *   await sql.end();
 * }
 * assert.throws(() => postgresRepository(sql, { applySchema: "yes" } as never), {
 *   name: "TypeError",
 *   message: "postgresRepository: options.applySchema must be a boolean",
 * });
 * ```
 */
export function postgresRepository(sql: Sql, options: PostgresRepositoryOptions = {}): WorkspaceRepository {
  const { applySchema: lazySchema } = parseOptions("postgresRepository", OPTIONS, options);
  // postgres.js parses a column with the client's parser for its type OID,
  // looked up when a statement is described; there is no per-query parser.
  // A stand-in without options (a benchmark's) is left as it is.
  const parsers = sql.options?.parsers as ParsedOptions["parsers"] | undefined;
  if (parsers !== undefined) parsers[TIMESTAMPTZ_OID] = parseTimestamptz;
  // Dropped once the schema is in place: listings then skip even the await
  // of a settled promise.
  let ready = lazySchema ? once(() => applySchema((text) => sql.unsafe(text))) : undefined;
  return {
    async listForUser(userId: string): Promise<readonly WorkspaceMembership[]> {
      try {
        if (ready !== undefined) {
          await ready();
          ready = undefined;
        }
        const rows = await sql.unsafe<WorkspaceMembership[]>(LISTING_SQL, [userId], { prepare: true });
        // Callers get a plain array, not postgres.js's result array (a
        // subclass carrying count, columns, statement…); copied by index,
        // since Array.from would walk the subclass through its iterator.
        const list = new Array<WorkspaceMembership>(rows.length);
        for (let i = 0; i < rows.length; i++) list[i] = rows[i] as WorkspaceMembership;
        return list;
      } catch (error) {
        throw isUnavailableError(error) ? new RepositoryUnavailableError({ cause: error }) : error;
      }
    },
  };
}

/** Runs `task` once; after a failure, the next call tries again. */
function once(task: () => Promise<void>): () => Promise<void> {
  let pending: Promise<void> | undefined;
  return () =>
    pending ??= task().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
}
