/**
 * The standalone server's configuration, read from environment variables
 * and checked once at start-up with messages that name the variable.
 *
 * @module
 */
import * as v from "valibot";

/** The standalone server's settings, after checking. */
export interface ServerConfig {
  /** `PORT`: TCP port (default 8080; 0 picks a free one). */
  readonly port: number;
  /** `HOST`: interface to listen on (default `127.0.0.1`). */
  readonly host: string;
  /** `DATABASE_URL`: a Postgres server; absent means embedded PGlite. */
  readonly databaseUrl: string | undefined;
  /** `LOBBY_DATA_DIR`: where embedded PGlite keeps its files (default `.lobby/pglite`; `memory://` keeps nothing). */
  readonly dataDir: string;
  /** `JWT_SECRET`: the HMAC secret; absent means demo mode with a random one. */
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
}

/**
 * A configuration that cannot start a server. The message lists every
 * problem, one per line, and never repeats a secret's value.
 *
 * @example
 * ```ts
 * import { ConfigError } from "./config.ts";
 * new ConfigError(["PORT must be an integer from 0 to 65535"]).problems.length; // 1
 * ```
 */
export class ConfigError extends Error {
  /** One sentence per bad variable. */
  readonly problems: readonly string[];
  /** Builds the error from its problems. */
  constructor(problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join("\n")}`);
    this.name = "ConfigError";
    this.problems = problems;
  }
}

const _claimName = v.pipe(v.string(), v.regex(/^[\x21-\x7e]{1,64}$/, "must be 1-64 visible ASCII characters"));
const _list = v.pipe(
  v.string(),
  v.transform((text) => text.split(",").map((item) => item.trim()).filter((item) => item !== "")),
  v.minLength(1, "must list at least one value"),
);
const _integer = (min: number, max: number) =>
  v.pipe(
    v.string(),
    v.regex(/^\d{1,6}$/, `must be an integer from ${min} to ${max}`),
    v.transform(Number),
    v.minValue(min, `must be an integer from ${min} to ${max}`),
    v.maxValue(max, `must be an integer from ${min} to ${max}`),
  );

const _environment = v.object({
  PORT: v.optional(_integer(0, 65535), "8080"),
  HOST: v.optional(v.pipe(v.string(), v.regex(/^[A-Za-z0-9.:\-[\]]{1,253}$/, "must be a host name or IP address")), "127.0.0.1"),
  DATABASE_URL: v.optional(
    v.pipe(v.string(), v.regex(/^postgres(ql)?:\/\/\S+$/, "must be a postgres:// or postgresql:// URL")),
  ),
  LOBBY_DATA_DIR: v.optional(v.pipe(v.string(), v.minLength(1, "must not be empty")), ".lobby/pglite"),
  JWT_SECRET: v.optional(v.pipe(v.string(), v.minLength(1, "must not be empty"))),
  JWT_ISSUER: v.optional(_list),
  JWT_AUDIENCE: v.optional(_list),
  JWT_CLOCK_SKEW: v.optional(_integer(0, 3600), "30"),
  JWT_SUBJECT_CLAIM: v.optional(_claimName, "sub"),
  JWT_CLIENT_HASH_CLAIM: v.optional(_claimName, "chash"),
  JWT_PUBLIC_KEY: v.optional(v.never("is not supported yet: use JWT_SECRET")),
  JWT_JWKS_URL: v.optional(v.never("is not supported yet: use JWT_SECRET")),
});

// Values of these are never shown back, even when they are wrong.
const _SECRET = new Set(["JWT_SECRET", "DATABASE_URL"]);

/**
 * Reads the server's configuration from an environment. Empty variables
 * count as unset, as shells often export `VAR=`.
 *
 * @param env The environment, e.g. `process.env` or `Deno.env.toObject()`.
 * @returns The checked configuration.
 * @throws {ConfigError} listing every bad variable.
 * @example
 * ```ts
 * import { configFromEnvironment } from "./config.ts";
 * configFromEnvironment({ PORT: "9000" }).port; // 9000
 * ```
 */
export function configFromEnvironment(env: Readonly<Record<string, string | undefined>>): ServerConfig {
  const input: Record<string, string> = {};
  for (const key of Object.keys(_environment.entries)) {
    const value = env[key];
    if (value !== undefined && value !== "") input[key] = value;
  }
  const parsed = v.safeParse(_environment, input);
  if (!parsed.success) {
    throw new ConfigError(parsed.issues.map((issue) => {
      const key = v.getDotPath(issue) ?? "environment";
      const shown = _SECRET.has(key) || input[key] === undefined ? "" : ` (got ${JSON.stringify(input[key].slice(0, 80))})`;
      return `${key} ${issue.message}${shown}`;
    }));
  }
  const e = parsed.output;
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir: e.LOBBY_DATA_DIR,
    secret: e.JWT_SECRET,
    issuer: e.JWT_ISSUER,
    audience: e.JWT_AUDIENCE,
    clockSkewSeconds: e.JWT_CLOCK_SKEW,
    subjectClaim: e.JWT_SUBJECT_CLAIM,
    clientHashClaim: e.JWT_CLIENT_HASH_CLAIM,
  };
}
