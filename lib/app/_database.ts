/**
 * What the standalone server puts around its Postgres repositories when it
 * scales out: noticing PgBouncer in transaction mode when nobody said so,
 * and applying the schema through `DATABASE_MIGRATION_URL` before the first
 * listing.
 *
 * @module
 */
import type { Sql } from "postgres";
import { RepositoryEvents } from "../repository/_events.ts";
import { isUnavailableError } from "../repository/is_unavailable_error.ts";
import {
  type ListingItemFormat,
  type ListingQuery,
  type ListOptions,
  type RepositoryEvent,
  RepositoryUnavailableError,
  type WorkspaceRepository,
} from "../repository/repository.ts";
import type { SqlRunner } from "../repository/schema.ts";
import { applySchema } from "../repository/schema.ts";

/**
 * How a transaction pooler (PgBouncer 1.18 in transaction mode) gives
 * itself away to a client that was not told about it:
 *
 * - `startup_parameter`: it refuses the connection because of a startup
 *   parameter it does not track (`08P01 unsupported startup parameter:
 *   statement_timeout`);
 * - `prepared_statement`: a statement prepared in one transaction is gone
 *   in the next, which ran on another server connection (`26000 prepared
 *   statement "…" does not exist`), or one of that name is already there
 *   (`42P05`).
 *
 * @example
 * ```ts
 * import type { PoolerSign } from "./_database.ts";
 * const sign: PoolerSign = "prepared_statement";
 * ```
 */
export type PoolerSign = "startup_parameter" | "prepared_statement";

/**
 * Which {@link PoolerSign} an error shows, looking through `cause` (a
 * repository wraps the driver's error), or `undefined`.
 *
 * @param error What a query or a listing rejected with.
 * @returns The sign, or `undefined` for any other error.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { poolerSign } from "./_database.ts";
 * const refused = Object.assign(new Error("unsupported startup parameter: statement_timeout"), { code: "08P01" });
 * assert.equal(poolerSign(new Error("The workspace store is unavailable", { cause: refused })), "startup_parameter");
 * assert.equal(poolerSign(Object.assign(new Error('prepared statement "p1" does not exist'), { code: "26000" })), "prepared_statement");
 * assert.equal(poolerSign(Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" })), undefined);
 * ```
 */
export function poolerSign(error: unknown): PoolerSign | undefined {
  for (let depth = 0; depth < 5 && typeof error === "object" && error !== null; depth++) {
    const { code, message, cause } = error as { code?: unknown; message?: unknown; cause?: unknown };
    const text = typeof message === "string" ? message : "";
    if (code === "08P01" && /unsupported startup parameter/i.test(text)) return "startup_parameter";
    if ((code === "26000" || code === "42P05") && /prepared statement/i.test(text)) return "prepared_statement";
    error = cause;
  }
  return undefined;
}

/**
 * Runs tasks on a postgres.js client and, the first time one fails with a
 * {@link PoolerSign}, makes the client fit for a transaction pooler (no
 * prepared statements, no `statement_timeout` startup parameter: what
 * `pgbouncer=true` asks for up front), tells `onAdapted` once, and runs
 * the task again; a task that was under way meanwhile and failed runs
 * again too, after that one. Tasks that failed before the first sign came
 * back are not repeated (a server answers them 503): `pgbouncer=true`
 * spares those. Pipelining cannot be turned off here (postgres.js fixes
 * it per connection when the pool is made), and PgBouncer 1.18 can lose a
 * pipelined query: only `pgbouncer=true` makes the client safe. postgres.js reads both options for every new connection
 * and every query, so the change holds from then on.
 *
 * @param sql The client, which the caller made and owns.
 * @param onAdapted Told the sign, once.
 * @returns A function that runs a task under that rule.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import postgres from "postgres";
 * import { poolerGuard } from "./_database.ts";
 * const sql = postgres({ host: "127.0.0.1", port: 1, connection: { statement_timeout: 5000 } });
 * const seen: string[] = [];
 * const guard = poolerGuard(sql, (sign) => seen.push(sign));
 * let attempts = 0;
 * const answer = await guard(() =>
 *   ++attempts === 1 ? Promise.reject(Object.assign(new Error("unsupported startup parameter: statement_timeout"), { code: "08P01" })) : Promise.resolve("rows")
 * );
 * assert.equal(answer, "rows");
 * assert.deepEqual(seen, ["startup_parameter"]);
 * assert.equal(sql.options.prepare, false);
 * assert.equal("statement_timeout" in sql.options.connection, false);
 * await sql.end();
 * ```
 */
export function poolerGuard(sql: Sql, onAdapted: (sign: PoolerSign) => void): <T>(task: () => Promise<T>) => Promise<T> {
  const options = sql.options as unknown as { prepare: boolean; connection: Record<string, unknown> };
  let adapted = false;
  // Settles once the first task after the change has: the others wait for
  // it, since a circuit breaker may refuse them until one gets through.
  let adapting: Promise<unknown> = Promise.resolve();
  return async <T>(task: () => Promise<T>): Promise<T> => {
    const before = adapted;
    try {
      return await task();
    } catch (error) {
      if (!before && adapted) {
        // It failed while the client was wrong for the pooler, and the
        // client has been changed since: once more, after the first retry.
        await adapting;
        return task();
      }
      const sign = adapted ? undefined : poolerSign(error);
      if (sign === undefined) throw error;
      adapted = true;
      options.prepare = false;
      delete options.connection.statement_timeout;
      onAdapted(sign);
      const retry = task();
      adapting = retry.catch(() => {});
      return retry;
    }
  };
}

/**
 * A repository whose listings run under `guard` (see {@link poolerGuard}).
 *
 * @param repository The repository over the guarded client.
 * @param guard The client's guard.
 * @returns The same repository, its listings guarded; `watch` as it was.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { guardedRepository } from "./_database.ts";
 * const guarded = guardedRepository({ listForUser: () => Promise.resolve([]) }, (task) => task());
 * assert.deepEqual(await guarded.listForUser("alice"), []);
 * ```
 */
export function guardedRepository(
  repository: WorkspaceRepository,
  guard: <T>(task: () => Promise<T>) => Promise<T>,
): WorkspaceRepository {
  const guarded: WorkspaceRepository = {
    listForUser: (userId: string, options?: ListOptions) => guard(() => repository.listForUser(userId, options)),
  };
  if (typeof repository.listingVersion === "function" && typeof repository.listItems === "function") {
    guarded.listingVersion = (userId: string, options?: ListOptions) => guard(() => repository.listingVersion!(userId, options));
    guarded.listItems = (userId: string, format: ListingItemFormat, options?: ListOptions) =>
      guard(() => repository.listItems!(userId, format, options));
    if (typeof repository.listPage === "function") {
      guarded.listPage = (userId: string, format: ListingItemFormat, query: ListingQuery, options?: ListOptions) =>
        guard(() => repository.listPage!(userId, format, query, options));
    }
  }
  if (typeof repository.watch === "function") guarded.watch = (listener) => repository.watch!(listener);
  return guarded;
}

/**
 * A repository that applies lobby's schema through `run` (a direct
 * connection to the primary, `DATABASE_MIGRATION_URL`) before its first
 * listing, once; a failed attempt is tried again by the next listing, so
 * that a server started while the database is down recovers by itself.
 * Meanwhile a listing fails as the migration did: 503 when the migration's
 * server cannot be reached, otherwise its error (reported to `watch`, once
 * per distinct error per minute, like the repository's own).
 *
 * @param repository The repository over the pooled client, made without `applySchema`.
 * @param run Runs one SQL text on the migration's connection.
 * @returns The repository.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { schemaFirst } from "./_database.ts";
 * const sent: string[] = [];
 * const repository = schemaFirst({ listForUser: () => Promise.resolve([]) }, (text) => Promise.resolve(sent.push(text)));
 * await repository.listForUser("alice");
 * await repository.listForUser("bob");
 * assert.equal(sent.length, 1);
 * assert.match(sent[0]!, /^SELECT pg_advisory_xact_lock/);
 * ```
 */
export function schemaFirst(repository: WorkspaceRepository, run: SqlRunner): WorkspaceRepository {
  const events = new RepositoryEvents();
  let pending: Promise<void> | undefined;
  let done = false;
  const migrate = (): Promise<void> =>
    pending ??= applySchema(run).then(
      () => {
        done = true;
      },
      (error: unknown) => {
        pending = undefined;
        events.reportError(error);
        throw isUnavailableError(error) ? new RepositoryUnavailableError({ cause: error }) : error;
      },
    );
  const migrated: WorkspaceRepository = {
    listForUser: async (userId: string, options?: ListOptions) => {
      if (!done) await migrate();
      return repository.listForUser(userId, options);
    },
    watch: (listener: (event: RepositoryEvent) => void) => {
      events.watch(listener);
      repository.watch?.(listener);
    },
  };
  // The version reads wait for the schema as the listing does (the version table is part of it).
  if (typeof repository.listingVersion === "function" && typeof repository.listItems === "function") {
    migrated.listingVersion = async (userId: string, options?: ListOptions) => {
      if (!done) await migrate();
      return repository.listingVersion!(userId, options);
    };
    migrated.listItems = async (userId: string, format: ListingItemFormat, options?: ListOptions) => {
      if (!done) await migrate();
      return repository.listItems!(userId, format, options);
    };
    if (typeof repository.listPage === "function") {
      migrated.listPage = async (userId: string, format: ListingItemFormat, query: ListingQuery, options?: ListOptions) => {
        if (!done) await migrate();
        return repository.listPage!(userId, format, query, options);
      };
    }
  }
  return migrated;
}
