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
import { createWorkspacesHandler, type HandlerEvent, type LogLevel, type WorkspacesHandler } from "../handler/mod.ts";
import { createLogger, type LogEvent, stdoutIsTerminal } from "../observe/mod.ts";
import { postgresRepository, pgliteRepository, type WorkspaceRepository } from "../repository/mod.ts";
import { DEMO_USER } from "../repository/demo.ts";
import { openEmbeddedDatabase } from "../repository/embedded.ts";
import { lockDataDir } from "../runtime/lock.ts";
import { currentRuntime } from "../runtime/process.ts";
import { ConfigError, type ConfigProblem, type ServerConfig } from "./config.ts";
import type { DatabaseUrl } from "./database_url.ts";
import type { StandaloneRoute } from "./routes.ts";

/** A running lobby without its listener. */
export interface StandaloneApp {
  /** The handler. */
  readonly handler: WorkspacesHandler;
  /** `"postgres"` with `DATABASE_URL`, else `"embedded"`. */
  readonly database: "postgres" | "embedded";
  /** Where the data is, safe to print: the redacted URL, or the data directory. */
  readonly databaseLabel: string;
  /** Set in demo mode: a demo user and a token for it. */
  readonly demo: { readonly userId: string; readonly token: string; readonly expiresAt: number } | undefined;
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
 * while the database is down. Embedded PGlite takes its data directory for
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
  const store = config.databaseUrl === undefined ? await embedded(config.dataDir) : server(config.databaseUrl);
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
  const routes: Record<string, StandaloneRoute> = {};
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

function server(url: DatabaseUrl): Store {
  // One host as strings (a socket directory works only so); several as the
  // lists postgres.js's own URL parsing makes, which its types do not name.
  const single = url.hosts.length === 1;
  const options: postgres.Options<{}> = {
    host: single ? url.hosts[0] : url.hosts as unknown as string,
    port: single ? url.ports[0] : url.ports as unknown as number,
    user: url.user,
    password: url.password,
    database: url.database,
    ssl: postgresSsl(url.sslmode),
    prepare: url.prepare,
    max: 10,
    // A dead server fails a connection attempt within 2 s, and a returning
    // one is tried again within half a second: postgres.js's own backoff
    // grows to 20 s between attempts, which kept lobby away from a database
    // long after it was back. The repository refuses requests meanwhile.
    connect_timeout: 2,
    backoff: (attempt: number) => Math.min(0.05 * 2 ** attempt, 0.5) * (0.5 + Math.random() / 2),
    idle_timeout: 60,
    onnotice: () => {},
    // The handler's deadline: a query sent before it passed ends by then.
    connection: { application_name: url.applicationName ?? "lobby", statement_timeout: 5000 },
  };
  const sql = postgres(options);
  return {
    repository: postgresRepository(sql, { applySchema: true }),
    label: `Postgres at ${url.redacted}`,
    close: () => sql.end({ timeout: 5 }),
  };
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
  const claims: Record<string, unknown> = { [config.subjectClaim]: DEMO_USER, iat: issuedAt, exp: expiresAt };
  if (config.issuer !== undefined) claims.iss = config.issuer[0];
  if (config.audience !== undefined) claims.aud = config.audience[0];
  return { userId: DEMO_USER, token: await signHs256(secret, claims, config.type ?? "JWT"), expiresAt };
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
