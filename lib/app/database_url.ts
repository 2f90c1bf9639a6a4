/**
 * `DATABASE_URL`, read by lobby itself before any driver sees it: a
 * malformed URL must never reach a parser that throws with the URL (and
 * its password) in the message. The result is a connection description
 * for postgres.js, and a form of the URL that is safe to print.
 *
 * @module
 */

/** The parameters lobby understands in the URL's query. */
const PARAMETERS = new Set(["sslmode", "application_name", "host", "prepare", "pgbouncer"]);
const SSL_MODES = new Set(["disable", "allow", "prefer", "require", "verify-ca", "verify-full"]);

/** A Postgres connection as `DATABASE_URL` describes it. */
export interface DatabaseUrl {
  /** Host names or addresses, in order (several for failover); a directory for a Unix socket. */
  readonly hosts: readonly string[];
  /** The port of each host. */
  readonly ports: readonly number[];
  /** The user name, or `undefined` for the driver's default. */
  readonly user: string | undefined;
  /** The password, or `undefined`. Never printed. */
  readonly password: string | undefined;
  /** The database name, or `undefined` for the user's. */
  readonly database: string | undefined;
  /** `sslmode`, when given. */
  readonly sslmode: string | undefined;
  /** `application_name`, when given. */
  readonly applicationName: string | undefined;
  /** `prepare=false` turns prepared statements off (PgBouncer in transaction mode); `pgbouncer=true` implies it. */
  readonly prepare: boolean;
  /**
   * `pgbouncer=true`: the URL leads to PgBouncer in transaction mode (or
   * another transaction pooler), so lobby neither prepares statements nor
   * sends startup parameters PgBouncer refuses (`statement_timeout`).
   */
  readonly pgbouncer: boolean;
  /** The URL with the password replaced by `***`, safe for logs and messages. */
  readonly redacted: string;
}

/** What {@link parseDatabaseUrl} answers. */
export type DatabaseUrlResult = { ok: true; url: DatabaseUrl } | { ok: false; problem: string };

/**
 * Reads a `postgres://` or `postgresql://` URL. The problem, when there is
 * one, reads after the variable's name and never repeats the URL.
 *
 * @param text The URL.
 * @returns The connection, or what is wrong with the URL.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseDatabaseUrl } from "./database_url.ts";
 * const result = parseDatabaseUrl("postgres://app:s%23cret@db.internal:5432/lobby?sslmode=require");
 * assert.ok(result.ok);
 * if (result.ok) {
 *   assert.equal(result.url.password, "s#cret");
 *   assert.equal(result.url.redacted, "postgres://app:***@db.internal:5432/lobby");
 * }
 * assert.deepEqual(parseDatabaseUrl("postgres://app:a#b@db/lobby"), {
 *   ok: false,
 *   problem: "has a # (write it as %23 in a password)",
 * });
 * ```
 */
export function parseDatabaseUrl(text: string): DatabaseUrlResult {
  const scheme = /^(postgres|postgresql):\/\//.exec(text);
  if (scheme === null) return fail("must be a postgres:// or postgresql:// URL");
  if (hasSpaceOrControl(text)) return fail("must not contain spaces or control characters");
  if (text.includes("#")) return fail("has a # (write it as %23 in a password)");
  const rest = text.slice(scheme[0].length);
  const pathStart = rest.search(/[/?]/);
  const authority = pathStart === -1 ? rest : rest.slice(0, pathStart);
  const tail = pathStart === -1 ? "" : rest.slice(pathStart);
  const at = authority.lastIndexOf("@");
  const userinfo = at === -1 ? undefined : authority.slice(0, at);
  const hostList = at === -1 ? authority : authority.slice(at + 1);

  let user: string | undefined;
  let password: string | undefined;
  if (userinfo !== undefined) {
    const colon = userinfo.indexOf(":");
    const rawUser = colon === -1 ? userinfo : userinfo.slice(0, colon);
    const rawPassword = colon === -1 ? undefined : userinfo.slice(colon + 1);
    user = decode(rawUser);
    if (user === undefined) return fail("has a % in the user name that is not followed by two hex digits");
    if (rawPassword !== undefined) {
      password = decode(rawPassword);
      if (password === undefined) return fail("has a % in the password that is not followed by two hex digits (write % as %25)");
    }
    if (user === "") user = undefined;
  }

  const hosts: string[] = [];
  const ports: number[] = [];
  if (hostList !== "") {
    for (const entry of hostList.split(",")) {
      const match = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~%-]*)(?::(\d{1,5}))?$/.exec(entry);
      if (match === null) return fail("has a host that is not a name, an IPv4 address or a bracketed IPv6 address, with an optional :port");
      const port = match[2] === undefined ? 5432 : Number(match[2]);
      if (port < 1 || port > 65535) return fail("has a port outside 1-65535");
      const host = decode(match[1]!);
      if (host === undefined) return fail("has a % in a host that is not followed by two hex digits");
      hosts.push(host.startsWith("[") ? host.slice(1, -1) : host);
      ports.push(port);
    }
  }

  const queryStart = tail.indexOf("?");
  const path = queryStart === -1 ? tail : tail.slice(0, queryStart);
  const query = queryStart === -1 ? "" : tail.slice(queryStart + 1);
  let database: string | undefined;
  if (path.length > 1) {
    database = decode(path.slice(1));
    if (database === undefined || database.includes("/")) return fail("has a database name that is not one path segment");
  }

  const parameters = new Map<string, string>();
  for (const pair of query === "" ? [] : query.split("&")) {
    const equals = pair.indexOf("=");
    const name = decode(equals === -1 ? pair : pair.slice(0, equals));
    const value = decode(equals === -1 ? "" : pair.slice(equals + 1));
    if (name === undefined || value === undefined) return fail("has a parameter with a % that is not followed by two hex digits");
    if (!PARAMETERS.has(name)) return fail(`has a parameter lobby does not know (${safeName(name)}); it knows ${[...PARAMETERS].join(", ")}`);
    if (parameters.has(name)) return fail(`has the parameter ${name} twice`);
    parameters.set(name, value);
  }
  const sslmode = parameters.get("sslmode");
  if (sslmode !== undefined && !SSL_MODES.has(sslmode)) return fail(`has sslmode=${safeName(sslmode)}; use one of ${[...SSL_MODES].join(", ")}`);
  const prepare = parameters.get("prepare");
  if (prepare !== undefined && prepare !== "true" && prepare !== "false") return fail("has prepare that is neither true nor false");
  const pgbouncer = parameters.get("pgbouncer");
  if (pgbouncer !== undefined && pgbouncer !== "true" && pgbouncer !== "false") return fail("has pgbouncer that is neither true nor false");
  if (pgbouncer === "true" && prepare === "true") {
    return fail("has pgbouncer=true and prepare=true: PgBouncer in transaction mode cannot keep prepared statements (leave prepare out)");
  }
  const socket = parameters.get("host");
  if (socket !== undefined) {
    if (!socket.startsWith("/")) return fail("has a host parameter that is not an absolute socket directory");
    if (hosts.length > 0 && hosts.some((host) => host !== "")) return fail("has both a host and a host parameter");
    hosts.length = 0;
    hosts.push(socket);
    if (ports.length === 0) ports.push(5432);
  }
  if (hosts.length === 0 || hosts.some((host) => host === "")) return fail("has no host");

  const shownHosts = hostList === "" ? "" : hostList;
  const shownUser = userinfo === undefined ? "" : `${userinfo.slice(0, userinfo.includes(":") ? userinfo.indexOf(":") : undefined)}${password === undefined ? "" : ":***"}@`;
  const redacted = `${scheme[0]}${shownUser}${shownHosts}${path}`;
  return {
    ok: true,
    url: {
      hosts,
      ports,
      user,
      password,
      database,
      sslmode,
      applicationName: parameters.get("application_name"),
      prepare: prepare !== "false" && pgbouncer !== "true",
      pgbouncer: pgbouncer === "true",
      redacted,
    },
  };
}

/** What {@link parseDatabaseUrls} answers. */
export type DatabaseUrlsResult = { ok: true; urls: readonly DatabaseUrl[] } | { ok: false; problem: string };

/**
 * Reads one or several comma-separated URLs, as `DATABASE_READ_URL` takes
 * them. A comma splits the list only where a new `postgres://` or
 * `postgresql://` URL follows it, so a URL with several hosts
 * (`postgres://a:5432,b:5432/db`, tried in order) stays one URL.
 *
 * @param text The URLs.
 * @returns Each connection in order, or what is wrong with which URL.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseDatabaseUrls } from "./database_url.ts";
 * const result = parseDatabaseUrls("postgres://app@replica-1/lobby,postgres://app@replica-2a,replica-2b/lobby");
 * assert.ok(result.ok);
 * if (result.ok) assert.deepEqual(result.urls.map((url) => url.hosts), [["replica-1"], ["replica-2a", "replica-2b"]]);
 * assert.deepEqual(parseDatabaseUrls("postgres://app@replica-1/lobby, mysql://replica-2/lobby"), {
 *   ok: false,
 *   problem: "has a URL (the 2nd) that must be a postgres:// or postgresql:// URL",
 * });
 * ```
 */
export function parseDatabaseUrls(text: string): DatabaseUrlsResult {
  const parts = text.split(/,(?=\s*[A-Za-z][A-Za-z0-9+.-]*:\/\/)/).map((part) => part.trim());
  const urls: DatabaseUrl[] = [];
  for (const [i, part] of parts.entries()) {
    const parsed = parseDatabaseUrl(part);
    if (!parsed.ok) return { ok: false, problem: parts.length === 1 ? parsed.problem : `has a URL (the ${ordinal(i + 1)}) that ${parsed.problem}` };
    urls.push(parsed.url);
  }
  return { ok: true, urls };
}

function ordinal(n: number): string {
  const suffix = n % 100 >= 11 && n % 100 <= 13 ? "th" : ["th", "st", "nd", "rd"][n % 10] ?? "th";
  return `${n}${suffix}`;
}

function hasSpaceOrControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code <= 0x20 || code === 0x7f || /\s/.test(text[i]!)) return true;
  }
  return false;
}

function fail(problem: string): DatabaseUrlResult {
  return { ok: false, problem };
}

// Percent-decoding that says no instead of throwing.
function decode(text: string): string | undefined {
  if (/%(?![0-9A-Fa-f]{2})/.test(text)) return undefined;
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

// A parameter name or value shown back only when it is plainly a word.
function safeName(text: string): string {
  return /^[A-Za-z0-9_.-]{1,32}$/.test(text) ? text : "…";
}
