/**
 * The fetch handler: route → method → auth → request checks → repository →
 * envelope → response, for both dialects.
 *
 * @module
 */
import * as v from "valibot";
import { parseOptions } from "../_options.ts";
import { clientHashMatches, createVerifier, extractBearer, type KeySetEventReason, type VerifierOptions } from "../auth/mod.ts";
import { negotiateLocale } from "../locale/mod.ts";
import { type RepositoryEvent, RepositoryUnavailableError, type WorkspaceMembership, type WorkspaceRepository } from "../repository/mod.ts";
import { Deadlines } from "./_deadlines.ts";
import { Reply } from "./_reply.ts";
import { type Dialect, matchRoute, resolveRoutes, type Route, ROUTES_OPTION, type RouteOptions, splitUrl } from "./_routes.ts";

export type { Dialect, RouteOptions };

/** Something worth a line in the server's log. Never carries a token, a key or an SQL value. */
export interface HandlerEvent {
  /**
   * `auth_rejected` (warn), `repository_unavailable` (warn), `internal_error`
   * (error), `key_source_problem` (warn: the key set could not refresh, such
   * as a JWKS issuer down; cached keys stay in use).
   *
   * From a repository that has `watch` (both of lobby's), instead of an
   * event per failed request: `database_down` (error: the database cannot
   * be reached; requests are answered 503 at once until it is back),
   * `database_up` (warn: it answers again; `refused` and `durationMs` say
   * what the outage cost) and `database_error` (error: a failure that is
   * not an outage, such as a missing table or a wrong database name, once
   * per distinct error per minute; the request is answered 500). A
   * repository without `watch` gets `repository_unavailable` and
   * `internal_error` per failed request, as before.
   */
  readonly event:
    | "auth_rejected"
    | "repository_unavailable"
    | "internal_error"
    | "key_source_problem"
    | "database_down"
    | "database_up"
    | "database_error";
  /** The dialect of the request; absent for `key_source_problem` and the `database_` events. */
  readonly dialect?: Dialect;
  /**
   * For `auth_rejected`: a token failure reason, a bearer failure or
   * `client_hash_mismatch`. For `key_source_problem`: a {@link KeySetEventReason}.
   * For `database_down`: what showed it, a driver's or server's code such as
   * `ECONNREFUSED`, `CONNECT_TIMEOUT` or `57P01`, or `NO_ANSWER` (a request
   * reached its deadline with nothing heard from the database).
   */
  readonly reason?: string;
  /**
   * For `auth_rejected` with `claim_check_failed`: the claim check's code.
   * For `database_error`: the SQLSTATE (`42P01`, `3D000`…) or the driver's
   * code (`QUEUE_FULL` when too many requests wait for the database).
   */
  readonly code?: string;
  /** For `database_error`: the error's first line, every quoted part replaced by `"..."`. */
  readonly message?: string;
  /** For `database_error`: how many more of the same error there were since it was last logged. */
  readonly repeated?: number;
  /** For `database_up`: how many requests were refused or failed as unavailable during the outage. */
  readonly refused?: number;
  /** For `database_up`: how long the outage lasted, in milliseconds. */
  readonly durationMs?: number;
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
  /**
   * How long the repository may take before the answer is 503, in
   * milliseconds (default 5000). The repository is then told through the
   * `signal` it was given, and drops the listing if it was not yet sent.
   */
  readonly timeoutMs?: number;
  /** Receives auth rejections and errors (default: errors and outages to `console.error`, key source problems to `console.warn`). */
  readonly log?: (event: HandlerEvent) => void;
}

/** A standard fetch handler. */
export type FetchHandler = (request: Request) => Promise<Response>;

/**
 * What the handler reads of a request. A `Request` is one; an adapter can
 * pass something lighter (see {@link WorkspacesHandler.answer}).
 */
export interface PlainRequest {
  /** The method, upper-case as sent. */
  readonly method: string;
  /** The absolute URL. */
  readonly url: string;
  /** Case-insensitive lookup; repeated fields joined with `", "`. */
  readonly headers: { get(name: string): string | null };
}

/** A response before it is a `Response`: lower-case header names, the body as text or none. */
export interface PlainResponse {
  /** The HTTP status. */
  readonly status: number;
  /** The headers, names in lower case. */
  readonly headers: Readonly<Record<string, string>>;
  /** The body, or `null` for none (HEAD, 204). */
  readonly body: string | null;
}

/**
 * The handler {@link createWorkspacesHandler} makes: a fetch handler that
 * can also answer a {@link PlainRequest} with a {@link PlainResponse}. An
 * adapter for a runtime where `Request` and `Response` are costly to build
 * (Node's `toNodeListener` is one) calls `answer` and writes the plain
 * answer itself; both give the same answers.
 */
export interface WorkspacesHandler extends FetchHandler {
  /** Answers without building a `Request` or a `Response`. Never rejects. */
  readonly answer: (request: PlainRequest) => Promise<PlainResponse>;
}

const ALLOW = "GET, HEAD, OPTIONS";
// X-Workspace-Id, when sent: 1–64 characters of A-Za-z0-9_.-
const WORKSPACE_ID = /^[A-Za-z0-9_.-]{1,64}$/;
const isFunction = (value: unknown): boolean => typeof value === "function";

const OPTIONS = v.object({
  repository: v.custom<WorkspaceRepository>(
    (value) => isFunction((value as WorkspaceRepository | null)?.listForUser),
    "must be an object with a listForUser(userId) method",
  ),
  auth: v.custom<VerifierOptions>((value) => typeof value === "object" && value !== null, "must be an object with at least keys"),
  routes: ROUTES_OPTION,
  realm: v.optional(
    v.pipe(
      v.string("must be a string"),
      v.regex(/^[\x20\x21\x23-\x5b\x5d-\x7e]{1,64}$/, "must be 1-64 visible ASCII characters without quotes or backslashes"),
    ),
    "lobby",
  ),
  now: v.optional(v.custom<() => number>(isFunction, "must be a function"), () => Date.now),
  timeoutMs: v.optional(
    v.pipe(v.number("must be a number"), v.integer("must be an integer"), v.minValue(1, "must be from 1 to 600000"), v.maxValue(600_000, "must be from 1 to 600000")),
    5000,
  ),
  log: v.optional(v.custom<(event: HandlerEvent) => void>(isFunction, "must be a function"), () => logErrors),
});

const OUTSIDE_NOT_FOUND: PlainResponse = {
  status: 404,
  headers: { "content-type": "text/plain; charset=utf-8", "content-language": "en" },
  body: "Not Found\n",
};

/**
 * Builds the fetch handler that serves both dialects.
 *
 * Options are checked once, here; every request then gets an answer in its
 * dialect's envelope, whatever it holds. The handler never throws.
 *
 * @param options The repository, auth and optional routes, realm, clock, timeout and log.
 * @returns A {@link WorkspacesHandler}: `(request: Request) => Promise<Response>`, plus `answer`.
 * @throws {TypeError} Naming the first bad option, such as `createWorkspacesHandler: options.timeoutMs must be from 1 to 600000`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createWorkspacesHandler } from "./handler.ts";
 * import { secretKeys } from "../auth/mod.ts";
 * const handler = createWorkspacesHandler({
 *   repository: { listForUser: () => Promise.resolve([]) },
 *   auth: { keys: await secretKeys("a secret of at least thirty-two bytes!") },
 * });
 * const response = await handler(new Request("http://localhost/api/v1/workspaces"));
 * assert.equal(response.status, 401);
 * assert.equal((await response.json()).error.code, 1001);
 * ```
 */
export function createWorkspacesHandler(options: WorkspacesHandlerOptions): WorkspacesHandler {
  const { repository, realm, now, timeoutMs, log, routes: routeOption } = parseOptions("createWorkspacesHandler", OPTIONS, options);
  const verify = createVerifier(options.auth);
  const deadlines = new Deadlines(timeoutMs);
  const routes = resolveRoutes(routeOption);
  options.auth.keys.watch?.(({ reason, source, detail }) => {
    log(detail === undefined ? { event: "key_source_problem", reason, source } : { event: "key_source_problem", reason, source, detail });
  });
  // A repository that reports its own outages and errors is not logged per request.
  const watched = typeof repository.watch === "function";
  if (watched) repository.watch!((event) => log(databaseEvent(event)));

  // The repository's answer; "unavailable" once timeoutMs pass first (the
  // repository is told through the signal); "failed" for an error a
  // watched repository has already reported.
  function list(dialect: Dialect, userId: string): Promise<readonly WorkspaceMembership[] | "unavailable" | "failed"> {
    return new Promise((resolve, reject) => {
      const wait = deadlines.start(() => resolve("unavailable"));
      const done = (rows: readonly WorkspaceMembership[]) => {
        deadlines.settle(wait);
        resolve(rows);
      };
      const failed = (error: unknown) => {
        deadlines.settle(wait);
        if (watched) return resolve(error instanceof RepositoryUnavailableError ? "unavailable" : "failed");
        if (!(error instanceof RepositoryUnavailableError)) return reject(error);
        log({ event: "repository_unavailable", dialect, error });
        resolve("unavailable");
      };
      try {
        repository.listForUser(userId, { signal: deadlines.signal(wait) }).then(done, failed);
      } catch (error) {
        failed(error);
      }
    });
  }

  // The user the request speaks for, or the 401 that says why not.
  async function authenticate(request: PlainRequest, reply: Reply): Promise<string | PlainResponse> {
    const { dialect } = reply;
    const bearer = extractBearer(request.headers.get("authorization"));
    if (!bearer.ok) {
      log({ event: "auth_rejected", dialect, reason: bearer.reason });
      return reply.unauthorized(bearer.reason, false);
    }
    const verified = await verify(bearer.token, now());
    if (!verified.ok) {
      const { reason, code } = verified;
      log(code === undefined ? { event: "auth_rejected", dialect, reason } : { event: "auth_rejected", dialect, reason, code });
      return reply.unauthorized("invalid_token", reason === "expired" || reason === "too_old");
    }
    const { userId, clientHash } = verified.principal;
    // A token bound to a device is bound in both dialects: they list the
    // same workspaces, so checking one only would be bypassed by the URL.
    if (clientHash !== null && !clientHashMatches(clientHash, request.headers.get("x-client-hash"))) {
      log({ event: "auth_rejected", dialect, reason: "client_hash_mismatch" });
      return reply.unauthorized("invalid_token", false);
    }
    return userId;
  }

  async function serve(request: PlainRequest, route: Route, query: string, reply: Reply): Promise<PlainResponse> {
    const method = request.method;
    if (method === "OPTIONS") return reply.send(204, null, { allow: ALLOW });
    if (method !== "GET" && method !== "HEAD") return reply.fail("method_not_allowed", { allow: ALLOW });

    const user = await authenticate(request, reply);
    if (typeof user !== "string") return user;

    // The listing takes no parameters: one it does not know would be
    // silently ignored, and a client asking for `?role=owner` would
    // believe it had filtered.
    if (query !== "" || !validHeaders(route.dialect, request.headers)) return reply.fail("malformed_request");

    const rows = await list(route.dialect, user);
    if (rows === "unavailable") return reply.fail("service_unavailable");
    if (rows === "failed") return reply.fail("internal_error");
    return reply.success(rows);
  }

  async function answer(request: PlainRequest): Promise<PlainResponse> {
    const { path, query } = splitUrl(request.url);
    const route = matchRoute(routes, path);
    if (route === undefined) return OUTSIDE_NOT_FOUND;
    const reply = new Reply(route.dialect, request.method === "HEAD", realm, now);
    try {
      reply.locale = negotiateLocale(request.headers.get("accept-language"));
      if (path !== route.path) return reply.fail("not_found");
      return await serve(request, route, query, reply);
    } catch (error) {
      log({ event: "internal_error", dialect: route.dialect, error });
      return reply.fail("internal_error");
    }
  }

  const handler = async (request: Request): Promise<Response> => {
    const { status, headers, body } = await answer(request);
    return new Response(body, { status, headers });
  };
  return Object.assign(handler, { answer });
}

function validHeaders(dialect: Dialect, headers: PlainRequest["headers"]): boolean {
  if (dialect !== "system") return true;
  const workspaceId = headers.get("x-workspace-id");
  return workspaceId === null || WORKSPACE_ID.test(workspaceId);
}

// A repository's event as the handler logs it.
function databaseEvent(event: RepositoryEvent): HandlerEvent {
  if (event.event === "down") return { event: "database_down", reason: event.reason };
  if (event.event === "up") return { event: "database_up", refused: event.refused, durationMs: event.durationMs };
  return { event: "database_error", code: event.code, message: event.message, repeated: event.repeated };
}

// The default log: what an operator must see, never a token, a key or an SQL value.
function logErrors(event: HandlerEvent): void {
  if (event.event === "internal_error") console.error("lobby: internal error", event.error);
  else if (event.event === "database_down") console.error(`lobby: database down (${event.reason}); answering 503 until it is back`);
  else if (event.event === "database_up") {
    console.warn(`lobby: database back after ${((event.durationMs ?? 0) / 1000).toFixed(1)} s; ${event.refused} requests refused meanwhile`);
  } else if (event.event === "database_error") {
    const more = event.repeated ? ` (${event.repeated} more since last logged)` : "";
    console.error(`lobby: database error ${event.code}: ${event.message}${more}`);
  }
  else if (event.event === "repository_unavailable") {
    const cause = (event.error as { cause?: { code?: unknown } } | undefined)?.cause;
    console.error(`lobby: database unavailable (${String(cause?.code ?? "unknown")})`);
  } else if (event.event === "key_source_problem") console.warn(`lobby: key source problem ${event.reason} (${event.source})`);
}
