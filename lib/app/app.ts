/**
 * The standalone server's parts, composed from its configuration: the keys
 * (configured, or a demo secret), the repository (a Postgres server or
 * embedded PGlite) and the handler. Nothing here listens: `main.ts` does.
 *
 * @module
 */
import { encodeBase64urlNoPadding } from "@oslojs/encoding";
import postgres from "postgres";
import { combineKeySets, jwksKeys, KeyError, type KeySet, pemKeys, type RemoteKeySet, remoteJwksKeys, secretKeys } from "../auth/mod.ts";
import { createWorkspacesHandler, type HandlerEndpoint, type HandlerEvent, type LogLevel, type WorkspacesHandler } from "../handler/mod.ts";
import { createLogger, type LogEvent, stdoutIsTerminal } from "../observe/mod.ts";
import { postgresRepository, pgliteRepository, type WorkspaceRepository } from "../repository/mod.ts";
import { postgresReplicaHealth } from "../repository/postgres_replicas.ts";
import { describeReplicaEvent, type ReadReplica, type ReplicaEvent, replicatedRepository } from "../repository/replicas.ts";
import { guardedRepository, poolerGuard, type PoolerSign, schemaFirst } from "./_database.ts";
import { DEMO_EMPTY_USER, DEMO_SYSTEM_USER, DEMO_UPTIMER_USER, DEMO_USER } from "../repository/demo.ts";
import { openEmbeddedDatabase } from "../repository/embedded.ts";
import { lockDataDir } from "../runtime/lock.ts";
import { currentRuntime } from "../runtime/process.ts";
import { ConfigError, type ConfigProblem, type ServerConfig } from "./config.ts";
import type { DatabaseUrl } from "./database_url.ts";

/** A running lobby without its listener. */
export interface StandaloneApp {
  /** The handler. */
  readonly handler: WorkspacesHandler;
  /** `"postgres"` with `DATABASE_URL`, else `"embedded"`. */
  readonly database: "postgres" | "embedded";
  /** Where the data is, safe to print: the redacted URL, or the data directory. */
  readonly databaseLabel: string;
  /**
   * Set in demo mode: the main demo user and a token for it, and a token for
   * each of the other demo users (`others`: the system example's user, the
   * uptimer example's user, a user with no workspaces).
   */
  readonly demo:
    | {
      readonly userId: string;
      readonly token: string;
      readonly expiresAt: number;
      readonly others: readonly { readonly userId: string; readonly token: string }[];
    }
    | undefined;
  /**
   * The server's log: the handler's events and the server's own
   * (`server_ready`, `server_stopping`…), as `LOG_FORMAT` and `LOG_LEVEL`
   * say, or to `options.log`.
   */
  readonly log: (event: LogEvent | HandlerEvent) => void;
  /** How the log is written: `json` or `text`; `undefined` when `options.log` receives the events. */
  readonly logFormat: "json" | "text" | undefined;
  /** Closes the database pool or the embedded database, lets go of the data directory, and writes the log lines still waiting. */
  close(): Promise<void>;
}

/** Options of {@link createStandaloneApp}. */
export interface StandaloneOptions {
  /** The clock in epoch milliseconds. */
  readonly now: () => number;
  /**
   * Receives the handler's events from `logLevel` up (default: lines on
   * standard output as `LOG_FORMAT` and `LOG_LEVEL` say).
   */
  readonly log?: (event: HandlerEvent) => void;
  /** With `log`: the least level it receives (default `warn`, the handler's). */
  readonly logLevel?: LogLevel;
}

/** How long the printed demo token stays valid. */
const DEMO_TOKEN_SECONDS = 24 * 60 * 60;

/**
 * Imports the keys, opens the database and builds the handler.
 *
 * Every configured key source is used at once (a secret, PEM public keys,
 * an inline JWK Set, a remote JWK Set), each imported once; a key that
 * cannot be imported is a {@link ConfigError} naming its variable. A remote
 * JWK Set is fetched in the background at start, and lobby answers 401
 * until its keys arrive. With `DATABASE_URL` the schema is applied on the
 * first call that reaches the server, so lobby starts (and answers 503)
 * while the database is down; with `DATABASE_MIGRATION_URL` it is applied
 * through that URL instead (the primary, directly, when `DATABASE_URL` is a
 * transaction pooler). With `DATABASE_READ_URL` listings go to the replicas
 * that are up and within `DATABASE_READ_MAX_LAG` (see
 * `replicatedRepository`), each switch logged once. A `DATABASE_URL` that
 * leads to PgBouncer without saying `pgbouncer=true` is noticed on its
 * first refusal, adapted to and logged. Embedded PGlite takes its data directory for
 * itself (a lock file with this process id): a second server on the same
 * directory is refused.
 *
 * @throws {ConfigError} If a key cannot be imported or the data directory cannot be used.
 *
 * @example
 * ```ts
 * import { configFromEnvironment } from "./config.ts";
 * import { createStandaloneApp } from "./app.ts";
 * const config = configFromEnvironment({ DATABASE_URL: "postgres://lobby@127.0.0.1:1/none", JWT_SECRET: "a secret of at least thirty-two bytes!" });
 * const app = await createStandaloneApp(config, { now: Date.now });
 * await app.close();
 * ```
 */
export async function createStandaloneApp(config: ServerConfig, options: StandaloneOptions): Promise<StandaloneApp> {
  const demoSecret = config.demo ? encodeBase64urlNoPadding(crypto.getRandomValues(new Uint8Array(32))) : undefined;
  const { keys, remotes } = demoSecret === undefined ? await configuredKeys(config, options.now) : { keys: await secretKeys(demoSecret), remotes: [] };
  const store = config.databaseUrl === undefined ? await embedded(config.dataDir) : server(config, (event) => log(event));
  const logFormat = options.log === undefined ? config.logFormat ?? (stdoutIsTerminal() ? "text" : "json") : undefined;
  const logger = logFormat === undefined ? undefined : createLogger({ format: logFormat, level: config.logLevel });
  const log: (event: LogEvent | HandlerEvent) => void = logger ?? (options.log as (event: LogEvent | HandlerEvent) => void);
  logger?.({
    event: "server_starting",
    level: "info",
    runtime: currentRuntime(),
    database: store.label,
    demo: demoSecret !== undefined,
    metrics: config.metrics,
    cors: config.corsOrigins === undefined ? "off" : config.corsOrigins === "*" ? "*" : config.corsOrigins.join(","),
  });
  // The standalone server's own endpoints, by exact path, answered by the
  // handler with a request id, an access log line and CORS.
  const routes: Record<string, HandlerEndpoint> = {
    "/openapi.json": async () => (await import("./openapi.ts")).openApiAnswer(),
  };
  const metrics = config.metrics ? await prometheusMetricsOf(remotes) : undefined;
  if (metrics !== undefined) routes["/metrics"] = metrics.endpoint;
  // Keys imported up front are loaded; a remote JWK Set has keys once a fetch succeeded.
  const keysLoaded = remotes.length === 0 || demoSecret !== undefined || config.secret !== undefined || config.publicKey !== undefined ||
      config.jwks !== undefined
    ? () => true
    : () => remotes.some((remote) => remote.keyCount > 0);
  const workspaces = createWorkspacesHandler({
    repository: store.repository,
    auth: {
      keys,
      issuer: config.issuer,
      audience: config.audience,
      clockSkewSeconds: config.clockSkewSeconds,
      subjectClaim: config.subjectClaim,
      clientHashClaim: config.clientHashClaim,
      type: config.type,
      maxAgeSeconds: config.maxAgeSeconds,
    },
    now: options.now,
    log,
    logLevel: logger?.level ?? options.logLevel,
    health: { live: "/healthz", ready: "/readyz", keysLoaded },
    cors: config.corsOrigins === undefined
      ? undefined
      : { origins: config.corsOrigins, credentials: config.corsCredentials, maxAgeSeconds: config.corsMaxAgeSeconds },
    endpoints: routes,
    metrics: metrics?.handler,
    cache: { entries: config.listingCacheEntries, bytes: config.listingCacheBytes },
  });
  // Fetched now rather than on the first request; the handler is already
  // watching the key sets, so a failure reaches its log.
  for (const remote of remotes) void remote.refresh();
  return {
    handler: workspaces,
    database: config.databaseUrl === undefined ? "embedded" : "postgres",
    databaseLabel: store.label,
    demo: demoSecret === undefined ? undefined : await demoToken(config, demoSecret, options.now),
    log,
    logFormat,
    close: async () => {
      try {
        await store.close();
      } finally {
        logger?.flush();
      }
    },
  };
}

// prom-client is loaded only when METRICS=1.
async function prometheusMetricsOf(remotes: readonly RemoteKeySet[]) {
  const { prometheusMetrics } = await import("../observe/metrics.ts");
  const metrics = await prometheusMetrics();
  for (const remote of remotes) metrics.watchKeySource(remote);
  return metrics;
}

// The key sets the configuration names, each imported once; every key
// that cannot be imported is reported, naming its variable.
async function configuredKeys(config: ServerConfig, now: () => number): Promise<{ keys: KeySet; remotes: RemoteKeySet[] }> {
  const sets: KeySet[] = [];
  const remotes: RemoteKeySet[] = [];
  const problems: ConfigProblem[] = [];
  async function add(variable: string, make: () => Promise<KeySet> | KeySet): Promise<void> {
    try {
      sets.push(await make());
    } catch (error) {
      problems.push(keyProblem(variable, error));
    }
  }
  if (config.secret !== undefined) await add("JWT_SECRET", () => secretKeys(config.secret!));
  if (config.publicKey !== undefined) await add("JWT_PUBLIC_KEY", () => pemKeys(config.publicKey!, { alg: config.publicKeyAlg }));
  if (config.jwks !== undefined) await add("JWT_JWKS", () => jwksKeys(config.jwks!));
  if (config.jwksUrl !== undefined) {
    await add("JWT_JWKS_URL", () => {
      const remote = remoteJwksKeys(config.jwksUrl!, {
        minCacheSeconds: config.jwksMinAgeSeconds,
        maxCacheSeconds: config.jwksMaxAgeSeconds,
        cooldownSeconds: config.jwksCooldownSeconds,
        now,
      });
      remotes.push(remote);
      return remote;
    });
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return { keys: sets.length === 1 ? sets[0]! : combineKeySets(...sets), remotes };
}

// Which other variable shares the blame, by the problem's code; the
// details never contain key material.
function keyProblem(variable: string, error: unknown): ConfigProblem {
  if (!(error instanceof KeyError)) throw error;
  const withAlgorithm = variable === "JWT_PUBLIC_KEY" && (error.code === "rsa_without_alg" || error.code === "alg_mismatch");
  return withAlgorithm
    ? { variable, with: ["JWT_PUBLIC_KEY_ALG"], problem: `is not usable: ${error.detail}` }
    : { variable, problem: `is not usable: ${error.detail}` };
}

interface Store {
  readonly repository: WorkspaceRepository;
  readonly label: string;
  close(): Promise<void>;
}

async function embedded(dataDir: string): Promise<Store> {
  if (dataDir.startsWith("memory://")) {
    const db = await openEmbeddedDatabase(undefined);
    return { repository: pgliteRepository(db), label: "embedded PGlite in memory", close: () => db.close() };
  }
  const lock = await lockDataDir(dataDir);
  if (!lock.ok) throw new ConfigError([{ variable: "LOBBY_DATA_DIR", problem: lock.problem }]);
  try {
    const db = await openEmbeddedDatabase(dataDir);
    return {
      repository: pgliteRepository(db),
      label: `embedded PGlite in ${dataDir}`,
      close: async () => {
        await db.close();
        await lock.release();
      },
    };
  } catch {
    await lock.release();
    // PGlite's own errors carry its compiled source; none of it helps here.
    throw new ConfigError([{
      variable: "LOBBY_DATA_DIR",
      problem: `(${dataDir}) holds no database PGlite can open: it may be damaged or from another version; ` +
        "move it away to start with fresh demo data, or point LOBBY_DATA_DIR elsewhere",
    }]);
  }
}

// The Postgres repository: DATABASE_URL for everything that writes and,
// without replicas, for reads; DATABASE_MIGRATION_URL for the schema when
// set; DATABASE_READ_URL's replicas for reads when set.
function server(config: ServerConfig, log: (event: LogEvent) => void): Store {
  const url = config.databaseUrl!;
  const clients: postgres.Sql[] = [];
  const connect = (to: DatabaseUrl, variable: string) => {
    const sql = postgres(clientOptions(to));
    clients.push(sql);
    const guard = poolerGuard(sql, (sign) => log(poolerEvent(variable, to, sign)));
    return { sql, guard };
  };
  const main = connect(url, "DATABASE_URL");
  const migrationUrl = config.migrationUrl;
  // LOBBY_MIGRATE=0: the schema is `lobby migrate`'s, and serving needs no right to create anything.
  let primary = guardedRepository(postgresRepository(main.sql, { applySchema: config.migrate && migrationUrl === undefined }), main.guard);
  if (config.migrate && migrationUrl !== undefined) {
    // One session, no statement timeout (the first run rebuilds the read
    // model), closed when idle: the migration runs once per start.
    const migration = postgres({ ...clientOptions(migrationUrl), max: 1, idle_timeout: 5, connection: { application_name: migrationUrl.applicationName ?? "lobby migrate" } });
    clients.push(migration);
    primary = schemaFirst(primary, (text) => migration.unsafe(text));
  }
  const replicas: ReadReplica[] = (config.readUrls ?? []).map((readUrl) => {
    const replica = connect(readUrl, "DATABASE_READ_URL");
    const health = postgresReplicaHealth(replica.sql);
    return {
      name: readUrl.redacted,
      repository: guardedRepository(postgresRepository(replica.sql), replica.guard),
      health: () => replica.guard(health),
    };
  });
  const repository = replicas.length === 0 ? primary : replicatedRepository(primary, replicas, {
    maxLagSeconds: config.readMaxLagSeconds,
    onEvent: (event) => log(replicaLogEvent(event)),
  });
  const more = [
    ...(replicas.length === 0 ? [] : [`reads on ${replicas.length === 1 ? "a replica" : `${replicas.length} replicas`}`]),
    ...(migrationUrl === undefined ? [] : [`migrations at ${migrationUrl.redacted}`]),
  ];
  return {
    repository,
    label: `Postgres at ${url.redacted}${more.length === 0 ? "" : ` (${more.join(", ")})`}`,
    close: async () => {
      await Promise.all(clients.map((sql) => sql.end({ timeout: 5 })));
    },
  };
}

// A switch of where reads go, for the server's log.
function replicaLogEvent(event: ReplicaEvent): LogEvent {
  const level = event.event === "replica_skipped" || event.event === "reads_on_primary" ? "warn" : "info";
  return { ...event, level, message: describeReplicaEvent(event) };
}

// A pooler noticed on a URL that did not say so, with what to write instead.
function poolerEvent(variable: string, url: DatabaseUrl, sign: PoolerSign): LogEvent {
  const seen = sign === "startup_parameter" ? "it refused the startup parameter statement_timeout" : "a prepared statement vanished between transactions";
  return {
    event: "database_pooler_detected",
    level: "warn",
    variable,
    database: url.redacted,
    sign,
    message: `${variable} leads to a transaction pooler such as PgBouncer (${seen}): prepared statements and the ` +
      `statement_timeout startup parameter are off from now on; add pgbouncer=true to ${variable}, so that the ` +
      "requests after the next start do not fail before this is noticed again, and give the database role a " +
      "statement_timeout (ALTER ROLE … SET statement_timeout = '5s')",
  };
}

// postgres.js options for one URL, as the standalone server connects.
function clientOptions(url: DatabaseUrl) {
  // One host as strings (a socket directory works only so); several as the
  // lists postgres.js's own URL parsing makes, which its types do not name.
  const single = url.hosts.length === 1;
  const options: postgres.Options<Record<string, never>> = {
    host: single ? url.hosts[0] : url.hosts as unknown as string,
    port: single ? url.ports[0] : url.ports as unknown as number,
    user: url.user,
    password: url.password,
    database: url.database,
    ssl: postgresSsl(url.sslmode),
    prepare: url.prepare,
    // Behind a transaction pooler (prepare=false, pgbouncer=true) nothing may
    // be pipelined: PgBouncer 1.18 can lose a parameterized query pipelined
    // behind another one's Sync, and that connection then waits forever
    // (pgbouncer/pgbouncer#759; Supavisor wedges likewise,
    // porsager/postgres#970). Without prepared statements postgres.js
    // pipelines none of lobby's queries (see postgresRepository), so
    // max_pipeline stays as it is: at 0 postgres.js would never call the
    // hook through which lobby repairs its pool.
    max: 10,
    // A dead server fails a connection attempt within 2 s, and a returning
    // one is tried again within half a second: postgres.js's own backoff
    // grows to 20 s between attempts, which kept lobby away from a database
    // long after it was back. The repository refuses requests meanwhile.
    connect_timeout: 2,
    backoff: (attempt: number) => Math.min(0.05 * 2 ** attempt, 0.5) * (0.5 + Math.random() / 2),
    idle_timeout: 60,
    // postgres.js's first query on each new connection (the array types;
    // lobby sends no arrays) rejects unhandled when that connection dies
    // meanwhile, which ends a Node process, and replays its error onto the
    // next query (porsager/postgres#1192, #1223): a replica or a primary
    // restarting under load does exactly that.
    fetch_types: false,
    onnotice: () => {},
    // The handler's deadline: a query sent before it passed ends by then.
    // PgBouncer refuses it as a startup parameter: behind it, the role's
    // own statement_timeout is the bound (see the README).
    connection: url.pgbouncer
      ? { application_name: url.applicationName ?? "lobby" }
      : { application_name: url.applicationName ?? "lobby", statement_timeout: 5000 },
  };
  return options;
}

// libpq's sslmode as postgres.js takes it; verify-ca is verified in full.
function postgresSsl(sslmode: string | undefined): "require" | "allow" | "prefer" | "verify-full" | false {
  if (sslmode === undefined || sslmode === "disable") return false;
  if (sslmode === "verify-ca") return "verify-full";
  return sslmode as "require" | "allow" | "prefer" | "verify-full";
}

async function demoToken(config: ServerConfig, secret: string, now: () => number): Promise<NonNullable<StandaloneApp["demo"]>> {
  const issuedAt = Math.floor(now() / 1000);
  // The demo token passes every configured check, JWT_MAX_AGE and JWT_TYPE included.
  const expiresAt = issuedAt + Math.min(DEMO_TOKEN_SECONDS, config.maxAgeSeconds ?? DEMO_TOKEN_SECONDS);
  const tokenFor = (userId: string): Promise<string> => {
    const claims: Record<string, unknown> = { [config.subjectClaim]: userId, iat: issuedAt, exp: expiresAt };
    if (config.issuer !== undefined) claims.iss = config.issuer[0];
    if (config.audience !== undefined) claims.aud = config.audience[0];
    return signHs256(secret, claims, config.type ?? "JWT");
  };
  const others = await Promise.all(
    [DEMO_SYSTEM_USER, DEMO_UPTIMER_USER, DEMO_EMPTY_USER].map(async (userId) => ({ userId, token: await tokenFor(userId) })),
  );
  return { userId: DEMO_USER, token: await tokenFor(DEMO_USER), expiresAt, others };
}

async function signHs256(secret: string, claims: Record<string, unknown>, typ: string): Promise<string> {
  const encoder = new TextEncoder();
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const header = encodeBase64urlNoPadding(encoder.encode(JSON.stringify({ alg: "HS256", typ })));
  const payload = encodeBase64urlNoPadding(encoder.encode(JSON.stringify(claims)));
  const input = `${header}.${payload}`;
  const signature = new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(input)));
  return `${input}.${encodeBase64urlNoPadding(signature)}`;
}
