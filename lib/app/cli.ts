/**
 * The `lobby` command: `serve` (the default) starts the standalone server;
 * `token` signs a test token with `JWT_SECRET`; `migrate` applies lobby's
 * schema to `DATABASE_URL`; `check` tries the configuration, the database
 * and every key source; `openapi` prints the OpenAPI document. The same on
 * every runtime: `npx lobby …`, `deno run -A mod.ts …`, `bun run mod.ts …`.
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { runCommand } from "./cli.ts";
 * const lines: string[] = [];
 * const io = { env: {}, out: (line: string) => lines.push(line), err: (line: string) => lines.push(line), now: Date.now };
 * assert.equal(await runCommand(["token", "--sub", "demo-user"], io), 1);
 * assert.match(lines[0] ?? "", /JWT_SECRET is not set/);
 * ```
 *
 * @module
 */
import { encodeBase64urlNoPadding } from "@oslojs/encoding";
import type { Sql } from "postgres";
import {
  HMAC_ALGORITHMS,
  type HmacAlgorithm,
  jwksKeys,
  type KeySet,
  type KeySetEvent,
  pemKeys,
  remoteJwksKeys,
  secretKeys,
  SIGNATURE_ALGORITHMS,
} from "../auth/mod.ts";
import { applySchema } from "../repository/mod.ts";
import { exitProcess, processArguments, processEnvironment } from "../runtime/mod.ts";
import { ConfigError, configFromEnvironment, type ServerConfig } from "./config.ts";
import { type DatabaseUrl, parseDatabaseUrl } from "./database_url.ts";

/**
 * lobby's version, as `lobby --version` prints it; package.json and
 * deno.json carry the same (a test holds the three together).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { VERSION } from "./cli.ts";
 * assert.match(VERSION, /^\d+\.\d+\.\d+/);
 * ```
 */
export const VERSION: string = "0.1.0";

/**
 * What a command reads and where it writes: the process's own by default
 * (see {@link runCli}); a test passes its own.
 *
 * @example
 * ```ts
 * import type { CommandIo } from "./cli.ts";
 * const quiet: CommandIo = { env: { JWT_SECRET: "a secret of at least thirty-two bytes!" }, out: () => {}, err: () => {}, now: Date.now };
 * ```
 */
export interface CommandIo {
  /** The environment the configuration is read from. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Writes one line of the command's output (stdout). */
  readonly out: (line: string) => void;
  /** Writes one line of diagnostics (stderr). */
  readonly err: (line: string) => void;
  /** The clock in epoch milliseconds. */
  readonly now: () => number;
}

/**
 * The text of `lobby --help`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { USAGE } from "./cli.ts";
 * assert.match(USAGE, /lobby token --sub <user>/);
 * ```
 */
export const USAGE: string = `lobby ${VERSION}: which workspaces am I in? Two JSON API dialects over one Postgres.

Usage:
  lobby [serve]              start the standalone server (configured from the environment)
  lobby token --sub <user> [--ttl 1h] [--claim name=value]... [--alg HS256|HS384|HS512]
                             print a token signed with JWT_SECRET, for testing
  lobby migrate              apply lobby's schema and read model to DATABASE_URL (or
                             DATABASE_MIGRATION_URL when set), then exit
  lobby check                check the configuration, the database and every key source
  lobby openapi              print the OpenAPI 3.1 document of both endpoints
  lobby --help | --version

token options:
  --sub <user>               the user id (the JWT_SUBJECT_CLAIM claim, sub by default); required
  --ttl <time>               how long the token is valid: 90s, 15m, 1h (default), 7d, or seconds
  --claim name=value         an extra claim, a string; name:=json for a JSON value (chash=…, exp:=0)
  --alg HS256|HS384|HS512    the HMAC algorithm (default HS256)
  The token also carries the first JWT_ISSUER and JWT_AUDIENCE, and JWT_TYPE as its typ.

Environment: PORT, HOST, DATABASE_URL, LOBBY_DATA_DIR, JWT_SECRET, JWT_PUBLIC_KEY,
JWT_PUBLIC_KEY_ALG, JWT_JWKS, JWT_JWKS_URL, JWT_ISSUER, JWT_AUDIENCE, JWT_CLOCK_SKEW and
more: see the README. With none of DATABASE_URL and the JWT_ keys, serve runs a demo.
Exit status: 0 done, 1 failed (check: a part failed), 2 wrong usage.`;

/** How long a test token lasts by default, and at most, in seconds. */
const DEFAULT_TTL = 3600;
const MAX_TTL = 366 * 24 * 3600;
const UNITS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86400 };

/**
 * Runs one command and resolves with its exit status: 0 done, 1 failed, 2
 * wrong usage. `serve` starts the server and resolves with `undefined`
 * once it listens (it runs until a stop signal).
 *
 * @param args The arguments after the program, such as `["token", "--sub", "u1"]`.
 * @param io The environment, the output and the clock.
 * @returns The exit status, or `undefined` for a running server.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runCommand } from "./cli.ts";
 * const out: string[] = [];
 * const io = { env: { JWT_SECRET: "a secret of at least thirty-two bytes!" }, out: (line: string) => out.push(line), err: () => {}, now: Date.now };
 * assert.equal(await runCommand(["token", "--sub", "demo-user", "--ttl", "15m"], io), 0);
 * assert.equal(out[0]?.split(".").length, 3);
 * assert.equal(await runCommand(["--version"], io), 0);
 * assert.equal(await runCommand(["frobnicate"], io), 2);
 * ```
 */
export async function runCommand(args: readonly string[], io: CommandIo): Promise<number | undefined> {
  if (args.includes("--help") || args.includes("-h") || args[0] === "help") {
    io.out(USAGE);
    return 0;
  }
  if (args.includes("--version") || args.includes("-V")) {
    io.out(VERSION);
    return 0;
  }
  const [command = "serve", ...rest] = args;
  const usage = (problem: string): number => {
    io.err(`lobby: ${problem} (lobby --help lists the commands and options)`);
    return 2;
  };
  if (command === "token") {
    const options = parseOptions(rest, ["--sub", "--ttl", "--claim", "--alg"]);
    if (typeof options === "string") return usage(`token: ${options}`);
    return token(options, io, usage);
  }
  if (command === "serve" || command === "migrate" || command === "check" || command === "openapi") {
    if (rest.length > 0) return usage(`${command} takes no arguments, got ${JSON.stringify(rest[0])}`);
  }
  switch (command) {
    case "serve": {
      const { serveStandalone } = await import("./main.ts");
      await serveStandalone();
      return undefined;
    }
    case "migrate":
      return migrate(io);
    case "check":
      return check(io);
    case "openapi": {
      const { openApiDocument } = await import("./openapi.ts");
      io.out(JSON.stringify(openApiDocument(), null, 2));
      return 0;
    }
  }
  return usage(command.startsWith("-") ? `unknown option ${command}` : `unknown command ${JSON.stringify(command)}`);
}

/**
 * The program: runs the command in `args` with the process's environment,
 * stdout and stderr, and ends the process with its exit status; `serve`
 * keeps it running. What the `lobby` bin, `deno run -A mod.ts …` and `bun
 * run mod.ts …` call.
 *
 * @param args The arguments after the program; by default the process's.
 * @returns Resolves once the server listens; other commands end the process.
 *
 * @example
 * ```ts
 * import { runCli } from "./cli.ts";
 * const main = (args?: string[]): Promise<void> => runCli(args);
 * ```
 */
export async function runCli(args: readonly string[] = processArguments()): Promise<void> {
  const io: CommandIo = { env: processEnvironment(), out: console.log, err: console.error, now: Date.now };
  const status = await runCommand(args, io);
  if (status !== undefined) exitProcess(status);
}

/**
 * A JWT signed with an HMAC secret: what `lobby token` prints, for tests
 * and demos. Never a way to issue real users' tokens.
 *
 * @param secret The shared secret, used as its UTF-8 bytes.
 * @param claims The payload.
 * @param options The algorithm (default HS256) and the header's `typ` (default `JWT`).
 * @returns The compact JWT.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { signToken } from "./cli.ts";
 * import { createVerifier, secretKeys } from "../auth/mod.ts";
 * const secret = "a secret of at least thirty-two bytes!";
 * const token = await signToken(secret, { sub: "u1", exp: 4102444800 }, { alg: "HS512" });
 * const verify = createVerifier({ keys: await secretKeys(secret) });
 * assert.equal((await verify(token, Date.now())).ok, true);
 * ```
 */
export async function signToken(
  secret: string,
  claims: Readonly<Record<string, unknown>>,
  options: { readonly alg?: HmacAlgorithm; readonly typ?: string } = {},
): Promise<string> {
  const { alg = "HS256", typ = "JWT" } = options;
  const encoder = new TextEncoder();
  const segment = (value: unknown): string => encodeBase64urlNoPadding(encoder.encode(JSON.stringify(value)));
  const input = `${segment({ alg, typ })}.${segment(claims)}`;
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: SIGNATURE_ALGORITHMS[alg].hash! }, false, [
    "sign",
  ]);
  const signature = new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(input)));
  return `${input}.${encodeBase64urlNoPadding(signature)}`;
}

type Options = Readonly<Record<string, readonly string[]>>;

// `--name value` and `--name=value` for the names given; every value kept, in order.
function parseOptions(args: readonly string[], names: readonly string[]): Options | string {
  const options: Record<string, string[]> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const equals = arg.indexOf("=");
    const name = arg.startsWith("--") && equals !== -1 ? arg.slice(0, equals) : arg;
    if (!names.includes(name)) return arg.startsWith("-") ? `unknown option ${name}` : `unexpected argument ${JSON.stringify(arg)}`;
    const value = name === arg ? args[++i] : arg.slice(equals + 1);
    if (value === undefined) return `${name} needs a value`;
    (options[name] ??= []).push(value);
  }
  return options;
}

async function token(options: Options, io: CommandIo, usage: (problem: string) => number): Promise<number> {
  if (io.env.JWT_SECRET === undefined || io.env.JWT_SECRET === "") {
    io.err("lobby token: JWT_SECRET is not set: the token is signed with it, so that a server with the same " +
      "JWT_SECRET accepts it (demo mode makes a new secret at every start and prints its own tokens)");
    return 1;
  }
  const config = readConfig(io, "token");
  if (config === undefined) return 1;
  const [sub, ...moreSubs] = options["--sub"] ?? [];
  if (sub === undefined || moreSubs.length > 0) return usage("token: give the user once, with --sub <user>");
  // The verifier's own rule for a user id.
  if (sub.length === 0 || sub.length > 256 || [...sub].some((char) => char < " " || char === "\x7f")) {
    return usage("token: --sub must be 1-256 characters without control characters");
  }
  const ttl = parseTtl(options["--ttl"]);
  if (typeof ttl === "string") return usage(`token: ${ttl}`);
  const alg = (options["--alg"] ?? ["HS256"]).at(-1)!;
  if (!(HMAC_ALGORITHMS as readonly string[]).includes(alg)) return usage(`token: --alg must be one of ${HMAC_ALGORITHMS.join(", ")}`);

  const issuedAt = Math.floor(io.now() / 1000);
  const claims: Record<string, unknown> = { [config.subjectClaim]: sub, iat: issuedAt, exp: issuedAt + ttl };
  if (config.issuer !== undefined) claims.iss = config.issuer[0];
  if (config.audience !== undefined) claims.aud = config.audience[0];
  for (const claim of options["--claim"] ?? []) {
    const parsed = parseClaim(claim);
    if (typeof parsed === "string") return usage(`token: ${parsed}`);
    claims[parsed[0]] = parsed[1];
  }
  io.out(await signToken(config.secret!, claims, { alg: alg as HmacAlgorithm, typ: config.type ?? "JWT" }));
  return 0;
}

function parseTtl(values: readonly string[] | undefined): number | string {
  if (values === undefined) return DEFAULT_TTL;
  const match = /^(\d{1,9})([smhd]?)$/.exec(values.at(-1)!);
  const seconds = match === null ? NaN : Number(match[1]) * (UNITS[match[2] || "s"] ?? 1);
  if (!(seconds >= 1 && seconds <= MAX_TTL)) return "--ttl must be a time from 1s to 366d, such as 90s, 15m, 1h or 7d";
  return seconds;
}

// `name=value` (a string) or `name:=json`.
function parseClaim(text: string): [string, unknown] | string {
  const equals = text.indexOf("=");
  const json = equals > 0 && text[equals - 1] === ":";
  const name = json ? text.slice(0, equals - 1) : text.slice(0, Math.max(equals, 0));
  if (name === "") return `--claim wants name=value or name:=json, got ${JSON.stringify(text)}`;
  if (!json) return [name, text.slice(equals + 1)];
  try {
    return [name, JSON.parse(text.slice(equals + 1))];
  } catch {
    return `--claim ${name}:= wants a JSON value, such as ${name}:=0 or ${name}:='["a","b"]'`;
  }
}

// The configuration, or undefined after printing each problem.
function readConfig(io: CommandIo, command: string): ServerConfig | undefined {
  try {
    return configFromEnvironment(io.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const line of error.lines) io.err(`lobby ${command}: ${line}`);
    return undefined;
  }
}

async function migrate(io: CommandIo): Promise<number> {
  // DATABASE_MIGRATION_URL: a direct session, when DATABASE_URL is a pooler.
  const variable = io.env.DATABASE_MIGRATION_URL ? "DATABASE_MIGRATION_URL" : "DATABASE_URL";
  const text = io.env[variable];
  if (text === undefined || text === "") {
    io.err("lobby migrate: DATABASE_URL is not set: it names the Postgres server to migrate " +
      "(the embedded database applies the schema itself when it opens)");
    return 1;
  }
  const parsed = parseDatabaseUrl(text);
  if (!parsed.ok) {
    io.err(`lobby migrate: ${variable} ${parsed.problem}`);
    return 1;
  }
  const { url } = parsed;
  const started = io.now();
  // No statement timeout: the first run rebuilds the read model from every membership.
  const sql = await connect(url, "lobby migrate", undefined);
  try {
    await applySchema((text) => sql.unsafe(text));
    io.out(`lobby migrate: lobby's schema and read model are in place on Postgres at ${url.redacted} (${io.now() - started} ms)`);
    return 0;
  } catch (error) {
    io.err(`lobby migrate: Postgres at ${url.redacted}: ${describeError(error)}`);
    return 1;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

// One postgres.js connection to `url`, as the server makes its pool (app.ts).
async function connect(url: DatabaseUrl, applicationName: string, statementTimeout: number | undefined): Promise<Sql> {
  const { default: postgres } = await import("postgres");
  const single = url.hosts.length === 1;
  return postgres({
    host: single ? url.hosts[0] : url.hosts as unknown as string,
    port: single ? url.ports[0] : url.ports as unknown as number,
    user: url.user,
    password: url.password,
    database: url.database,
    ssl: url.sslmode === undefined || url.sslmode === "disable"
      ? false
      : url.sslmode === "verify-ca"
      ? "verify-full"
      : url.sslmode as "require" | "allow" | "prefer" | "verify-full",
    prepare: url.prepare,
    max: 1,
    connect_timeout: 5,
    onnotice: () => {},
    // PgBouncer refuses statement_timeout as a startup parameter.
    connection: {
      application_name: url.applicationName ?? applicationName,
      ...(statementTimeout === undefined || url.pgbouncer ? {} : { statement_timeout: statementTimeout }),
    },
  });
}

// A driver error as one line: its code and message (neither carries the password).
function describeError(error: unknown): string {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  const text = typeof message === "string" && message !== "" ? message : String(error);
  return typeof code === "string" && !text.includes(code) ? `${text} (${code})` : text;
}

type Part = { readonly ok: boolean; readonly name: string; readonly text: string };

async function check(io: CommandIo): Promise<number> {
  const print = ({ ok, name, text }: Part): void => io.out(`${ok ? "ok  " : "FAIL"}  ${name}: ${text}`);
  let config: ServerConfig;
  try {
    config = configFromEnvironment(io.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const line of error.lines) print({ ok: false, name: "configuration", text: line });
    return 1;
  }
  const keyNames = ["JWT_SECRET", "JWT_PUBLIC_KEY", "JWT_JWKS", "JWT_JWKS_URL"].filter((name) => io.env[name] !== undefined);
  print({
    ok: true,
    name: "configuration",
    text: `listens on ${config.host}:${config.port}, ` +
      (config.demo ? "demo mode (no key and no DATABASE_URL)" : `keys from ${keyNames.join(", ")}`),
  });
  const parts = await Promise.all([checkDatabase(config), ...checkKeys(config)]);
  for (const part of parts) print(part);
  return parts.every((part) => part.ok) ? 0 : 1;
}

async function checkDatabase(config: ServerConfig): Promise<Part> {
  const url = config.databaseUrl;
  if (url === undefined) {
    return { ok: true, name: "database", text: `embedded PGlite in ${config.dataDir} (no DATABASE_URL: nothing to reach)` };
  }
  const sql = await connect(url, "lobby check", 5000);
  try {
    // The last index the migration makes tells a current schema from an older lobby's.
    const [row] = await sql.unsafe<{ version: string; schema: "current" | "older" | "none" }[]>(
      `SELECT split_part(current_setting('server_version'), ' ', 1) AS version,
        CASE WHEN to_regclass('lobby_listing_page') IS NOT NULL THEN 'current'
          WHEN to_regclass('lobby_listing') IS NOT NULL THEN 'older' ELSE 'none' END AS schema`,
    );
    const schema = row?.schema === "current"
      ? "lobby's schema is in place"
      : row?.schema === "older"
      ? "lobby's schema is an older lobby's (lobby migrate, or the server's first listing, brings it up to date)"
      : "lobby's schema is not there yet (lobby migrate, or the server's first listing, creates it)";
    return { ok: true, name: "database", text: `Postgres ${row?.version} at ${url.redacted} answers; ${schema}` };
  } catch (error) {
    return { ok: false, name: "database", text: `Postgres at ${url.redacted}: ${describeError(error)}` };
  } finally {
    await sql.end({ timeout: 5 });
  }
}

// One part per configured key source, each imported (or fetched) on its own.
function checkKeys(config: ServerConfig): Promise<Part>[] {
  const part = async (name: string, load: () => Promise<KeySet | Part>): Promise<Part> => {
    try {
      const keys = await load();
      return "algorithms" in keys ? { ok: true, name, text: `keys for ${[...keys.algorithms].join(", ")}` } : keys;
    } catch (error) {
      // Key errors name the problem, never the key.
      if (!(error instanceof TypeError)) throw error;
      return { ok: false, name, text: error.message };
    }
  };
  const parts: Promise<Part>[] = [];
  if (config.secret !== undefined) parts.push(part("JWT_SECRET", () => secretKeys(config.secret!)));
  if (config.publicKey !== undefined) parts.push(part("JWT_PUBLIC_KEY", () => pemKeys(config.publicKey!, { alg: config.publicKeyAlg })));
  if (config.jwks !== undefined) parts.push(part("JWT_JWKS", () => jwksKeys(config.jwks!)));
  if (config.jwksUrl !== undefined) {
    parts.push(part("JWT_JWKS_URL", async () => {
      const events: KeySetEvent[] = [];
      const keys = remoteJwksKeys(config.jwksUrl!, { cooldownSeconds: 0 });
      keys.watch?.((event) => events.push(event));
      const fetched = await keys.refresh();
      const problems = events.map(({ reason, detail }) => (detail === undefined ? reason : `${reason} (${detail})`));
      const { origin, pathname } = new URL(config.jwksUrl!);
      const where = `${origin}${pathname}`;
      if (!fetched) return { ok: false, name: "JWT_JWKS_URL", text: `${where}: ${problems.join(", ") || "no usable JWK Set"}` };
      const note = problems.length === 0 ? "" : ` (${problems.join(", ")})`;
      return { ok: true, name: "JWT_JWKS_URL", text: `${where} answers with a usable JWK Set${note}` };
    }));
  }
  if (parts.length === 0) {
    parts.push(Promise.resolve({ ok: true, name: "keys", text: "none configured: demo mode makes a random secret at every start" }));
  }
  return parts;
}
