/**
 * The standalone server's configuration, read from environment variables
 * and checked once at start-up with messages that name the variable.
 *
 * @module
 */
import * as v from "valibot";
import { jwkFingerprint } from "../auth/jwk.ts";
import { isJwksUrlAllowed } from "../auth/jwks.ts";
import { PUBLIC_KEY_ALGORITHMS, type PublicKeyAlgorithm } from "../auth/keys.ts";
import { parsePublicKeyPem } from "../auth/pem.ts";

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
  JWT_PUBLIC_KEY: v.optional(v.string()),
  JWT_PUBLIC_KEY_ALG: v.optional(
    v.picklist(PUBLIC_KEY_ALGORITHMS, `must be one of ${PUBLIC_KEY_ALGORITHMS.join(", ")}`),
  ),
  JWT_JWKS: v.optional(v.string()),
  JWT_JWKS_URL: v.optional(
    v.pipe(
      v.string(),
      v.check((url) => isJwksUrlAllowed(url), "must be an https:// URL (http:// only for localhost)"),
    ),
  ),
  JWT_JWKS_MIN_AGE: v.optional(_integer(0, 604800), "60"),
  JWT_JWKS_MAX_AGE: v.optional(_integer(0, 604800), "86400"),
  JWT_JWKS_COOLDOWN: v.optional(_integer(0, 3600), "30"),
  JWT_TYPE: v.optional(v.pipe(v.string(), v.regex(/^[\x21-\x7e]{1,128}$/, "must be 1-128 visible ASCII characters, such as at+jwt"))),
  JWT_MAX_AGE: v.optional(_integer(1, 31536000)),
  SHUTDOWN_TIMEOUT: v.optional(_integer(0, 3600), "10"),
  HTTP_HEADERS_TIMEOUT: v.optional(_integer(1, 3600), "10"),
  HTTP_REQUEST_TIMEOUT: v.optional(_integer(1, 3600), "30"),
  HTTP_MAX_CONNECTIONS: v.optional(_integer(1, 1000000), "1024"),
});

// Values of these are never shown back, even when they are wrong.
const _SECRET = new Set(["JWT_SECRET", "DATABASE_URL", "JWT_PUBLIC_KEY", "JWT_JWKS", "JWT_JWKS_URL"]);

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
  const failed = new Set<string>();
  const problems = parsed.success ? [] : parsed.issues.map((issue) => {
    const key = v.getDotPath(issue) ?? "environment";
    failed.add(key);
    const shown = _SECRET.has(key) || input[key] === undefined ? "" : ` (got ${JSON.stringify(input[key].slice(0, 80))})`;
    return `${key} ${issue.message}${shown}`;
  });
  problems.push(..._keyProblems(input, failed));
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
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
  };
}

// The checks that span variables or read key material, on the raw values
// (so that one ConfigError lists every problem), skipping a variable whose
// own format is already reported. Messages never repeat the keys.
function _keyProblems(input: Readonly<Record<string, string>>, failed: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  const pem = input.JWT_PUBLIC_KEY;
  const alg = failed.has("JWT_PUBLIC_KEY_ALG") ? undefined : input.JWT_PUBLIC_KEY_ALG as PublicKeyAlgorithm | undefined;
  if (pem !== undefined) {
    try {
      parsePublicKeyPem(pem, alg);
    } catch (error) {
      const message = (error as Error).message;
      // A mismatch between key and algorithm is as much JWT_PUBLIC_KEY_ALG's.
      const names = / verifies |RS256…PS512|cannot verify/.test(message) ? "JWT_PUBLIC_KEY (with JWT_PUBLIC_KEY_ALG)" : "JWT_PUBLIC_KEY";
      problems.push(`${names} ${message}`);
    }
  } else if (input.JWT_PUBLIC_KEY_ALG !== undefined) {
    problems.push("JWT_PUBLIC_KEY_ALG is set without JWT_PUBLIC_KEY");
  }
  if (input.JWT_JWKS !== undefined) {
    const problem = _jwksProblem(input.JWT_JWKS);
    if (problem !== null) problems.push(`JWT_JWKS ${problem}`);
  }
  if (!failed.has("JWT_JWKS_MIN_AGE") && !failed.has("JWT_JWKS_MAX_AGE")) {
    if (Number(input.JWT_JWKS_MAX_AGE ?? "86400") < Number(input.JWT_JWKS_MIN_AGE ?? "60")) {
      problems.push("JWT_JWKS_MAX_AGE must not be below JWT_JWKS_MIN_AGE");
    }
  }
  return problems;
}

function _jwksProblem(text: string): string | null {
  let jwks: unknown;
  try {
    jwks = JSON.parse(text);
  } catch {
    return "is not valid JSON";
  }
  const keys = (jwks as { keys?: unknown } | null)?.keys;
  if (typeof jwks !== "object" || Array.isArray(jwks) || !Array.isArray(keys)) {
    return "must be a JSON object with a keys array";
  }
  for (const key of keys) {
    try {
      jwkFingerprint(key);
      return null;
    } catch {
      // Unusable entries are skipped, as issuers mix in encryption keys.
    }
  }
  return "has no usable public signature key (RSA, EC P-256/P-384/P-521 or Ed25519, without d)";
}
