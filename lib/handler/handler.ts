/**
 * The fetch handler: route → method → auth → request checks → repository →
 * envelope → `Response`, for both dialects.
 *
 * @module
 */
import * as v from "valibot";
import { clientHashMatches, createVerifier, extractBearer, type VerifierOptions } from "../auth/verifier.ts";
import { _systemSuccessJson, _uptimerSuccessJson, systemFailure, uptimerFailure } from "../envelope/envelope.ts";
import { Deadlines } from "./_deadlines.ts";
import { FAILURES, type FailureName } from "../envelope/failures.ts";
import { negotiateLocale } from "../locale/negotiate.ts";
import type { Locale } from "../locale/catalogue.ts";
import { RepositoryUnavailableError, type WorkspaceRepository } from "../repository/repository.ts";
import type { WorkspaceMembership } from "../repository/workspace.ts";

/** The two API dialects lobby serves. */
export type Dialect = "system" | "uptimer";

/** Where a dialect is served: its route, and the prefix under which unknown paths get its 404. */
export interface RouteOptions {
  /** The listing's path, e.g. `/web/v1/system/workspaces/mine`. */
  readonly path?: string;
  /** Paths that start with this get the dialect's 404, e.g. `/web/v1/system/`. */
  readonly prefix?: string;
}

/** Something worth a line in the server's log. Never carries a token or a key. */
export interface HandlerEvent {
  /**
   * `auth_rejected` (warn), `repository_unavailable` (warn), `internal_error`
   * (error), `key_source_problem` (warn: the key set could not refresh, such
   * as a JWKS issuer down; cached keys stay in use).
   */
  readonly event: "auth_rejected" | "repository_unavailable" | "internal_error" | "key_source_problem";
  /** The dialect of the request; absent for `key_source_problem`. */
  readonly dialect?: Dialect;
  /**
   * For `auth_rejected`: a `TokenFailureReason`, a bearer failure or
   * `client_hash_mismatch`. For `key_source_problem`: a `KeySetEventReason`.
   */
  readonly reason?: string;
  /** For `auth_rejected` with `claim_check_failed`: the claim check's code. */
  readonly code?: string;
  /** For `key_source_problem`: which source (a JWKS URL without query or credentials). */
  readonly source?: string;
  /** For `key_source_problem`: the HTTP status, or how many keys were skipped. */
  readonly detail?: number;
  /** For `repository_unavailable` and `internal_error`: the error, for the operator's eyes only. */
  readonly error?: unknown;
}

/** Options of {@link createWorkspacesHandler}. */
export interface WorkspacesHandlerOptions {
  /** Where the memberships come from. */
  readonly repository: WorkspaceRepository;
  /** How bearer tokens are verified: keys, issuer, audience, clock skew, claim names. */
  readonly auth: VerifierOptions;
  /** Override a dialect's path and prefix, or turn it off with `false`. */
  readonly routes?: {
    readonly system?: RouteOptions | false;
    readonly uptimer?: RouteOptions | false;
  };
  /** The realm in `WWW-Authenticate` (default `"lobby"`). */
  readonly realm?: string;
  /** The clock in epoch milliseconds (default `Date.now`). */
  readonly now?: () => number;
  /** How long the repository may take before the answer is 503 (default 5000 ms). */
  readonly timeoutMs?: number;
  /** Receives auth rejections and errors (default: errors to `console.error`). */
  readonly log?: (event: HandlerEvent) => void;
}

/** A standard fetch handler. */
export type FetchHandler = (request: Request) => Promise<Response>;

/**
 * What the handler reads of a request: a `Request` is one. The Node adapter
 * passes a lighter view of the incoming message (see {@link _ANSWER}).
 */
export interface _RequestView {
  readonly method: string;
  /** Absolute and normalized, as `Request.url` is. */
  readonly url: string;
  readonly headers: { get(name: string): string | null };
}

/** A response before it is a `Response`: header names lower-case, body text or none. */
export interface _Answer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | null;
}

/**
 * The key under which a handler made by {@link createWorkspacesHandler}
 * carries its answer function, `(view: _RequestView) => Promise<_Answer>`.
 * `toNodeListener` calls it instead of the handler, so that on Node no
 * `Request` or `Response` is built (they cost more there than the whole
 * handler). Not part of the public API.
 */
export const _ANSWER: unique symbol = Symbol("lobby.answer");

/**
 * The default routes of DESIGN.md.
 *
 * @example
 * ```ts
 * import { DEFAULT_ROUTES } from "./handler.ts";
 * DEFAULT_ROUTES.uptimer.path; // "/api/v1/workspaces"
 * ```
 */
export const DEFAULT_ROUTES: {
  readonly system: Required<RouteOptions>;
  readonly uptimer: Required<RouteOptions>;
} = {
  system: { path: "/web/v1/system/workspaces/mine", prefix: "/web/v1/system/" },
  uptimer: { path: "/api/v1/workspaces", prefix: "/api/v1/" },
};

const ALLOW = "GET, HEAD, OPTIONS";
// DESIGN.md: 1–64 characters of A-Za-z0-9_.-
const WORKSPACE_ID = /^[A-Za-z0-9_.-]{1,64}$/;

const _path = v.pipe(
  v.string(),
  v.regex(/^\/[\x21-\x7e]*$/, "must be an absolute path of visible ASCII characters"),
);
const _route = v.union(
  [v.literal(false), v.strictObject({ path: v.optional(_path), prefix: v.optional(_path) })],
  "must be false or an object with optional path and prefix",
);
const _optionsSchema = v.object({
  repository: v.custom<WorkspaceRepository>(
    (value) => typeof (value as WorkspaceRepository | null)?.listForUser === "function",
    "must be an object with a listForUser(userId) method",
  ),
  auth: v.custom<VerifierOptions>(
    (value) => typeof value === "object" && value !== null,
    "must be an object with at least `keys`",
  ),
  routes: v.optional(v.strictObject({ system: v.optional(_route), uptimer: v.optional(_route) })),
  realm: v.optional(
    v.pipe(v.string(), v.regex(/^[\x20\x21\x23-\x5b\x5d-\x7e]{1,64}$/, "must be 1-64 visible ASCII characters without quotes or backslashes")),
  ),
  now: v.optional(v.custom<() => number>((value) => typeof value === "function", "must be a function")),
  timeoutMs: v.optional(
    v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(600_000, "must be an integer from 1 to 600000")),
  ),
  log: v.optional(v.custom<(event: HandlerEvent) => void>((value) => typeof value === "function", "must be a function")),
});

interface _Route {
  readonly dialect: Dialect;
  readonly path: string;
  readonly prefix: string;
}

/**
 * Builds the fetch handler that serves both dialects of DESIGN.md.
 *
 * Options are checked once, here; every request then gets an answer in its
 * dialect's envelope, whatever it holds. The handler never throws.
 *
 * @param options The repository, auth and optional routes, realm, clock and timeouts.
 * @returns `(request: Request) => Promise<Response>`.
 * @throws {TypeError} naming the first bad option.
 * @example
 * ```ts
 * import { createWorkspacesHandler, secretKeys, pgliteRepository, openEmbeddedDatabase } from "../../mod.ts";
 * const db = await openEmbeddedDatabase(undefined);
 * const handler = createWorkspacesHandler({
 *   repository: pgliteRepository(db),
 *   auth: { keys: await secretKeys("a secret of at least thirty-two bytes!") },
 * });
 * Deno.serve(handler);
 * ```
 */
export function createWorkspacesHandler(options: WorkspacesHandlerOptions): FetchHandler {
  const parsed = v.safeParse(_optionsSchema, options);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    const where = v.getDotPath(issue) ?? "";
    // valibot reports a missing key as "Invalid key"; say what is meant.
    const message = issue.kind === "schema" && issue.input === undefined ? "is required" : issue.message;
    throw new TypeError(`createWorkspacesHandler: options${where ? "." + where : ""} ${message}`);
  }
  const verify = createVerifier(options.auth);
  const repository = options.repository;
  const now = options.now ?? Date.now;
  const deadlines = new Deadlines(options.timeoutMs ?? 5000);
  const log = options.log ?? _logErrors;
  options.auth.keys.watch?.(({ reason, source, detail }) => {
    log(detail === undefined ? { event: "key_source_problem", reason, source } : { event: "key_source_problem", reason, source, detail });
  });
  const realm = options.realm ?? "lobby";
  const routes = _routes(options.routes);

  function respond(
    status: number,
    text: string | null,
    locale: Locale,
    head: boolean,
    extra?: Record<string, string>,
  ): _Answer {
    const headers: Record<string, string> = {
      "content-type": "application/json; charset=utf-8",
      "cache-control": "private, no-cache",
      "vary": "Authorization, Accept-Language",
      "content-language": locale,
    };
    if (extra !== undefined) Object.assign(headers, extra);
    if (text === null) return { status, headers, body: null };
    if (!head) return { status, headers, body: text };
    headers["content-length"] = String(_utf8Length(text));
    return { status, headers, body: null };
  }

  function fail(
    dialect: Dialect,
    failure: FailureName,
    locale: Locale,
    head: boolean,
    extra?: Record<string, string>,
  ): _Answer {
    const body = dialect === "system" ? systemFailure(failure, locale, now()) : uptimerFailure(failure, locale);
    return respond(FAILURES[failure].status, JSON.stringify(body), locale, head, extra);
  }

  function challenge(failure: FailureName, expired: boolean): Record<string, string> {
    if (failure === "missing_authorization") return { "www-authenticate": `Bearer realm="${realm}"` };
    if (failure === "malformed_authorization") {
      return {
        "www-authenticate":
          `Bearer realm="${realm}", error="invalid_request", error_description="The Authorization header must be Bearer <token>"`,
      };
    }
    const description = expired ? "The access token expired" : "The access token is invalid";
    return { "www-authenticate": `Bearer realm="${realm}", error="invalid_token", error_description="${description}"` };
  }

  // The repository's answer, or "unavailable" once timeoutMs pass first.
  function list(dialect: Dialect, userId: string): Promise<readonly WorkspaceMembership[] | "unavailable"> {
    return new Promise((resolve, reject) => {
      const wait = deadlines.start(() => resolve("unavailable"));
      const done = (rows: readonly WorkspaceMembership[]) => {
        deadlines.settle(wait);
        resolve(rows);
      };
      const failed = (error: unknown) => {
        deadlines.settle(wait);
        if (!(error instanceof RepositoryUnavailableError)) return reject(error);
        log({ event: "repository_unavailable", dialect, error });
        resolve("unavailable");
      };
      try {
        repository.listForUser(userId).then(done, failed);
      } catch (error) {
        failed(error);
      }
    });
  }

  async function serve(request: _RequestView, route: _Route, query: string, locale: Locale): Promise<_Answer> {
    const { dialect } = route;
    const method = request.method;
    const head = method === "HEAD";
    if (method === "OPTIONS") return respond(204, null, locale, false, { allow: ALLOW });
    if (method !== "GET" && !head) return fail(dialect, "method_not_allowed", locale, head, { allow: ALLOW });

    const bearer = extractBearer(request.headers.get("authorization"));
    if (!bearer.ok) {
      log({ event: "auth_rejected", dialect, reason: bearer.reason });
      return fail(dialect, bearer.reason, locale, head, challenge(bearer.reason, false));
    }
    const verified = await verify(bearer.token, now());
    if (!verified.ok) {
      const { reason, code } = verified;
      log(code === undefined ? { event: "auth_rejected", dialect, reason } : { event: "auth_rejected", dialect, reason, code });
      const expired = reason === "expired" || reason === "too_old";
      return fail(dialect, "invalid_token", locale, head, challenge("invalid_token", expired));
    }
    const principal = verified.principal;
    if (
      dialect === "system" && principal.clientHash !== null &&
      !clientHashMatches(principal.clientHash, request.headers.get("x-client-hash"))
    ) {
      log({ event: "auth_rejected", dialect, reason: "client_hash_mismatch" });
      return fail(dialect, "invalid_token", locale, head, challenge("invalid_token", false));
    }

    // The listing takes no parameters: one it does not know would be
    // silently ignored, and a client asking for `?role=owner` would
    // believe it had filtered.
    if (query !== "" || !_validHeaders(dialect, request.headers)) {
      return fail(dialect, "malformed_request", locale, head);
    }

    const rows = await list(dialect, principal.userId);
    if (rows === "unavailable") return fail(dialect, "service_unavailable", locale, head);
    // The envelope written straight to JSON: the same text as
    // JSON.stringify(systemSuccess(…)), without the objects in between.
    const text = dialect === "system" ? _systemSuccessJson(rows, locale, now()) : _uptimerSuccessJson(rows);
    return respond(200, text, locale, head);
  }

  async function answer(request: _RequestView): Promise<_Answer> {
    const { path, query } = _splitUrl(request.url);
    const route = _match(routes, path);
    if (route === undefined) return _OUTSIDE_NOT_FOUND;
    let locale: Locale = "en";
    try {
      locale = negotiateLocale(request.headers.get("accept-language"));
      if (path !== route.path) return fail(route.dialect, "not_found", locale, request.method === "HEAD");
      return await serve(request, route, query, locale);
    } catch (error) {
      log({ event: "internal_error", dialect: route.dialect, error });
      return fail(route.dialect, "internal_error", locale, request.method === "HEAD");
    }
  }

  const handleWorkspaces = async function handleWorkspaces(request: Request): Promise<Response> {
    const { status, headers, body } = await answer(request);
    return new Response(body, { status, headers });
  };
  return Object.defineProperty(handleWorkspaces, _ANSWER, { value: answer });
}

function _routes(options: WorkspacesHandlerOptions["routes"]): readonly _Route[] {
  const routes: _Route[] = [];
  for (const dialect of ["system", "uptimer"] as const) {
    const option = options?.[dialect];
    if (option === false) continue;
    const path = option?.path ?? DEFAULT_ROUTES[dialect].path;
    const prefix = option?.prefix ?? (option?.path === undefined ? DEFAULT_ROUTES[dialect].prefix : path);
    if (!path.startsWith(prefix)) {
      throw new TypeError(`createWorkspacesHandler: options.routes.${dialect}.path must start with its prefix`);
    }
    routes.push({ dialect, path, prefix });
  }
  return routes;
}

function _match(routes: readonly _Route[], path: string): _Route | undefined {
  for (const route of routes) if (path === route.path) return route;
  for (const route of routes) if (path.startsWith(route.prefix)) return route;
  return undefined;
}

// `new URL()` costs more than the whole route decision; a request URL is
// always absolute, so the path starts at the first "/" after "//".
function _splitUrl(url: string): { path: string; query: string } {
  const authority = url.indexOf("//");
  const start = url.indexOf("/", authority === -1 ? 0 : authority + 2);
  if (start === -1) return { path: "/", query: "" };
  const hash = url.indexOf("#", start);
  const end = hash === -1 ? url.length : hash;
  const mark = url.indexOf("?", start);
  if (mark === -1 || mark > end) return { path: url.slice(start, end), query: "" };
  return { path: url.slice(start, mark), query: url.slice(mark + 1, end) };
}

function _validHeaders(dialect: Dialect, headers: _RequestView["headers"]): boolean {
  if (dialect !== "system") return true;
  const workspaceId = headers.get("x-workspace-id");
  return workspaceId === null || WORKSPACE_ID.test(workspaceId);
}

const _OUTSIDE_NOT_FOUND: _Answer = {
  status: 404,
  headers: { "content-type": "text/plain; charset=utf-8", "content-language": "en" },
  body: "Not Found\n",
};

function _utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

function _logErrors(event: HandlerEvent): void {
  if (event.event === "internal_error") console.error("lobby: internal error", event.error);
  else if (event.event === "key_source_problem") console.warn(`lobby: key source problem ${event.reason} (${event.source})`);
}
