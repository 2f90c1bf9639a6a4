/**
 * Read replicas over postgres.js: the health check that measures a
 * standby's lag, and the replicated repository made from a list of
 * clients.
 *
 * @module
 */
import type { Sql } from "postgres";
import * as v from "valibot";
import { parseOptions } from "../_options.ts";
import { postgresRepository } from "./postgres.ts";
import { type ReadReplica, type ReplicaEvent, type ReplicaHealth, type ReplicatedRepository, replicatedRepository } from "./replicas.ts";

/**
 * What a replica's health check asks, in one statement without
 * parameters (so it runs the same through a pooler): whether the server
 * is a standby, whether lobby's schema is there as this version reads it
 * (the last index its migration makes, and the versions), whether replay is
 * paused, whether a WAL receiver runs, whether everything received has
 * been replayed, and the time since the last replayed transaction
 * committed on the primary. Every function it calls is open to any role.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { REPLICA_HEALTH_SQL } from "./postgres_replicas.ts";
 * assert.match(REPLICA_HEALTH_SQL, /pg_last_wal_replay_lsn\(\)/);
 * ```
 */
export const REPLICA_HEALTH_SQL: string = `SELECT
  pg_is_in_recovery() AS "standby",
  to_regclass('lobby_listing_page') IS NOT NULL AND to_regclass('lobby_listing_changes') IS NOT NULL AS "migrated",
  CASE WHEN pg_is_in_recovery() THEN pg_is_wal_replay_paused() ELSE false END AS "paused",
  EXISTS (SELECT FROM pg_stat_wal_receiver) AS "streaming",
  COALESCE(pg_last_wal_receive_lsn() <= pg_last_wal_replay_lsn(), false) AS "replayed",
  EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())::float8 AS "sinceReplay"`;

/** A row of {@link REPLICA_HEALTH_SQL}. */
interface HealthRow {
  readonly standby: boolean;
  readonly migrated: boolean;
  readonly paused: boolean;
  readonly streaming: boolean;
  readonly replayed: boolean;
  readonly sinceReplay: number | null;
}

// Sent on the client that also lists, so nothing may be pipelined behind it
// (a query without parameters is the one postgres.js would pipeline behind,
// and a transaction pooler can lose one pipelined): postgres.js keeps the
// connection to this query alone when its `onexecute` answers false.
const UNPIPELINED = { onexecute: () => false } as { prepare?: boolean };

/**
 * The health check of a replica reached through `sql`, for
 * `replicatedRepository`: it measures lag, not idleness.
 *
 * A standby that has replayed all the WAL it received is 0 s behind,
 * however long ago the primary last wrote (on a quiet primary `now() -
 * pg_last_xact_replay_timestamp()` grows while the standby is up to date).
 * One with WAL still to replay is as far behind as the time since the last
 * transaction it replayed committed on the primary. Replay paused with WAL
 * waiting (`pg_wal_replay_pause()`) is `replay_paused`, however recent;
 * no WAL receiver is `not_streaming` (its lag cannot be known); no
 * `lobby_listing` is `no_schema`. A server that is not a standby (a
 * promoted replica, or the primary itself) is 0 s behind.
 *
 * @param sql A postgres.js client on the replica.
 * @returns The check; it rejects with the driver's error when the replica
 *   cannot be reached.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { Sql } from "postgres";
 * import { postgresReplicaHealth } from "./postgres_replicas.ts";
 * // A stand-in client answering as a standby that is paused with WAL waiting.
 * const row = { standby: true, migrated: true, paused: true, streaming: true, replayed: false, sinceReplay: 0.4 };
 * const sql = { unsafe: () => Promise.resolve([row]) } as unknown as Sql;
 * assert.deepEqual(await postgresReplicaHealth(sql)(), { ok: false, reason: "replay_paused" });
 * ```
 */
export function postgresReplicaHealth(sql: Sql): () => Promise<ReplicaHealth> {
  return async () => {
    const [row] = await sql.unsafe<HealthRow[]>(REPLICA_HEALTH_SQL, [], UNPIPELINED);
    if (row === undefined) throw new Error("The replica's health check returned no row");
    return health(row);
  };
}

function health(row: HealthRow): ReplicaHealth {
  if (!row.standby) return { ok: true, lagSeconds: 0 };
  if (!row.migrated) return { ok: false, reason: "no_schema" };
  if (row.paused && !row.replayed) return { ok: false, reason: "replay_paused" };
  if (!row.streaming) return { ok: false, reason: "not_streaming" };
  if (row.replayed) return { ok: true, lagSeconds: 0 };
  // WAL waits and nothing has been replayed since the standby started: how far behind is unknown.
  return { ok: true, lagSeconds: row.sinceReplay === null ? Infinity : Math.max(0, row.sinceReplay) };
}

/**
 * Options of {@link postgresReplicatedRepository}.
 *
 * @example
 * ```ts
 * import type { PostgresReplicatedOptions } from "./postgres_replicas.ts";
 * const options: PostgresReplicatedOptions = { applySchema: true, maxLagSeconds: 5 };
 * ```
 */
export interface PostgresReplicatedOptions {
  /** Apply the schema on the primary before its first listing (as `postgresRepository`'s option). Default `false`. */
  readonly applySchema?: boolean;
  /** The most a replica may lag behind, in seconds (default 5). */
  readonly maxLagSeconds?: number;
  /** Hears each switch of where reads go (see `ReplicaEvent`). */
  readonly onEvent?: (event: ReplicaEvent) => void;
}

const OPTIONS = v.strictObject({
  applySchema: v.optional(v.boolean("must be a boolean"), false),
  maxLagSeconds: v.optional(v.number("must be a number")),
  onEvent: v.optional(v.custom<(event: ReplicaEvent) => void>((value) => typeof value === "function", "must be a function")),
});

/**
 * A repository over a primary and its read replicas, each a postgres.js
 * client: `postgresRepository` on each, the replicas checked by
 * {@link postgresReplicaHealth}, composed by `replicatedRepository` (see
 * there for how reads are routed). Replicas are named in events by
 * `host:port/database` (never a password). The clients' pools, options
 * and lifetimes are the caller's; give each the options
 * `postgresRepository` asks for (short `connect_timeout` and `backoff`;
 * behind a transaction pooler `prepare: false`, with which lobby's queries
 * are never pipelined, since PgBouncer 1.18 can lose a pipelined query and
 * hang that connection, pgbouncer/pgbouncer#759; not `max_pipeline: 0`,
 * which keeps the pool from being repaired), and `fetch_types: false`:
 * postgres.js's array-types query on each new connection rejects
 * unhandled when a restarting server ends that connection, which ends a
 * Node process (porsager/postgres#1192), as replicas stopped and started
 * under load do.
 *
 * @param primary The client on the primary.
 * @param replicas A client on each replica.
 * @param options See {@link PostgresReplicatedOptions}.
 * @returns The repository.
 * @throws {TypeError} When an option is not what it must be.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import postgres from "postgres";
 * import { postgresReplicatedRepository } from "./postgres_replicas.ts";
 * // postgres.js connects on the first query; none is sent here.
 * const primary = postgres("postgres://lobby@127.0.0.1:5432/app");
 * const replicas = [postgres("postgres://lobby@127.0.0.1:5433/app"), postgres("postgres://lobby@127.0.0.1:5434/app")];
 * const repository = postgresReplicatedRepository(primary, replicas, { applySchema: true, maxLagSeconds: 5 });
 * assert.deepEqual(repository.replicaStatus().map((replica) => [replica.name, replica.state]), [
 *   ["127.0.0.1:5433/app", "unknown"],
 *   ["127.0.0.1:5434/app", "unknown"],
 * ]);
 * await Promise.all([primary, ...replicas].map((sql) => sql.end()));
 * ```
 */
export function postgresReplicatedRepository(
  primary: Sql,
  replicas: readonly Sql[],
  options: PostgresReplicatedOptions = {},
): ReplicatedRepository {
  const { applySchema, maxLagSeconds, onEvent } = parseOptions("postgresReplicatedRepository", OPTIONS, options);
  const read: ReadReplica[] = replicas.map((sql) => ({
    name: clientName(sql),
    repository: postgresRepository(sql),
    health: postgresReplicaHealth(sql),
  }));
  return replicatedRepository(postgresRepository(primary, { applySchema }), read, {
    ...(maxLagSeconds === undefined ? {} : { maxLagSeconds }),
    ...(onEvent === undefined ? {} : { onEvent }),
  });
}

// host:port/database of a postgres.js client, from its parsed options.
function clientName(sql: Sql): string {
  const { host, port, database } = (sql.options ?? {}) as { host?: unknown; port?: unknown; database?: unknown };
  const hosts = Array.isArray(host) ? host : [host];
  const ports = Array.isArray(port) ? port : [port];
  const where = hosts.map((h, i) => `${String(h)}:${String(ports[i] ?? ports[0])}`).join(",");
  return typeof database === "string" && database !== "" ? `${where}/${database}` : where;
}
