/**
 * The repository over a Postgres server, through postgres.js.
 *
 * @module
 */
import type { Sql } from "postgres";
import type { WorkspaceMembership } from "./workspace.ts";
import { RepositoryUnavailableError, type WorkspaceRepository } from "./repository.ts";
import { applySchema } from "./schema.ts";
import { LISTING_SQL } from "./sql.ts";

/**
 * Options of {@link postgresRepository}.
 *
 * @example
 * ```ts
 * import type { PostgresRepositoryOptions } from "./postgres.ts";
 * const standalone: PostgresRepositoryOptions = { applySchema: true };
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

/**
 * The error codes that mean the database could not be reached or did not
 * answer in time: postgres.js's own, socket errors from the runtime, and the
 * SQLSTATEs for shutdown, start-up, too many connections and cancellation
 * (statement timeout). SQLSTATE class 08 is matched by {@link _SQLSTATE_08}.
 */
const _UNAVAILABLE_CODES: ReadonlySet<string> = new Set([
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "EHOSTDOWN",
  "ENETUNREACH",
  "ENETDOWN",
  "ENOTFOUND",
  "EAI_AGAIN",
  "57P01",
  "57P02",
  "57P03",
  "53300",
  "57014",
]);

/** SQLSTATE class 08, connection exception. */
const _SQLSTATE_08 = /^08[0-9A-Z]{3}$/;

/**
 * Whether a driver error means the database is unreachable or timed out
 * (the handler answers 503), as opposed to a bug or a schema problem (500).
 * Looks through `AggregateError.errors` (a host with several addresses) and
 * `cause`.
 *
 * @param error Anything a postgres.js or PGlite call rejected with.
 * @returns `true` for connection failures, timeouts, shutdowns and
 *   cancellations.
 *
 * @example
 * ```ts
 * import { isUnavailableError } from "./postgres.ts";
 * isUnavailableError(Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" })); // true
 * isUnavailableError(Object.assign(new Error("relation does not exist"), { code: "42P01" })); // false
 * ```
 */
export function isUnavailableError(error: unknown): boolean {
  return _isUnavailable(error, 0);
}

function _isUnavailable(error: unknown, depth: number): boolean {
  // The depth bound guards against cyclic causes.
  if (typeof error !== "object" || error === null || depth > 4) return false;
  if (error instanceof RepositoryUnavailableError) return true;
  const { code, errors, cause } = error as { code?: unknown; errors?: unknown; cause?: unknown };
  if (typeof code === "string" && (_UNAVAILABLE_CODES.has(code) || _SQLSTATE_08.test(code))) return true;
  if (Array.isArray(errors) && errors.some((inner) => _isUnavailable(inner, depth + 1))) return true;
  return _isUnavailable(cause, depth + 1);
}

/**
 * A {@link WorkspaceRepository} over a postgres.js client, running the
 * shared listing query as a prepared statement (unless the client was made
 * with `prepare: false`, as PgBouncer in transaction mode needs).
 *
 * Give it a client without column or value transforms: rows are returned as
 * postgres.js makes them, in a plain array.
 *
 * @param sql A postgres.js client; its pool, timeouts
 *   (`connect_timeout`, `connection.statement_timeout`) and lifetime are
 *   the caller's.
 * @param options See {@link PostgresRepositoryOptions}.
 * @returns The repository. `listForUser` rejects with
 *   {@link RepositoryUnavailableError} when {@link isUnavailableError} says
 *   so, and with the driver's error otherwise.
 *
 * @example
 * ```ts
 * import postgres from "postgres";
 * import { postgresRepository } from "./postgres.ts";
 * const sql = postgres("postgres://postgres@127.0.0.1:5432/test", { connect_timeout: 3 });
 * const repository = postgresRepository(sql, { applySchema: true });
 * console.log(await repository.listForUser("demo-user"));
 * await sql.end();
 * ```
 */
export function postgresRepository(sql: Sql, options: PostgresRepositoryOptions = {}): WorkspaceRepository {
  // Dropped once the schema is in place: listings then skip even the await
  // of a settled promise.
  let ready = options.applySchema === true ? _once(() => applySchema((text) => sql.unsafe(text))) : undefined;
  return {
    async listForUser(userId: string): Promise<readonly WorkspaceMembership[]> {
      try {
        if (ready !== undefined) {
          await ready();
          ready = undefined;
        }
        const rows = await sql.unsafe<WorkspaceMembership[]>(LISTING_SQL, [userId], { prepare: true });
        // A plain array: postgres.js's result array carries count, columns,
        // statement… A loop copies it ten times faster than Array.from, which
        // walks a subclass of Array through its iterator (200 µs for 5,000 rows).
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
function _once(task: () => Promise<void>): () => Promise<void> {
  let pending: Promise<void> | undefined;
  return () =>
    pending ??= task().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
}
