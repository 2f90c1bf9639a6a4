/**
 * The standalone server's configuration, read from environment variables
 * and checked once at start-up with messages that name the variable.
 *
 * @module
 */
import * as v from "valibot";
import { issueProblem } from "../_options.ts";
import { isJwksUrlAllowed, PUBLIC_KEY_ALGORITHMS, type PublicKeyAlgorithm } from "../auth/mod.ts";
import { LOG_LEVELS, type LogLevel } from "../handler/mod.ts";
import { isSerializedOrigin } from "../handler/_cors.ts";
import { type DatabaseUrl, parseDatabaseUrl, parseDatabaseUrls } from "./database_url.ts";

/** The standalone server's settings, after checking. */
export interface ServerConfig {
  /** `PORT`: TCP port (default 8080; 0 picks a free one). */
  readonly port: number;
  /** `HOST`: interface to listen on (default `127.0.0.1`). */
  readonly host: string;
  /** `DATABASE_URL`: a Postgres server, read by lobby; absent means embedded PGlite. */
  readonly databaseUrl: DatabaseUrl | undefined;
  /** No key source and no `DATABASE_URL`: a random secret and demo tokens, over the embedded demo data. */
  readonly demo: boolean;
  /** `LOBBY_DATA_DIR`: where embedded PGlite keeps its files (default `.lobby/pglite`; `memory://` keeps nothing). */
  readonly dataDir: string;
  /** `JWT_SECRET`: the HMAC secret, at least 32 bytes. */
  readonly secret: string | undefined;
  /** `JWT_ISSUER`: accepted issuers, comma-separated. */
  readonly issuer: readonly string[] | undefined;
  /** `JWT_AUDIENCE`: accepted audiences, comma-separated. */
  readonly audience: readonly string[] | undefined;
  /** `JWT_CLOCK_SKEW`: leeway in seconds for `exp`, `nbf` and `iat` (default 30). */
  readonly clockSkewSeconds: number;
  /** `JWT_SUBJECT_CLAIM`: the claim holding the user id (default `sub`). */
  readonly subjectClaim: string;
  /** `JWT_CLIENT_HASH_CLAIM`: the claim binding a token to `X-Client-Hash` (default `chash`). */
  readonly clientHashClaim: string;
  /** `JWT_PUBLIC_KEY`: one or more PEM public keys (SPKI). */
  readonly publicKey: string | undefined;
  /** `JWT_PUBLIC_KEY_ALG`: their algorithm; required for RSA keys, derived for EC and Ed25519 keys. */
  readonly publicKeyAlg: PublicKeyAlgorithm | undefined;
  /** `JWT_JWKS`: an inline JWK Set (JSON text). */
  readonly jwks: string | undefined;
  /** `JWT_JWKS_URL`: a remote JWK Set (`https:`, or `http:` on localhost). */
  readonly jwksUrl: string | undefined;
  /** `JWT_JWKS_MIN_AGE`: shortest time a fetched JWKS is used, in seconds (default 60). */
  readonly jwksMinAgeSeconds: number;
  /** `JWT_JWKS_MAX_AGE`: longest time a fetched JWKS is used, in seconds (default 86400). */
  readonly jwksMaxAgeSeconds: number;
  /** `JWT_JWKS_COOLDOWN`: least time between two JWKS fetches, in seconds (default 30). */
  readonly jwksCooldownSeconds: number;
  /** `JWT_TYPE`: the required header `typ`, such as `at+jwt`. */
  readonly type: string | undefined;
  /** `JWT_MAX_AGE`: the oldest token accepted, in seconds since its `iat`. */
  readonly maxAgeSeconds: number | undefined;
  /** `SHUTDOWN_TIMEOUT`: how long a stop signal lets in-flight requests finish, in seconds (default 10). */
  readonly shutdownTimeoutSeconds: number;
  /** `HTTP_HEADERS_TIMEOUT`: how long a client may take to send its request headers, in seconds (default 10). */
  readonly headersTimeoutSeconds: number;
  /** `HTTP_REQUEST_TIMEOUT`: how long a whole request may take to arrive, in seconds (default 30). */
  readonly requestTimeoutSeconds: number;
  /** `HTTP_MAX_CONNECTIONS`: the most open connections; more are refused (default 1024). */
  readonly maxConnections: number;
  /** `LOG_FORMAT`: `json` or `text`; unset, text on a terminal and JSON otherwise. */
  readonly logFormat: "json" | "text" | undefined;
  /** `LOG_LEVEL`: the least level logged (default `info`). */
  readonly logLevel: LogLevel;
  /** `METRICS=1`: serve Prometheus metrics on `GET /metrics` (default off). */
  readonly metrics: boolean;
  /** `CORS_ORIGINS`: the browser origins allowed, or `"*"`; unset, CORS is off. */
  readonly corsOrigins: readonly string[] | "*" | undefined;
  /** `CORS_CREDENTIALS=1`: allow credentials mode (not with `CORS_ORIGINS=*`; default off). */
  readonly corsCredentials: boolean;
  /** `CORS_MAX_AGE`: how long a browser may keep a preflight's answer, in seconds (default 600). */
  readonly corsMaxAgeSeconds: number;
  /**
   * `DATABASE_MIGRATION_URL`: a direct (session) connection to the primary
   * for the schema migration, when `DATABASE_URL` is a transaction pooler;
   * absent, the migration runs through `DATABASE_URL`.
   */
  readonly migrationUrl: DatabaseUrl | undefined;
  /** `DATABASE_READ_URL`: read replicas (comma-separated); listings go to them, everything else to `DATABASE_URL`. */
  readonly readUrls: readonly DatabaseUrl[] | undefined;
  /** `DATABASE_READ_MAX_LAG`: the most a replica may lag behind to take reads, in seconds (default 5). */
  readonly readMaxLagSeconds: number;
  /** `LOBBY_MIGRATE`: apply lobby's schema when serving (`1`, the default) or leave it to `lobby migrate` (`0`). */
  readonly migrate: boolean;
  /** `LISTING_CACHE_ENTRIES`: how many encoded listings the handler keeps (default 10000; 0 turns the cache off). */
  readonly listingCacheEntries: number;
  /**
   * `LISTING_CACHE_BYTES`: how large they may be together, counted in UTF-16
   * code units of their JSON text (default 33554432, 32 MiB; 0 turns the cache off).
   */
  readonly listingCacheBytes: number;
}

/** One thing wrong with the configuration, as data. */
export interface ConfigProblem {
  /** The variable to fix. */
  readonly variable: string;
  /** Other variables involved, such as the algorithm of a key that does not fit it. */
  readonly with?: readonly string[];
  /** What is wrong, a sentence that reads after the variable's name; never a secret's value. */
  readonly problem: string;
}

/**
 * Writes a problem as one line: `VARIABLE (with OTHER) problem`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatProblem } from "./config.ts";
 * assert.equal(formatProblem({ variable: "PORT", problem: "must be an integer from 0 to 65535" }), "PORT must be an integer from 0 to 65535");
 * ```
 */
export function formatProblem({ variable, with: others, problem }: ConfigProblem): string {
  return others === undefined || others.length === 0 ? `${variable} ${problem}` : `${variable} (with ${others.join(", ")}) ${problem}`;
}

/**
 * A configuration that cannot start a server. `problems` lists every
 * problem found, as data; the message has one line per problem and never
 * repeats a secret's value.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConfigError } from "./config.ts";
 * const error = new ConfigError([{ variable: "PORT", problem: "must be an integer from 0 to 65535" }]);
 * assert.deepEqual(error.lines, ["PORT must be an integer from 0 to 65535"]);
 * ```
 */
export class ConfigError extends Error {
  /** Every problem found. */
  readonly problems: readonly ConfigProblem[];
  /** Each problem as one line. */
  readonly lines: readonly string[];
  /** Builds the error from its problems. */
  constructor(problems: readonly ConfigProblem[]) {
    const lines = problems.map(formatProblem);
    super(`Invalid configuration:\n${lines.map((line) => `  - ${line}`).join("\n")}`);
    this.name = "ConfigError";
    this.problems = problems;
    this.lines = lines;
  }
}

const KEY_VARIABLES = ["JWT_SECRET", "JWT_PUBLIC_KEY", "JWT_JWKS", "JWT_JWKS_URL"] as const;
// Values of these are never shown back, even when they are wrong.
const SECRET = new Set(["JWT_SECRET", "DATABASE_URL", "JWT_PUBLIC_KEY", "JWT_JWKS", "JWT_JWKS_URL", "DATABASE_MIGRATION_URL", "DATABASE_READ_URL"]);
const encoder = new TextEncoder();

const claimName = v.pipe(v.string(), v.regex(/^[\x21-\x7e]{1,64}$/, "must be 1-64 visible ASCII characters"));
const list = v.pipe(
  v.string(),
  v.transform((text) => text.split(",").map((item) => item.trim()).filter((item) => item !== "")),
  v.minLength(1, "must list at least one value"),
);
const integer = (min: number, max: number) => {
  const message = `must be an integer from ${min} to ${max}`;
  return v.pipe(v.string(), v.regex(/^\d{1,7}$/, message), v.transform(Number), v.minValue(min, message), v.maxValue(max, message));
};
const size = v.pipe(
  v.string(),
  v.regex(/^\d{1,13}$/, "must be an integer from 0 to 1000000000000"),
  v.transform(Number),
  v.maxValue(1e12, "must be an integer from 0 to 1000000000000"),
);
const flag = v.pipe(v.picklist(["0", "1", "false", "true"], "must be 1 or 0"), v.transform((text) => text === "1" || text === "true"));
const origins = v.union([
  v.literal("*"),
  v.pipe(
    list,
    v.check(
      (items) => items.every(isSerializedOrigin),
      "must be * or origins such as https://app.example.com, comma-separated (scheme, host and port; no path or trailing slash)",
    ),
  ),
], "must be * or origins such as https://app.example.com, comma-separated (scheme, host and port; no path or trailing slash)");
const databaseUrl = v.pipe(
  v.string(),
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    const parsed = parseDatabaseUrl(dataset.value);
    if (parsed.ok) return parsed.url;
    addIssue({ message: parsed.problem });
    return NEVER;
  }),
);

const databaseUrls = v.pipe(
  v.string(),
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    const parsed = parseDatabaseUrls(dataset.value);
    if (parsed.ok) return parsed.urls;
    addIssue({ message: parsed.problem });
    return NEVER;
  }),
);
const lagSeconds = v.pipe(
  v.string(),
  v.regex(/^\d{1,5}(\.\d{1,3})?$/, "must be a number of seconds from 0 to 86400, such as 5 or 0.5"),
  v.transform(Number),
  v.maxValue(86400, "must be a number of seconds from 0 to 86400, such as 5 or 0.5"),
);

const ENVIRONMENT = v.object({
  PORT: v.optional(integer(0, 65535), "8080"),
  HOST: v.optional(v.pipe(v.string(), v.regex(/^[A-Za-z0-9.:\-[\]]{1,253}$/, "must be a host name or IP address")), "127.0.0.1"),
  DATABASE_URL: v.optional(databaseUrl),
  LOBBY_DATA_DIR: v.optional(v.string(), ".lobby/pglite"),
  JWT_SECRET: v.optional(
    v.pipe(
      v.string(),
      v.check(
        (secret) => encoder.encode(secret).length >= 32,
        "must be at least 32 bytes (RFC 7518 section 3.2); make one with: openssl rand -base64 32",
      ),
    ),
  ),
  JWT_ISSUER: v.optional(list),
  JWT_AUDIENCE: v.optional(list),
  JWT_CLOCK_SKEW: v.optional(integer(0, 3600), "30"),
  JWT_SUBJECT_CLAIM: v.optional(claimName, "sub"),
  JWT_CLIENT_HASH_CLAIM: v.optional(claimName, "chash"),
  JWT_PUBLIC_KEY: v.optional(v.string()),
  JWT_PUBLIC_KEY_ALG: v.optional(v.picklist(PUBLIC_KEY_ALGORITHMS, `must be one of ${PUBLIC_KEY_ALGORITHMS.join(", ")}`)),
  JWT_JWKS: v.optional(v.string()),
  JWT_JWKS_URL: v.optional(
    v.pipe(v.string(), v.check((url) => isJwksUrlAllowed(url), "must be an https:// URL (http:// only for localhost)")),
  ),
  JWT_JWKS_MIN_AGE: v.optional(integer(0, 604800), "60"),
  JWT_JWKS_MAX_AGE: v.optional(integer(0, 604800), "86400"),
  JWT_JWKS_COOLDOWN: v.optional(integer(0, 3600), "30"),
  JWT_TYPE: v.optional(v.pipe(v.string(), v.regex(/^[\x21-\x7e]{1,128}$/, "must be 1-128 visible ASCII characters, such as at+jwt"))),
  JWT_MAX_AGE: v.optional(integer(1, 31536000)),
  SHUTDOWN_TIMEOUT: v.optional(integer(0, 3600), "10"),
  HTTP_HEADERS_TIMEOUT: v.optional(integer(1, 3600), "10"),
  HTTP_REQUEST_TIMEOUT: v.optional(integer(1, 3600), "30"),
  HTTP_MAX_CONNECTIONS: v.optional(integer(1, 1000000), "1024"),
  LOG_FORMAT: v.optional(v.picklist(["json", "text"], "must be json or text")),
  LOG_LEVEL: v.optional(v.picklist(LOG_LEVELS, `must be one of ${LOG_LEVELS.join(", ")}`), "info"),
  METRICS: v.optional(flag, "0"),
  CORS_ORIGINS: v.optional(origins),
  CORS_CREDENTIALS: v.optional(flag, "0"),
  CORS_MAX_AGE: v.optional(integer(0, 86400), "600"),
  DATABASE_MIGRATION_URL: v.optional(databaseUrl),
  DATABASE_READ_URL: v.optional(databaseUrls),
  DATABASE_READ_MAX_LAG: v.optional(lagSeconds, "5"),
  LOBBY_MIGRATE: v.optional(v.picklist(["0", "1"], "must be 0 or 1"), "1"),
  LISTING_CACHE_ENTRIES: v.optional(integer(0, 1000000), "10000"),
  LISTING_CACHE_BYTES: v.optional(size, "33554432"),
});

/**
 * Reads the server's configuration from an environment. A variable set to
 * the empty string is a mistake (a shell's `VAR=`), never "unset", and is
 * refused. Keys are not read here: they are imported once, when the app
 * is made (see `createStandaloneApp`).
 *
 * @param env The environment, e.g. `process.env` or `Deno.env.toObject()`.
 * @returns The checked configuration.
 * @throws {ConfigError} listing every bad variable.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { configFromEnvironment } from "./config.ts";
 * assert.equal(configFromEnvironment({ PORT: "9000" }).port, 9000);
 * assert.equal(configFromEnvironment({}).demo, true);
 * ```
 */
export function configFromEnvironment(env: Readonly<Record<string, string | undefined>>): ServerConfig {
  const input: Record<string, string> = {};
  const problems: ConfigProblem[] = [];
  for (const variable of Object.keys(ENVIRONMENT.entries)) {
    const value = env[variable];
    if (value === "") problems.push({ variable, problem: "is empty: unset it, or give it a value" });
    else if (value !== undefined) input[variable] = value;
  }
  const parsed = v.safeParse(ENVIRONMENT, input);
  if (!parsed.success) {
    for (const issue of parsed.issues) {
      const variable = v.getDotPath(issue) ?? "environment";
      const shown = SECRET.has(variable) || input[variable] === undefined ? "" : ` (got ${JSON.stringify(input[variable].slice(0, 80))})`;
      problems.push({ variable, problem: `${issueProblem(issue)}${shown}` });
    }
  }
  const keysGiven = KEY_VARIABLES.some((variable) => input[variable] !== undefined);
  if (input.JWT_PUBLIC_KEY_ALG !== undefined && input.JWT_PUBLIC_KEY === undefined) {
    problems.push({ variable: "JWT_PUBLIC_KEY_ALG", problem: "is set without JWT_PUBLIC_KEY" });
  }
  if (input.DATABASE_URL !== undefined && !keysGiven) {
    problems.push({
      variable: "JWT_SECRET",
      problem: "or another key is needed with DATABASE_URL: set JWT_SECRET, JWT_PUBLIC_KEY, JWT_JWKS or JWT_JWKS_URL " +
        "(demo mode, with a random secret and demo data, runs only without DATABASE_URL)",
    });
  }
  for (const variable of ["DATABASE_MIGRATION_URL", "DATABASE_READ_URL"] as const) {
    if (input[variable] !== undefined && input.DATABASE_URL === undefined) {
      problems.push({ variable, problem: "is set without DATABASE_URL (the primary, where everything that writes goes)" });
    }
  }
  if (parsed.success && parsed.output.JWT_JWKS_MAX_AGE < parsed.output.JWT_JWKS_MIN_AGE) {
    problems.push({ variable: "JWT_JWKS_MAX_AGE", problem: "must not be below JWT_JWKS_MIN_AGE" });
  }
  if (parsed.success && parsed.output.CORS_CREDENTIALS) {
    if (parsed.output.CORS_ORIGINS === undefined) problems.push({ variable: "CORS_CREDENTIALS", problem: "is set without CORS_ORIGINS" });
    else if (parsed.output.CORS_ORIGINS === "*") {
      problems.push({ variable: "CORS_CREDENTIALS", with: ["CORS_ORIGINS"], problem: "cannot be used with CORS_ORIGINS=*: list the origins that may send credentials" });
    }
  }
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  const e = parsed.output;
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    demo: !keysGiven && e.DATABASE_URL === undefined,
    dataDir: e.LOBBY_DATA_DIR,
    secret: e.JWT_SECRET,
    issuer: e.JWT_ISSUER,
    audience: e.JWT_AUDIENCE,
    clockSkewSeconds: e.JWT_CLOCK_SKEW,
    subjectClaim: e.JWT_SUBJECT_CLAIM,
    clientHashClaim: e.JWT_CLIENT_HASH_CLAIM,
    publicKey: e.JWT_PUBLIC_KEY,
    publicKeyAlg: e.JWT_PUBLIC_KEY_ALG,
    jwks: e.JWT_JWKS,
    jwksUrl: e.JWT_JWKS_URL,
    jwksMinAgeSeconds: e.JWT_JWKS_MIN_AGE,
    jwksMaxAgeSeconds: e.JWT_JWKS_MAX_AGE,
    jwksCooldownSeconds: e.JWT_JWKS_COOLDOWN,
    type: e.JWT_TYPE,
    maxAgeSeconds: e.JWT_MAX_AGE,
    shutdownTimeoutSeconds: e.SHUTDOWN_TIMEOUT,
    headersTimeoutSeconds: e.HTTP_HEADERS_TIMEOUT,
    requestTimeoutSeconds: e.HTTP_REQUEST_TIMEOUT,
    maxConnections: e.HTTP_MAX_CONNECTIONS,
    logFormat: e.LOG_FORMAT,
    logLevel: e.LOG_LEVEL,
    metrics: e.METRICS,
    corsOrigins: e.CORS_ORIGINS,
    corsCredentials: e.CORS_CREDENTIALS,
    corsMaxAgeSeconds: e.CORS_MAX_AGE,
    migrationUrl: e.DATABASE_MIGRATION_URL,
    readUrls: e.DATABASE_READ_URL,
    readMaxLagSeconds: e.DATABASE_READ_MAX_LAG,
    migrate: e.LOBBY_MIGRATE === "1",
    listingCacheEntries: e.LISTING_CACHE_ENTRIES,
    listingCacheBytes: e.LISTING_CACHE_BYTES,
  };
}
