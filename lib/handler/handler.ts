/**
 * The fetch handler: route → method → auth → request checks → repository →
 * envelope → response, for both dialects.
 *
 * @module
 */
import * as v from "valibot";
import { parseOptions } from "../_options.ts";
import { clientHashMatches, createVerifier, extractBearer, type VerifierOptions } from "../auth/mod.ts";
import { negotiateLocale } from "../locale/mod.ts";
import { LISTING_PARAMETERS, type ListingParameter, listingItemFormat, type ParameterFault } from "../envelope/mod.ts";
import {
  type ListingItemFormat,
  type ListingPage,
  type ListingQuery,
  type ListOptions,
  type RepositoryEvent,
  RepositoryUnavailableError,
  type VersionedItems,
  type WorkspaceMembership,
  type WorkspaceRepository,
} from "../repository/mod.ts";
import { Deadlines } from "./_deadlines.ts";
import { ifNoneMatchMatches, listingEtag } from "./_etag.ts";
import { type CachedListing, ENCODED_FROM, ListingCache } from "./_listing_cache.ts";
import { pageExtras, type PagePlan, planPage } from "./_listing_page.ts";
import { parseListingParameters } from "./_listing_parameters.ts";
import { CORS_OPTION, type CorsOptions, CorsPolicy } from "./_cors.ts";
import { HEALTH_OPTION, type HealthOptions, type Readiness, ReadinessCheck } from "./_health.ts";
import { Reply } from "./_reply.ts";
import { parseTraceparent, requestIdFor, type TraceContext } from "./_request_id.ts";
import type { HandlerMetrics } from "./handler_metrics.ts";
import { HANDLER_EVENT_LEVELS, LOG_LEVELS, type LogLevel, passes } from "./log_level.ts";
import { type Dialect, matchRoute, resolveRoutes, type Route, ROUTES_OPTION, type RouteOptions, splitUrl } from "./_routes.ts";

export type { CorsOptions, Dialect, HandlerMetrics, HealthOptions, LogLevel, Readiness, RouteOptions };

/** Something worth a line in the server's log. Never carries a token, a key or an SQL value. */
export interface HandlerEvent {
  /**
   * `request` (info: the access log, one per answered request, with the
   * method, path, status, dialect, code, duration, bytes and user),
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
    | "request"
    | "auth_rejected"
    | "repository_unavailable"
    | "internal_error"
    | "key_source_problem"
    | "database_down"
    | "database_up"
    | "database_error";
  /** How much it matters (see `HANDLER_EVENT_LEVELS`): set on every event the handler passes to `log`. */
  readonly level?: LogLevel;
  /** The request's id (its `X-Request-Id` when valid, else the one made for it): on every event of a request. */
  readonly requestId?: string;
  /** The trace id of the request's W3C `traceparent`, when it has a valid one. */
  readonly traceId?: string;
  /** The parent-id of the request's `traceparent`: the caller's span. */
  readonly spanId?: string;
  /** For `request`: the method, as sent. */
  readonly method?: string;
  /** For `request`: the path, without the query. */
  readonly path?: string;
  /** For `request`: the HTTP status answered. */
  readonly status?: number;
  /** For `request`: how long the handler took to answer, in microseconds. */
  readonly durationUs?: number;
  /** For `request`: the bytes of the body sent (0 for `HEAD` and answers without a body). */
  readonly bytes?: number;
  /** For `request`: the user the token speaks for (its subject claim), once verified; never another claim. */
  readonly user?: string;
  /** The dialect of the request (for `request`, absent outside both dialects); absent for `key_source_problem` and the `database_` events. */
  readonly dialect?: Dialect;
  /**
   * For `auth_rejected`: a token failure reason, a bearer failure or
   * `client_hash_mismatch`. For `key_source_problem`: a `KeySetEventReason`.
   * For `database_down`: what showed it, a driver's or server's code such as
   * `ECONNREFUSED`, `CONNECT_TIMEOUT` or `57P01`, or `NO_ANSWER` (a request
   * reached its deadline with nothing heard from the database).
   */
  readonly reason?: string;
  /**
   * For `request`: the answer's code in its dialect (the system `code`, or
   * the uptimer `error.code` as a string), absent when the answer has none.
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
  /**
   * Where the memberships come from. With `listingVersion` and `listItems`,
   * answers get `ETag`s and 304s; with `listingVersion` and `listPage`, the
   * listing also takes query parameters (pages, filters, a count).
   */
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
  /**
   * The least level of the events passed to `log` (default `"warn"`: set
   * `"info"` for the access log, a `request` event per request). Events
   * below it are not even made.
   */
  readonly logLevel?: LogLevel;
  /** CORS for browser pages on other origins; off when absent. */
  readonly cors?: CorsOptions;
  /** Liveness and readiness endpoints at paths of your choosing, and how readiness is judged; no endpoint without paths. */
  readonly health?: HealthOptions;
  /**
   * More exact paths to answer (`GET` and `HEAD`; `OPTIONS` is answered, any
   * other method gets 405), such as a metrics page: their answers get the
   * request id, the access log, the metrics and CORS as the dialects' do.
   */
  readonly endpoints?: Readonly<Record<string, HandlerEndpoint>>;
  /** Receives counts and timings: requests, refusals, token cache lookups, repository listings. */
  readonly metrics?: HandlerMetrics;
  /**
   * The memory of encoded listings (and pages), for a repository with listing versions
   * (`listingVersion` and `listItems` or `listPage`, as lobby's have): each request reads
   * the user's version (one index range) and reads the listing only for a
   * version it has not kept. Bounded in `entries` (default 10,000) and in
   * `bytes` (default 33,554,432: 32 MiB, the text's length in UTF-16 code
   * units); `false`, or a bound of 0, turns it off. With it off, or with a
   * repository without versions, nothing is kept. `ETag` and `304` need
   * only a repository with versions.
   */
  readonly cache?: ListingCacheOptions | false;
}

/**
 * The bounds of the handler's memory of encoded listings (the `cache`
 * option); 0 in either turns it off.
 *
 * @example
 * ```ts
 * import type { ListingCacheOptions } from "./handler.ts";
 * const small: ListingCacheOptions = { entries: 1000, bytes: 4 * 1024 * 1024 };
 * ```
 */
export interface ListingCacheOptions {
  /** How many listings it keeps at most (default 10,000). */
  readonly entries?: number;
  /** How large they may be together, in UTF-16 code units of their JSON text (default 33,554,432). */
  readonly bytes?: number;
}

/** The default bounds of the `cache` option. */
const CACHE_DEFAULTS = { entries: 10_000, bytes: 32 * 1024 * 1024 } as const;

/** A standard fetch handler. */
export type FetchHandler = (request: Request) => Promise<Response>;

/**
 * An endpoint of the `endpoints` option: its answer to a `GET` (a `HEAD` gets the same without the body).
 *
 * @example
 * ```ts
 * import type { HandlerEndpoint } from "./handler.ts";
 * const version: HandlerEndpoint = () => ({ status: 200, headers: { "content-type": "text/plain" }, body: "1.0.0\n" });
 * ```
 */
export type HandlerEndpoint = (request: PlainRequest) => PlainResponse | Promise<PlainResponse>;

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
  /**
   * The same body in pieces, text and UTF-8 bytes, when the handler keeps
   * part of it encoded (a large listing): an adapter that writes them one
   * after the other sends the bytes of `body` without building that text
   * and encoding it again.
   */
  readonly chunks?: readonly (string | Uint8Array)[];
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
  /**
   * Whether lobby can answer listings: the database answers (one probe at
   * a time, its result kept for a second) and a verification key is
   * loaded; what the `health.ready` path answers. Never rejects. Every
   * handler `createWorkspacesHandler` makes has it; a wrapper may not.
   */
  readonly ready?: () => Promise<Readiness>;
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
  logLevel: v.optional(v.picklist(LOG_LEVELS, `must be one of ${LOG_LEVELS.join(", ")}`)),
  cors: CORS_OPTION,
  health: HEALTH_OPTION,
  endpoints: v.optional(
    v.record(
      v.pipe(v.string(), v.regex(/^\/[\x21-\x7e]*$/, "must have absolute paths of visible ASCII characters as keys")),
      v.custom<HandlerEndpoint>(isFunction, "must map paths to functions"),
      "must be an object mapping paths to functions",
    ),
    {},
  ),
  cache: v.optional(
    v.union([
      v.literal(false),
      v.strictObject({
        entries: v.optional(
          v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(10_000_000)),
          CACHE_DEFAULTS.entries,
        ),
        bytes: v.optional(
          v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(Number.MAX_SAFE_INTEGER)),
          CACHE_DEFAULTS.bytes,
        ),
      }),
    ], "must be false or an object with entries (an integer from 0 to 10000000) and bytes (a non-negative integer)"),
    CACHE_DEFAULTS,
  ),
  metrics: v.optional(
    v.custom<HandlerMetrics>(
      (value) => ["request", "authRejected", "tokenCache", "repository"].every((name) => isFunction((value as Record<string, unknown> | null)?.[name])),
      "must be an object with request, authRejected, tokenCache and repository methods",
    ),
  ),
});

const TEXT = "text/plain; charset=utf-8";
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
 * With a repository that has listing versions (`listingVersion` and
 * `listItems`, as lobby's have), every 200 carries a weak `ETag`
 * (`W/"…"`, from the dialect, the language, the user and the user's listing
 * version; never from the system dialect's `timestamp`, which is why it is
 * weak). A request whose `If-None-Match` matches it by the weak comparison
 * (RFC 9110 §13.1.2: `W/` ignored, lists and `*` understood) gets, once
 * authenticated and checked, a `304` with `ETag`, `Cache-Control` and
 * `Vary` and no body, for one version lookup and no listing; `HEAD` the
 * same. An unchanged listing is answered from the `cache` option's memory.
 * A repository without versions gets neither: no `ETag`, and
 * `If-None-Match` is ignored.
 *
 * With a repository that also has `listPage`, the listing takes query
 * parameters: `limit` and `cursor` (keyset pages, the next one linked in
 * `Link`), `role`, `status`, `kind` and `q` (filters and a name prefix) and
 * `count=true` (`X-Total-Count`); the uptimer dialect's `meta` carries the
 * page and the count. Each set of parameters has its own `ETag` and 304s,
 * and a value not accepted is a 400 naming the parameter. Without
 * `listPage`, every parameter is refused with a 400, as an unknown one
 * always is. A request without parameters is answered as without
 * `listPage`, to the byte.
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
export function createWorkspacesHandler(
  options: WorkspacesHandlerOptions,
): WorkspacesHandler & { readonly ready: () => Promise<Readiness> } {
  const {
    repository,
    realm,
    now,
    timeoutMs,
    log: sink,
    routes: routeOption,
    cors: corsOption,
    health,
    endpoints,
    metrics,
    cache: cacheOption,
  } = parseOptions("createWorkspacesHandler", OPTIONS, options);
  // Events below the least level are not even made.
  const least: LogLevel = options.logLevel ?? "warn";
  const logRequests = passes("info", least);
  const timed = logRequests || metrics !== undefined;
  const verify = createVerifier(metrics === undefined ? options.auth : countingCache(options.auth, metrics));
  const cors = corsOption === undefined ? undefined : new CorsPolicy(corsOption);
  const readiness = new ReadinessCheck(health.probe ?? probeOf(repository), health.keysLoaded ?? (() => keysLoaded(options.auth.keys)), health.timeoutMs);
  const own = ownEndpoints(endpoints, health, readiness);

  // Every event goes through here: its level set, and below `least` dropped.
  function log(event: HandlerEvent): void {
    const level = event.level ?? HANDLER_EVENT_LEVELS[event.event];
    if (!passes(level, least)) return;
    try {
      sink(event.level === undefined ? { ...event, level } : event);
    } catch {
      // A broken log must not break a request.
    }
  }
  const deadlines = new Deadlines(timeoutMs);
  const routes = resolveRoutes(routeOption);
  options.auth.keys.watch?.(({ reason, source, detail }) => {
    log(detail === undefined ? { event: "key_source_problem", reason, source } : { event: "key_source_problem", reason, source, detail });
  });
  // A repository that reports its own outages and errors is not logged per request.
  const watched = typeof repository.watch === "function";
  if (watched) repository.watch!((event) => log(databaseEvent(event)));
  // With listing versions: ETags, 304s, and the memory of encoded listings.
  const versioned = typeof repository.listingVersion === "function" && typeof repository.listItems === "function";
  // With pages too: query parameters. Without, every parameter is refused.
  const pageable = typeof repository.listingVersion === "function" && typeof repository.listPage === "function";
  const cache = !(versioned || pageable) || cacheOption === false || cacheOption.entries === 0 || cacheOption.bytes === 0
    ? undefined
    : new ListingCache(cacheOption);

  // A repository call's answer; "unavailable" once timeoutMs pass first
  // (the repository is told through the signal); "failed" for an error a
  // watched repository has already reported.
  function call<T>(dialect: Dialect, task: (options: ListOptions) => Promise<T>): Promise<T | "unavailable" | "failed"> {
    return new Promise((resolve, reject) => {
      const wait = deadlines.start(() => resolve("unavailable"));
      const done = (rows: T) => {
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
        task({ signal: deadlines.signal(wait) }).then(done, failed);
      } catch (error) {
        failed(error);
      }
    });
  }

  function list(dialect: Dialect, userId: string): Promise<readonly WorkspaceMembership[] | "unavailable" | "failed"> {
    return call(dialect, (listOptions) => repository.listForUser(userId, listOptions));
  }

  // The answer from the user's listing version: a 304 when the client's
  // copy is current; the kept items when they are of that version; else
  // the items and their version read together, kept for the next request.
  // With no tag from the client and nothing kept for this listing, there is
  // nothing to compare a version with: the listing is read at once, its
  // version with it (one statement), without a lookup of its own first.
  async function versionedAnswer(request: PlainRequest, dialect: Dialect, user: string, reply: Reply): Promise<PlainResponse | "unavailable" | "failed"> {
    const locale = reply.locale;
    const key = `${dialect === "system" ? "s" : "u"}${locale}\u0000${user}`;
    const condition = request.headers.get("if-none-match");
    if (condition === null && cache?.has(key) !== true) return readListing(dialect, user, reply, key, undefined);
    const version = await call(dialect, (listOptions) => repository.listingVersion!(user, listOptions));
    if (version === "unavailable" || version === "failed") return version;
    const kept = cache?.get(key, version);
    const etag = kept?.etag ?? listingEtag(dialect, locale, user, version);
    if (condition !== null && ifNoneMatchMatches(condition, etag)) return reply.notModified(etag);
    if (kept !== undefined) return reply.successItems(kept.items, etag);
    return readListing(dialect, user, reply, key, { version, etag });
  }

  // The listing read with its version and kept under `key`; `looked` is the
  // version looked up before, if any, and its tag.
  async function readListing(
    dialect: Dialect,
    user: string,
    reply: Reply,
    key: string,
    looked: { readonly version: string; readonly etag: string } | undefined,
  ): Promise<PlainResponse | "unavailable" | "failed"> {
    const locale = reply.locale;
    const format = listingItemFormat(dialect, locale);
    const listed: VersionedItems | "unavailable" | "failed" = await call(dialect, (listOptions) => repository.listItems!(user, format, listOptions));
    if (listed === "unavailable" || listed === "failed") return listed;
    // Read after the version: the same version, or a later one.
    const items = listed.encoded ?? keptItems(listed.items);
    const tag = listed.version === looked?.version ? looked.etag : listingEtag(dialect, locale, user, listed.version);
    cache?.set(key, { version: listed.version, items, etag: tag });
    return reply.successItems(items, tag);
  }

  // A page, a filtered listing or a count, answered as versionedAnswer
  // answers the whole listing: a 304 when the client's copy is current,
  // the kept page when it is of the current version, else the page read
  // with its version; each set of parameters kept and tagged apart.
  async function pageAnswer(
    request: PlainRequest,
    path: string,
    dialect: Dialect,
    user: string,
    reply: Reply,
    plan: PagePlan,
  ): Promise<PlainResponse | "unavailable" | "failed"> {
    const version = await call(dialect, (listOptions) => repository.listingVersion!(user, listOptions));
    if (version === "unavailable" || version === "failed") return version;
    const locale = reply.locale;
    // A subject never holds a NUL, so a page's key never is another user's whole listing's.
    const whole = `${dialect === "system" ? "s" : "u"}${locale}\u0000${user}`;
    const key = plan.key === "" ? whole : `${whole}\u0000${plan.key}`;
    const kept = cache?.get(key, version);
    const etag = kept?.etag ?? listingEtag(dialect, locale, user, version, plan.key);
    const condition = request.headers.get("if-none-match");
    if (condition !== null && ifNoneMatchMatches(condition, etag)) return reply.notModified(etag);
    let listed: CachedListing | undefined = kept;
    if (listed === undefined) {
      const format = listingItemFormat(dialect, locale);
      const page = await call(dialect, (listOptions) => readPage(user, format, plan.query, listOptions));
      if (page === "unavailable" || page === "failed") return page;
      if (page instanceof RefusedQuery) return page.fault === undefined ? reply.fail("malformed_request") : reply.failParameter(page.fault);
      if (plan.count && !(Number.isSafeInteger(page.total) && page.total! >= 0)) {
        throw new TypeError("the repository's listPage returned no total for a query with count");
      }
      // Read after the version: the same version, or a later one.
      const tag = page.version === version ? etag : listingEtag(dialect, locale, user, page.version, plan.key);
      listed = { version: page.version, items: keptItems(page.items), etag: tag };
      if (plan.paginated && page.next !== undefined) listed = { ...listed, next: page.next };
      if (plan.count) listed = { ...listed, total: page.total! };
      cache?.set(key, listed);
    }
    return reply.successPage(listed.items, listed.etag, pageExtras(plan, path, listed.next, listed.total));
  }

  // The repository's page; a query it cannot answer is the client's fault,
  // named by its parameter when that is one the listing takes.
  function readPage(
    user: string,
    format: ListingItemFormat,
    query: ListingQuery,
    listOptions: ListOptions,
  ): Promise<ListingPage | RefusedQuery> {
    let read: Promise<ListingPage>;
    try {
      read = repository.listPage!(user, format, query, listOptions);
    } catch (error) {
      read = Promise.reject(error);
    }
    return read.catch((error: unknown) => {
      if (!isListingQueryError(error)) throw error;
      const parameter = error.parameter as ListingParameter;
      return new RefusedQuery(LISTING_PARAMETERS.includes(parameter) ? { parameter, problem: "invalid" } : undefined);
    });
  }

  // The user the request speaks for, or the 401 that says why not.
  async function authenticate(request: PlainRequest, reply: Reply): Promise<string | PlainResponse> {
    const bearer = extractBearer(request.headers.get("authorization"));
    if (!bearer.ok) {
      rejected(reply, bearer.reason);
      return reply.unauthorized(bearer.reason, false);
    }
    const verified = await verify(bearer.token, now());
    if (!verified.ok) {
      const { reason, code } = verified;
      rejected(reply, reason, code);
      return reply.unauthorized("invalid_token", reason === "expired" || reason === "too_old");
    }
    const { userId, clientHash } = verified.principal;
    // A token bound to a device is bound in both dialects: they list the
    // same workspaces, so checking one only would be bypassed by the URL.
    if (clientHash !== null && !clientHashMatches(clientHash, request.headers.get("x-client-hash"))) {
      rejected(reply, "client_hash_mismatch");
      return reply.unauthorized("invalid_token", false);
    }
    return userId;
  }

  // An authentication failure: counted, and logged with its reason.
  function rejected(reply: Reply, reason: string, code?: string): void {
    metrics?.authRejected(reason);
    const event: Mutable<HandlerEvent> = { event: "auth_rejected", ...requestFields(reply.request!), dialect: reply.dialect, reason };
    if (code !== undefined) event.code = code;
    log(event);
  }

  // What an OPTIONS request gets: `Allow`, and the CORS preflight headers
  // when it is a preflight from an allowed origin.
  function allowHeaders(request: PlainRequest): Record<string, string> {
    if (cors === undefined || request.headers.get("access-control-request-method") === null) return { allow: ALLOW };
    const preflight = cors.preflightHeaders(request.headers.get("origin"));
    return preflight === undefined ? { allow: ALLOW } : { allow: ALLOW, ...preflight };
  }

  async function serve(request: PlainRequest, route: Route, query: string, reply: Reply): Promise<PlainResponse> {
    const method = request.method;
    if (method === "OPTIONS") return reply.send(204, null, allowHeaders(request));
    if (method !== "GET" && method !== "HEAD") return reply.fail("method_not_allowed", { allow: ALLOW });

    const user = await authenticate(request, reply);
    if (typeof user !== "string") return user;
    reply.user = user;

    if (!validHeaders(route.dialect, request.headers)) return reply.fail("malformed_request");
    let plan: PagePlan | undefined;
    if (query !== "") {
      // Without pages from the repository, no parameter is taken: one
      // silently ignored would have a client asking for `?role=owner`
      // believe it had filtered.
      if (!pageable) return reply.fail("malformed_request");
      reply.paged = true;
      const parsed = parseListingParameters(query);
      if (!parsed.ok) return parsed.fault === undefined ? reply.fail("malformed_request") : reply.failParameter(parsed.fault);
      const planned = planPage(parsed.parameters);
      if ("problem" in planned) return reply.failParameter(planned);
      plan = planned;
    }

    const started = metrics === undefined ? 0 : performance.now();
    let rows: Awaited<ReturnType<typeof list>> | PlainResponse;
    try {
      if (plan !== undefined) rows = await pageAnswer(request, route.path, route.dialect, user, reply, plan);
      else rows = versioned ? await versionedAnswer(request, route.dialect, user, reply) : await list(route.dialect, user);
    } catch (error) {
      metrics?.repository((performance.now() - started) / 1000, "error");
      throw error;
    }
    if (metrics !== undefined) countListing(performance.now() - started, rows);
    if (rows === "unavailable") return reply.fail("service_unavailable");
    if (rows === "failed") return reply.fail("internal_error");
    return isRows(rows) ? reply.success(rows) : rows;
  }

  // A listing's time, and its failure by kind.
  function countListing(ms: number, rows: unknown): void {
    // The deadline's timer may fire a little early.
    const kind = rows === "unavailable" ? (ms >= timeoutMs - 1 ? "timeout" : "unavailable") : rows === "failed" ? "error" : undefined;
    metrics!.repository(ms / 1000, kind);
  }

  async function answer(request: PlainRequest): Promise<PlainResponse> {
    const started = timed ? performance.now() : 0;
    const headers = request.headers;
    const traceparent = headers.get("traceparent");
    const context: RequestContext = {
      id: requestIdFor(headers.get("x-request-id"), now()),
      trace: traceparent === null ? undefined : parseTraceparent(traceparent),
      cors: cors === undefined ? undefined : (cors.answerHeaders(headers.get("origin")) ?? null),
      dialect: undefined,
      code: undefined,
      user: undefined,
    };
    const { path, query } = splitUrl(request.url);
    const endpoint = own.get(path);
    let response: PlainResponse;
    if (endpoint !== undefined) response = await serveEndpoint(request, endpoint, context);
    else {
      const route = matchRoute(routes, path);
      response = route === undefined ? decorate(OUTSIDE_NOT_FOUND, context) : await serveRoute(request, route, path, query, context);
    }
    if (timed) finish(request, path, response, context, started);
    return response;
  }

  async function serveRoute(request: PlainRequest, route: Route, path: string, query: string, context: RequestContext): Promise<PlainResponse> {
    context.dialect = route.dialect;
    const reply = new Reply(route.dialect, request.method === "HEAD", realm, now, context);
    let response: PlainResponse;
    try {
      reply.locale = negotiateLocale(request.headers.get("accept-language"));
      response = path === route.path ? await serve(request, route, query, reply) : reply.fail("not_found");
    } catch (error) {
      log({ event: "internal_error", ...requestFields(context), dialect: route.dialect, error });
      response = reply.fail("internal_error");
    }
    context.code = reply.code;
    context.user = reply.user;
    return response;
  }

  // An endpoint of `endpoints` or `health`, answered like the dialects: request id, CORS, `Allow`.
  async function serveEndpoint(request: PlainRequest, endpoint: HandlerEndpoint, context: RequestContext): Promise<PlainResponse> {
    const method = request.method;
    if (method === "OPTIONS") return decorate({ status: 204, headers: allowHeaders(request), body: null }, context);
    if (method !== "GET" && method !== "HEAD") {
      return decorate({ status: 405, headers: { allow: ALLOW, "content-type": TEXT }, body: "Method Not Allowed\n" }, context);
    }
    let response: PlainResponse;
    try {
      response = await endpoint(request);
    } catch (error) {
      log({ event: "internal_error", ...requestFields(context), error });
      response = { status: 500, headers: { "content-type": TEXT }, body: "Internal Server Error\n" };
    }
    if (method === "HEAD" && response.body !== null) response = { ...response, body: null };
    return decorate(response, context);
  }

  // The access log and the request metrics; neither may fail the answer.
  function finish(request: PlainRequest, path: string, response: PlainResponse, context: RequestContext, started: number): void {
    const seconds = (performance.now() - started) / 1000;
    try {
      metrics?.request(context.dialect ?? "none", response.status, seconds);
      if (!logRequests) return;
      const event: Mutable<HandlerEvent> = { event: "request", level: "info", ...requestFields(context) };
      event.method = request.method;
      event.path = path;
      event.status = response.status;
      if (context.dialect !== undefined) event.dialect = context.dialect;
      if (context.code !== undefined) event.code = context.code;
      event.durationUs = Math.round(seconds * 1e6);
      event.bytes = bodyLength(response);
      if (context.user !== undefined) event.user = context.user;
      log(event);
    } catch {
      // A broken metrics sink must not break a request.
    }
  }

  const handler = async (request: Request): Promise<Response> => {
    const { status, headers, body, chunks } = await answer(request);
    return new Response(chunks === undefined ? body : new Blob(chunks as BlobPart[]), { status, headers });
  };
  return Object.assign(handler, { answer, ready: () => readiness.check() });
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

// What the handler knows of a request beyond the request itself.
interface RequestContext {
  readonly id: string;
  readonly trace: TraceContext | undefined;
  /** Absent with CORS off; `null` when the request's origin gets no CORS headers. */
  readonly cors: Readonly<Record<string, string>> | null | undefined;
  dialect: Dialect | undefined;
  code: string | undefined;
  user: string | undefined;
}

// The fields every event of a request carries.
function requestFields(context: { readonly id: string; readonly trace?: TraceContext | undefined }): Pick<HandlerEvent, "requestId" | "traceId" | "spanId"> {
  const trace = context.trace;
  return trace === undefined ? { requestId: context.id } : { requestId: context.id, traceId: trace.traceId, spanId: trace.spanId };
}

// An answer outside the dialects with the request's id and CORS headers.
function decorate(response: PlainResponse, context: RequestContext): PlainResponse {
  const headers: Record<string, string> = { ...response.headers, "x-request-id": context.id };
  if (context.cors !== undefined) {
    headers.vary = headers.vary === undefined ? "Origin" : `${headers.vary}, Origin`;
    if (context.cors !== null) Object.assign(headers, context.cors);
  }
  return { status: response.status, headers, body: response.body };
}

const HEALTH_HEADERS = { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" } as const;
const LIVE: PlainResponse = { status: 200, headers: HEALTH_HEADERS, body: '{"status":"ok"}' };

// The `endpoints` and the health paths, by exact path.
function ownEndpoints(
  endpoints: Readonly<Record<string, HandlerEndpoint>>,
  health: Pick<HealthOptions, "live" | "ready">,
  readiness: ReadinessCheck,
): ReadonlyMap<string, HandlerEndpoint> {
  const own = new Map(Object.entries(endpoints));
  const add = (option: "live" | "ready", endpoint: HandlerEndpoint) => {
    const path = health[option];
    if (path === undefined) return;
    if (own.has(path)) throw new TypeError(`createWorkspacesHandler: options.health.${option} must not be a path of options.endpoints or another health path (${path})`);
    own.set(path, endpoint);
  };
  add("live", () => LIVE);
  add("ready", async () => {
    const { ready, checks } = await readiness.check();
    return { status: ready ? 200 : 503, headers: HEALTH_HEADERS, body: JSON.stringify({ status: ready ? "ok" : "unavailable", checks }) };
  });
  return own;
}

// A user id no token can carry (subjects have no control characters), for
// the default readiness probe: a real listing that finds nothing.
const PROBE_USER = "\u0001lobby-readiness-probe";

function probeOf(repository: WorkspaceRepository): () => Promise<unknown> {
  const ping = (repository as { ping?: unknown }).ping;
  if (typeof ping === "function") return () => (ping as () => Promise<unknown>).call(repository);
  return () => repository.listForUser(PROBE_USER);
}

function keysLoaded(keys: VerifierOptions["keys"]): boolean {
  const count = (keys as { keyCount?: unknown }).keyCount;
  return typeof count === "number" ? count > 0 : true;
}

// The verifier's options with its cache lookups counted.
function countingCache(auth: VerifierOptions, metrics: HandlerMetrics): VerifierOptions {
  const theirs = auth.onCacheLookup;
  return { ...auth, onCacheLookup: theirs === undefined ? (hit) => metrics.tokenCache(hit) : (hit) => (theirs(hit), metrics.tokenCache(hit)) };
}

const encoder = new TextEncoder();
const scratch = new Uint8Array(65_536);

// UTF-8 bytes of a body, without allocating for the usual size.
function bodyLength(response: PlainResponse): number {
  if (response.chunks !== undefined) {
    let length = 0;
    for (const chunk of response.chunks) length += typeof chunk === "string" ? byteLength(chunk) : chunk.byteLength;
    return length;
  }
  return response.body === null ? 0 : byteLength(response.body);
}

function byteLength(text: string): number {
  if (text.length * 3 <= scratch.length) return encoder.encodeInto(text, scratch).written;
  return encoder.encode(text).length;
}

// The items of a listing as the cache keeps them: joined, and encoded once
// when large, so that each answer writes their bytes as they are. A large
// listing is encoded item by item, never joined into one text: building and
// dropping a text of megabytes costs more than the encoding.
function keptItems(items: readonly string[]): string | Uint8Array {
  let units = items.length === 0 ? 0 : items.length - 1;
  for (let i = 0; i < items.length; i++) units += items[i]!.length;
  if (units < ENCODED_FROM) return items.join(",");
  // Room for mostly ASCII text; the rest is measured first.
  return encodeJoined(items, new Uint8Array(units + (units >> 3))) ?? encodeJoined(items, new Uint8Array(utf8Length(items)))!;
}

// The items joined with commas, as UTF-8, in `into`; undefined when they do not fit.
function encodeJoined(items: readonly string[], into: Uint8Array): Uint8Array | undefined {
  let at = 0;
  for (let i = 0; i < items.length; i++) {
    if (i > 0) {
      if (at === into.length) return undefined;
      into[at++] = 0x2c;
    }
    const item = items[i]!;
    const { read, written } = encoder.encodeInto(item, into.subarray(at));
    if (read !== item.length) return undefined;
    at += written;
  }
  return at === into.length ? into : into.subarray(0, at);
}

// The UTF-8 length of the items joined with commas.
function utf8Length(items: readonly string[]): number {
  let length = items.length === 0 ? 0 : items.length - 1;
  for (let i = 0; i < items.length; i++) length += byteLength(items[i]!);
  return length;
}

function isRows(answer: readonly WorkspaceMembership[] | PlainResponse): answer is readonly WorkspaceMembership[] {
  return Array.isArray(answer);
}

// A query the repository refused with a ListingQueryError: the fault
// names the parameter, or is undefined for a name the listing does not take.
class RefusedQuery {
  constructor(readonly fault: ParameterFault | undefined) {}
}

// A ListingQueryError, also from another copy of lobby's module (a
// repository built against the package while the handler runs from source).
function isListingQueryError(error: unknown): error is { readonly parameter: string } {
  return error instanceof Error && error.name === "ListingQueryError" && typeof (error as { parameter?: unknown }).parameter === "string";
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
