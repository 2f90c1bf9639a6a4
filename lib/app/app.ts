/**
 * The standalone server's parts, composed from its configuration: the
 * repository (Postgres server or embedded PGlite), the keys (configured or a
 * demo secret) and the handler. No runtime-specific code: `serve.ts` listens.
 *
 * @module
 */
import { encodeBase64urlNoPadding } from "@oslojs/encoding";
import postgres from "postgres";
import { ConfigError, type ServerConfig } from "./config.ts";
import { createWorkspacesHandler, type FetchHandler, type HandlerEvent } from "../handler/handler.ts";
import { jwksKeys } from "../auth/jwk.ts";
import { type RemoteKeySet, remoteJwksKeys } from "../auth/jwks.ts";
import { combineKeySets, type KeySet, secretKeys } from "../auth/keys.ts";
import { pemKeys } from "../auth/pem.ts";
import { DEMO_USER } from "../repository/demo.ts";
import { openEmbeddedDatabase, pgliteRepository } from "../repository/pglite.ts";
import { postgresRepository } from "../repository/postgres.ts";
import type { WorkspaceRepository } from "../repository/repository.ts";

/** A running lobby without its listener: what `serve.ts` puts on a port. */
export interface StandaloneApp {
  /** The fetch handler. */
  readonly handler: FetchHandler;
  /** `"postgres"` with `DATABASE_URL`, else `"embedded"`. */
  readonly database: "postgres" | "embedded";
  /** Set in demo mode (no key source configured at all): a demo user and a token for it. */
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
 * Every configured key source is used at once (a secret, PEM public keys,
 * an inline JWKS, a remote JWKS); a remote JWKS is fetched in the
 * background at start, and lobby answers 401 until its keys arrive. With no
 * key source at all it makes a random secret and a demo token.
 *
 * @throws {ConfigError} If a configured key cannot be imported (the message
 *   names the variable, never the key).
 *
 * @example
 * ```ts
 * import { configFromEnvironment } from "./config.ts";
 * import { createStandaloneApp } from "./app.ts";
 * const app = await createStandaloneApp(configFromEnvironment({ LOBBY_DATA_DIR: "memory://" }), { now: Date.now });
 * await app.close();
 * ```
 */
export async function createStandaloneApp(config: ServerConfig, options: StandaloneOptions): Promise<StandaloneApp> {
  const { sets: configured, remotes } = await _keySets(config, options.now);
  const secret = configured.length === 0
    ? encodeBase64urlNoPadding(crypto.getRandomValues(new Uint8Array(32)))
    : undefined;
  const keys = secret !== undefined
    ? await secretKeys(secret)
    : configured.length === 1
    ? configured[0]!
    : combineKeySets(...configured);
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
      type: config.type,
      maxAgeSeconds: config.maxAgeSeconds,
    },
    now: options.now,
    log: options.log,
  });
  // Fetched now rather than on the first request; the handler is already
  // watching the key sets, so a failure reaches its log.
  for (const remote of remotes) void remote.refresh();
  let demo: StandaloneApp["demo"];
  if (secret !== undefined) {
    const issuedAt = Math.floor(options.now() / 1000);
    // The demo token passes every configured check, JWT_MAX_AGE and JWT_TYPE included.
    const expiresAt = issuedAt + Math.min(DEMO_TOKEN_SECONDS, config.maxAgeSeconds ?? DEMO_TOKEN_SECONDS);
    const claims: Record<string, unknown> = {
      [config.subjectClaim]: DEMO_USER,
      iat: issuedAt,
      exp: expiresAt,
    };
    if (config.issuer !== undefined) claims.iss = config.issuer[0];
    if (config.audience !== undefined) claims.aud = config.audience[0];
    demo = { userId: DEMO_USER, token: await _signHs256(secret, claims, config.type ?? "JWT"), expiresAt };
  }
  return {
    handler,
    database: config.databaseUrl === undefined ? "embedded" : "postgres",
    demo,
    close,
  };
}

// The key sets the configuration names, each imported once; a key that
// cannot be imported is a configuration error naming its variable.
async function _keySets(
  config: ServerConfig,
  now: () => number,
): Promise<{ sets: KeySet[]; remotes: RemoteKeySet[] }> {
  const sets: KeySet[] = [];
  const remotes: RemoteKeySet[] = [];
  async function add(variable: string, make: () => Promise<KeySet> | KeySet): Promise<void> {
    try {
      sets.push(await make());
    } catch (error) {
      // The key functions' messages never contain key material.
      throw new ConfigError([`${variable} ${(error as Error).message.replace(/^\w+: /, "")}`]);
    }
  }
  if (config.secret !== undefined) await add("JWT_SECRET", () => secretKeys(config.secret!));
  if (config.publicKey !== undefined) {
    await add("JWT_PUBLIC_KEY", () => pemKeys(config.publicKey!, { alg: config.publicKeyAlg }));
  }
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
  return { sets, remotes };
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

async function _signHs256(secret: string, claims: Record<string, unknown>, typ: string): Promise<string> {
  const encoder = new TextEncoder();
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ]);
  const header = encodeBase64urlNoPadding(encoder.encode(JSON.stringify({ alg: "HS256", typ })));
  const payload = encodeBase64urlNoPadding(encoder.encode(JSON.stringify(claims)));
  const input = `${header}.${payload}`;
  const signature = new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(input)));
  return `${input}.${encodeBase64urlNoPadding(signature)}`;
}
