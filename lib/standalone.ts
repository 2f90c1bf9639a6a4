/**
 * The standalone server's parts, composed from its configuration: the
 * repository (Postgres server or embedded PGlite), the keys (configured or a
 * demo secret) and the handler. No runtime-specific code: `serve.ts` listens.
 *
 * @module
 */
import { encodeBase64urlNoPadding } from "@oslojs/encoding";
import postgres from "postgres";
import type { ServerConfig } from "./config.ts";
import { createWorkspacesHandler, type FetchHandler, type HandlerEvent } from "./handler.ts";
import { secretKeys } from "./keys.ts";
import { DEMO_USER } from "./repository/demo.ts";
import { openEmbeddedDatabase, pgliteRepository } from "./repository/pglite.ts";
import { postgresRepository } from "./repository/postgres.ts";
import type { WorkspaceRepository } from "./repository/repository.ts";

/** A running lobby without its listener: what `serve.ts` puts on a port. */
export interface StandaloneApp {
  /** The fetch handler. */
  readonly handler: FetchHandler;
  /** `"postgres"` with `DATABASE_URL`, else `"embedded"`. */
  readonly database: "postgres" | "embedded";
  /** Set in demo mode (no key configured): a demo user and a token for it. */
  readonly demo: { readonly userId: string; readonly token: string; readonly expiresAt: number } | undefined;
  /** Closes the database pool or the embedded database. */
  close(): Promise<void>;
}

/** Options of {@link createStandaloneApp}. */
export interface StandaloneOptions {
  /** The clock in epoch milliseconds. */
  readonly now: () => number;
  /** Receives the handler's events (auth rejections, errors). */
  readonly log?: (event: HandlerEvent) => void;
}

/** How long the printed demo token stays valid. */
const DEMO_TOKEN_SECONDS = 24 * 60 * 60;

/**
 * Opens the database and builds the handler for a configuration.
 *
 * With `DATABASE_URL` the schema is applied on the first call that reaches
 * the server, so lobby starts (and answers 503) while the database is down.
 * With no secret configured it makes a random one and a demo token.
 *
 * @example
 * ```ts
 * import { configFromEnvironment } from "./config.ts";
 * import { createStandaloneApp } from "./standalone.ts";
 * const app = await createStandaloneApp(configFromEnvironment({ LOBBY_DATA_DIR: "memory://" }), { now: Date.now });
 * await app.close();
 * ```
 */
export async function createStandaloneApp(config: ServerConfig, options: StandaloneOptions): Promise<StandaloneApp> {
  const secret = config.secret ?? encodeBase64urlNoPadding(crypto.getRandomValues(new Uint8Array(32)));
  const keys = await secretKeys(secret);
  const { repository, close } = config.databaseUrl === undefined
    ? await _embedded(config.dataDir)
    : _server(config.databaseUrl);
  const handler = createWorkspacesHandler({
    repository,
    auth: {
      keys,
      issuer: config.issuer,
      audience: config.audience,
      clockSkewSeconds: config.clockSkewSeconds,
      subjectClaim: config.subjectClaim,
      clientHashClaim: config.clientHashClaim,
    },
    now: options.now,
    log: options.log,
  });
  let demo: StandaloneApp["demo"];
  if (config.secret === undefined) {
    const issuedAt = Math.floor(options.now() / 1000);
    const claims: Record<string, unknown> = {
      [config.subjectClaim]: DEMO_USER,
      iat: issuedAt,
      exp: issuedAt + DEMO_TOKEN_SECONDS,
    };
    if (config.issuer !== undefined) claims.iss = config.issuer[0];
    if (config.audience !== undefined) claims.aud = config.audience[0];
    demo = { userId: DEMO_USER, token: await _signHs256(secret, claims), expiresAt: issuedAt + DEMO_TOKEN_SECONDS };
  }
  return {
    handler,
    database: config.databaseUrl === undefined ? "embedded" : "postgres",
    demo,
    close,
  };
}

async function _embedded(dataDir: string): Promise<{ repository: WorkspaceRepository; close: () => Promise<void> }> {
  const db = await openEmbeddedDatabase(dataDir === "memory://" ? undefined : dataDir);
  return { repository: pgliteRepository(db), close: () => db.close() };
}

function _server(url: string): { repository: WorkspaceRepository; close: () => Promise<void> } {
  const sql = postgres(url, {
    max: 10,
    connect_timeout: 3,
    idle_timeout: 60,
    onnotice: () => {},
    connection: { application_name: "lobby", statement_timeout: 5000 },
  });
  return {
    repository: postgresRepository(sql, { applySchema: true }),
    close: () => sql.end({ timeout: 5 }),
  };
}

async function _signHs256(secret: string, claims: Record<string, unknown>): Promise<string> {
  const encoder = new TextEncoder();
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ]);
  const header = encodeBase64urlNoPadding(encoder.encode(JSON.stringify({ alg: "HS256", typ: "JWT" })));
  const payload = encodeBase64urlNoPadding(encoder.encode(JSON.stringify(claims)));
  const input = `${header}.${payload}`;
  const signature = new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(input)));
  return `${input}.${encodeBase64urlNoPadding(signature)}`;
}
