/**
 * The repository over a Postgres server, through postgres.js.
 *
 * @module
 */
import type { ParsedOptions, Sql } from "postgres";
import * as v from "valibot";
import { parseOptions } from "../_options.ts";
import type { WorkspaceMembership } from "./workspace.ts";
import { ITEMS_SQL, itemsParameters, LISTING_SQL, pageQuery, readItemBytes, readPage, textArray, VERSIONS_SQL } from "./_sql.ts";
import { VersionBatcher } from "./_version_batch.ts";
import { parseTimestamptz } from "./_timestamptz.ts";
import { Breaker } from "./_breaker.ts";
import { poolQueueCapacity, repairPoolQueue } from "./_pool_queue.ts";
import { RepositoryEvents } from "./_events.ts";
import type {
  ListingItemFormat,
  ListingPage,
  ListingQuery,
  ListOptions,
  RepositoryEvent,
  VersionedItems,
  WorkspaceRepository,
} from "./repository.ts";
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
  /**
   * How many listings may be with postgres.js at once; the others wait in
   * the repository's own queue, where a listing whose caller gave up is
   * dropped before it is sent. Default: twice the client's `max`
   * connections.
   */
  readonly maxRunning?: number;
  /**
   * How many listings may wait for one of those places; beyond it a
   * listing is refused at once (`RepositoryUnavailableError`) rather
   * than queued behind a database that cannot keep up. Default: ten times
   * the client's `max` connections.
   */
  readonly maxWaiting?: number;
}

/** Postgres's type OID (`pg_type.oid`) of timestamptz. */
const TIMESTAMPTZ_OID = 1184;

const count = (most: number) =>
  v.optional(
    v.pipe(
      v.number("must be a number"),
      v.integer("must be an integer"),
      v.minValue(1, `must be from 1 to ${most}`),
      v.maxValue(most, `must be from 1 to ${most}`),
    ),
  );

const OPTIONS = v.strictObject({
  applySchema: v.optional(v.boolean("must be a boolean"), false),
  maxRunning: count(10_000),
  maxWaiting: count(1_000_000),
});

/**
 * How the repository's queries are sent: prepared, and repairing the pool
 * queue of the connection that sends them (see `_pool_queue.ts`).
 * `onexecute` is a query option postgres.js 3.4 reads but does not type.
 */
const QUERY = { prepare: true, onexecute: repairPoolQueue } as { prepare: true };

/**
 * How a query without parameters is sent: postgres.js keeps the connection
 * to it alone (no query pipelined behind it) when its `onexecute` answers
 * false, as a transaction pooler needs (see the probe in
 * `postgresRepository`).
 */
const UNPIPELINED = { onexecute: () => false } as { prepare?: boolean };

/** postgres.js's own default pool size. */
const DEFAULT_POOL = 10;

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
 * It fails safe when the database does not answer. At most `maxRunning`
 * listings are sent at once and `maxWaiting` more wait in the
 * repository's queue; a listing whose `signal` aborts while it waits is
 * never sent (one already sent is left to the server's
 * `statement_timeout`: postgres.js's own `cancel()` is not safe to use
 * there). Once a listing finds the server unreachable, or passes its
 * caller's deadline with nothing heard from the server, the database is
 * down: listings are refused at once with `RepositoryUnavailableError`,
 * except one at a time that tries the server, until the server answers
 * again. `watch` hears of it once when the outage starts and once when it
 * ends; other errors once per distinct error per minute (see
 * {@link RepositoryEvent}). A wrong database name (`3D000`), a bad
 * password or a missing table are configuration errors, not outages: they
 * reject with the driver's error.
 *
 * `listingVersion` lookups go to the server in batches: one asked while
 * two batches are out waits for the next, which carries every lookup that
 * waited in one statement (one index range each), so that a version
 * lookup per request is not a round trip per request. Each batch is sent
 * after its lookups were asked, so a version is never older than what had
 * committed when its request arrived.
 *
 * It also repairs a defect of postgres.js 3.4's pool that slows a
 * long-lived client down query by query (its queues of connections grow by
 * a slot per query under steady load): each of its queries, through
 * postgres.js's `onexecute` hook, replaces the pool queue its connection is
 * in with one that stays compact, once per queue. This reaches the queues
 * of the client passed in, so an embedder's own client is repaired too (for
 * all its queries). With `prepare: false` postgres.js calls that hook
 * only before a query without parameters, so one in 256 listings is then
 * followed by a `SELECT 1` until the pool's queues are found repaired
 * (`bench/postgres-queue.md`); lobby's queries are then never pipelined, as
 * a transaction pooler needs. With `max_pipeline: 0` postgres.js never
 * calls the hook: leave that option alone, or the pool is not repaired.
 *
 * How fast a dead server is noticed and a returning one found again is up
 * to the client: give it a short `connect_timeout` and a `backoff` of well
 * under a second (postgres.js's default grows to 20 s between connection
 * attempts), and a `connection.statement_timeout` no longer than the
 * handler's deadline. The standalone server does.
 *
 * @param sql A postgres.js client; its pool, timeouts
 *   (`connect_timeout`, `backoff`, `connection.statement_timeout`) and
 *   lifetime are the caller's.
 * @param options See {@link PostgresRepositoryOptions}.
 * @returns The repository. `listForUser` rejects with
 *   `RepositoryUnavailableError` when refused, when
 *   `isUnavailableError` says so, or on a statement timeout; with
 *   `options.signal`'s reason if it aborts before the listing is sent;
 *   and with the driver's error otherwise.
 * @throws {TypeError} When `options` is not an object, has a key that is not
 *   an option, or a value of the wrong kind; the message names the option.
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
 *   repository.watch?.((event) => console.log(event));
 *   assert.deepEqual(await repository.listForUser("demo-user", { signal: AbortSignal.timeout(5000) }), []);
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
  const { applySchema: lazySchema, maxRunning, maxWaiting } = parseOptions("postgresRepository", OPTIONS, options);
  // postgres.js parses a column with the client's parser for its type OID,
  // looked up when a statement is described; there is no per-query parser.
  // A stand-in without options (a benchmark's) is left as it is.
  const parsers = sql.options?.parsers as ParsedOptions["parsers"] | undefined;
  if (parsers !== undefined) parsers[TIMESTAMPTZ_OID] = parseTimestamptz;
  // Dropped once the schema is in place.
  // Nothing is pipelined behind the migration either (see the probe below).
  let ready = lazySchema ? once(() => applySchema((text) => sql.unsafe(text, [], UNPIPELINED))) : undefined;
  // With prepare: false postgres.js calls onexecute only before a query
  // without parameters: every 256th query then also sends one, until such
  // probes keep finding queues already repaired. The probe answers false,
  // so that postgres.js pipelines nothing behind it: a client made for a
  // transaction pooler then never pipelines lobby's queries (each one with
  // parameters waits for its own Describe), which PgBouncer 1.18 can lose.
  let sent = 0;
  let known = 0;
  const probe = (connection: unknown): false => {
    const queue = (connection as { queue?: unknown } | null)?.queue;
    if (typeof queue === "object" && queue !== null && poolQueueCapacity(queue) !== undefined) known++;
    repairPoolQueue(connection);
    return false;
  };
  function repairUnprepared(): void {
    if (known >= 4 || (++sent & 255) !== 0 || sql.options?.prepare !== false) return;
    sql.unsafe("SELECT 1", [], { onexecute: probe } as { prepare?: boolean }).execute().catch(() => {});
  }
  // Before each query: the schema, once (the probe waits for it too, so
  // nothing is sent beside the migration); then, rarely, the probe.
  // Returns nothing to wait for once the schema is in place.
  function start(): Promise<void> | undefined {
    if (ready === undefined) {
      repairUnprepared();
      return undefined;
    }
    return ready().then(() => {
      ready = undefined;
      repairUnprepared();
    });
  }
  async function list(userId: string): Promise<readonly WorkspaceMembership[]> {
    const starting = start();
    if (starting !== undefined) await starting;
    const rows = await sql.unsafe<WorkspaceMembership[]>(LISTING_SQL, [userId], QUERY);
    // Callers get a plain array, not postgres.js's result array (a
    // subclass carrying count, columns, statement…); copied by index,
    // since Array.from would walk the subclass through its iterator.
    const listing = new Array<WorkspaceMembership>(rows.length);
    for (let i = 0; i < rows.length; i++) listing[i] = rows[i] as WorkspaceMembership;
    return listing;
  }
  async function versions(userIds: readonly string[]): Promise<ReadonlyMap<string, string>> {
    const starting = start();
    if (starting !== undefined) await starting;
    const rows = await sql.unsafe(VERSIONS_SQL, [textArray(userIds)], QUERY).values() as unknown as readonly [string, string][];
    return new Map(rows);
  }
  async function items(userId: string, format: ListingItemFormat): Promise<VersionedItems> {
    const starting = start();
    if (starting !== undefined) await starting;
    // The first row is the version; each other is one item, read as bytes
    // (a large listing is never made into texts).
    const rows = await sql.unsafe(ITEMS_SQL[format.dialect], itemsParameters(userId, format), QUERY).raw() as unknown as readonly [Uint8Array][];
    return readItemBytes(rows);
  }
  async function page(userId: string, format: ListingItemFormat, query: ListingQuery): Promise<ListingPage> {
    // Built before anything is sent: a position it did not make is refused here.
    const { text, parameters } = pageQuery(userId, format, query);
    const starting = start();
    if (starting !== undefined) await starting;
    const rows = await sql.unsafe(text, parameters as string[], QUERY).values() as unknown as readonly (readonly (string | null)[])[];
    return readPage(rows, query);
  }
  const connections = typeof sql.options?.max === "number" && sql.options.max > 0 ? sql.options.max : DEFAULT_POOL;
  const events = new RepositoryEvents();
  const breaker = new Breaker({ maxRunning: maxRunning ?? 2 * connections, maxWaiting: maxWaiting ?? 10 * connections, events });
  // Version lookups go in batches, two at most with the server: one round trip for many requests.
  const batcher = new VersionBatcher((userIds, signal) => breaker.run(signal, () => versions(userIds)), 2, () => !breaker.up);
  return {
    listForUser: (userId: string, options?: ListOptions) => breaker.run(options?.signal, () => list(userId)),
    listingVersion: (userId: string, options?: ListOptions) => batcher.lookup(userId, options?.signal),
    listItems: (userId: string, format: ListingItemFormat, options?: ListOptions) =>
      breaker.run(options?.signal, () => items(userId, format)),
    listPage: (userId: string, format: ListingItemFormat, query: ListingQuery, options?: ListOptions) =>
      breaker.run(options?.signal, () => page(userId, format, query)),
    watch: (listener: (event: RepositoryEvent) => void) => events.watch(listener),
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
