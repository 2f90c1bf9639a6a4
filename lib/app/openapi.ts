/**
 * The OpenAPI 3.1 document of both endpoints: every status, both envelopes,
 * every header lobby reads or sets. It is built from the tables the handler
 * answers from (the failures, the enums, the languages, the envelopes
 * themselves for the examples), so a new failure or enum value shows up in
 * it without an edit here.
 *
 * Headers and parameters are named once, in `HEADERS` and `PARAMETERS`,
 * and listed where they apply (`DIALECT_HEADERS`, `EXTRA_HEADERS`,
 * `READS`): a header lobby starts to set, or one it starts to read, is an
 * entry in one table and its name in one list. A new status is one entry in
 * `EXTRA_HEADERS`, if it carries a header of its own, and its failures in
 * the failure table.
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { openApiDocument } from "./openapi.ts";
 * const document = openApiDocument();
 * assert.equal(document.openapi, "3.1.0");
 * assert.ok("/api/v1/workspaces" in document.paths);
 * ```
 *
 * @module
 */
import {
  FAILURES,
  type FailureSpec,
  type ParameterFault,
  SYSTEM_API_VERSION,
  systemFailure,
  systemSuccess,
  uptimerFailure,
  uptimerSuccess,
} from "../envelope/mod.ts";
import type { Dialect, PlainResponse } from "../handler/mod.ts";
import { DEFAULT_ROUTES } from "../handler/mod.ts";
import { encodeCursor, filtersFingerprint } from "../handler/_cursor.ts";
import { LOCALES } from "../locale/mod.ts";
import { WORKSPACE_KIND, WORKSPACE_STATUS, type WorkspaceMembership } from "../repository/mod.ts";
import { VERSION } from "./cli.ts";

/**
 * A JSON value: what the document is made of.
 *
 * @example
 * ```ts
 * import type { Json } from "./openapi.ts";
 * const schema: Json = { type: ["string", "null"] };
 * ```
 */
export type Json = string | number | boolean | null | readonly Json[] | { readonly [key: string]: Json };

/**
 * An OpenAPI 3.1 document: the fields lobby's has, each a JSON value.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openApiDocument, type OpenApiDocument } from "./openapi.ts";
 * const document: OpenApiDocument = openApiDocument();
 * assert.equal(document.info.title, "lobby");
 * ```
 */
export interface OpenApiDocument {
  /** The OpenAPI version, `3.1.0`. */
  readonly openapi: "3.1.0";
  /** Title, lobby's version, description and licence. */
  readonly info: { readonly title: string; readonly version: string; readonly [key: string]: Json };
  /** One path item per endpoint. */
  readonly paths: { readonly [path: string]: Json };
  /** The schemas, responses, headers, parameters and security scheme the paths refer to. */
  readonly components: { readonly [section: string]: Json };
  /** The rest: tags, and the default security. */
  readonly [key: string]: Json;
}

type JsonObject = { [key: string]: Json };

const ref = (section: string, name: string): JsonObject => ({ $ref: `#/components/${section}/${name}` });

// A header lobby sets on the answers that list it (always, unless `required` is false): a string of `schema`.
const header = (description: string, schema: JsonObject, required = true): JsonObject => ({
  required,
  description,
  schema: { type: "string", ...schema },
});

// Every header lobby sets, by name.
const HEADERS: { readonly [name: string]: JsonObject } = {
  "Cache-Control": header("Every answer is per user: `private, no-cache`.", { const: "private, no-cache" }),
  "Vary": header(
    "The answer depends on the token and the language: `Authorization, Accept-Language` (and `Origin` when CORS is on).",
    { pattern: "^Authorization, Accept-Language(, Origin)?$" },
  ),
  "X-Request-Id": header(
    "The request's id, as in the server's log: the `X-Request-Id` the client sent when it is 1-128 of `A-Za-z0-9._:-`, " +
      "else a new one.",
    { pattern: "^[A-Za-z0-9._:-]{1,128}$" },
  ),
  "Content-Language": header(
    "The language of `message` (and of the system dialect's enum names), negotiated from `Accept-Language`.",
    { enum: [...LOCALES] },
  ),
  "WWW-Authenticate": header(
    "The bearer challenge (RFC 6750): `Bearer realm=\"lobby\"` when no token was sent; with " +
      "`error=\"invalid_request\"` for an `Authorization` header that is not `Bearer <token>`; with " +
      "`error=\"invalid_token\"` and an `error_description` that tells an expired token (`The access token expired`) " +
      "from any other refusal (`The access token is invalid`).",
    { pattern: "^Bearer realm=\"[^\"]*\"" },
  ),
  "Allow": header("The methods the path answers: `GET, HEAD, OPTIONS`.", { const: "GET, HEAD, OPTIONS" }),
  "ETag": header(
    "The version of this user's listing in this dialect and language, when the repository keeps versions (lobby's " +
      "Postgres and PGlite repositories do): send it back in `If-None-Match` to get a 304 while nothing changed.",
    { pattern: "^W/\".+\"$" },
    false,
  ),
  "Content-Length": header("On a HEAD answer: the length in bytes of the body the same GET would have.", { pattern: "^[0-9]+$" }),
  "Link": header(
    "On a page (`limit` or `cursor`) that is not the last: the next page (RFC 8288), `<path?parameters>; rel=\"next\"`, " +
      "a reference relative to the request's path with the request's parameters in their order and `cursor` replaced " +
      "or added. Follow it as it is; absent on the last page and on a 304.",
    { pattern: "^<[^<>]+>; rel=\"next\"$" },
    false,
  ),
  "X-Total-Count": header(
    "With `count=true`: how many workspaces match the filters in all, whatever the page. Absent on a 304.",
    { pattern: "^(0|[1-9][0-9]*)$" },
    false,
  ),
};

// Headers on every answer of both dialects; then the ones only some statuses carry.
const DIALECT_HEADERS: readonly string[] = ["Cache-Control", "Vary", "Content-Language", "X-Request-Id"];
const EXTRA_HEADERS: { readonly [status: number]: readonly string[] } = {
  200: ["ETag", "Link", "X-Total-Count"],
  204: ["Allow"],
  401: ["WWW-Authenticate"],
  405: ["Allow"],
};
// A 304 carries what a cache refreshes its copy with, and no Content-Language.
const NOT_MODIFIED_HEADERS: readonly string[] = ["Cache-Control", "Vary", "X-Request-Id", "ETag"];

// A request header lobby reads, never required by the schema (the checks say when it must be there).
const parameter = (name: string, description: string, schema: JsonObject = {}, where = "header"): JsonObject => ({
  name,
  in: where,
  required: false,
  description,
  schema: { type: "string", ...schema },
});
// A query parameter of the listing: all optional, each at most once.
const query = (name: string, description: string, schema: JsonObject): JsonObject =>
  parameter(name, `${description} Given twice, or with a value it does not take, it is refused (400, naming it).`, schema, "query");
// A comma-separated list of codes: one or more, each exactly one of them.
const codes = (values: readonly string[]): JsonObject => ({ pattern: `^(${values.join("|")})(,(${values.join("|")}))*$` });

// Every request header lobby reads (besides Authorization, which is the security scheme).
const PARAMETERS: { readonly [name: string]: JsonObject } = {
  AcceptLanguage: parameter(
    "Accept-Language",
    `The language of the messages: ${LOCALES.join(", ")} (zh-TW, zh-HK and zh-MO get zh-Hant); ` +
      "q-values are honoured; English when nothing matches. Such as `ja-JP, en;q=0.5`.",
  ),
  XClientHash: parameter(
    "X-Client-Hash",
    "The client's device fingerprint. Required, and must be equal, when the token carries a client-hash " +
      "claim (`chash` by default): the token is bound to that device in both dialects. Otherwise ignored.",
  ),
  XRequestId: parameter(
    "X-Request-Id",
    "The caller's id for this request, echoed back and logged when it is 1-128 of `A-Za-z0-9._:-`; otherwise lobby makes one.",
  ),
  Traceparent: parameter(
    "traceparent",
    "W3C Trace Context: a valid one puts its trace id and the caller's span into the server's log line for the request.",
  ),
  IfNoneMatch: parameter(
    "If-None-Match",
    "ETags of listings the client holds (or `*`): when the current one is among them, the answer is a 304 without a body.",
  ),
  XWorkspaceId: parameter(
    "X-Workspace-Id",
    "The client's current workspace. Optional; when sent it must be 1-64 of `A-Za-z0-9_.-` (else 400). " +
      "Never used for authorization.",
    { pattern: "^[A-Za-z0-9_.-]{1,64}$" },
  ),
  Limit: query(
    "limit",
    "A page of at most this many workspaces (1-500, digits only, no sign or leading zero), the first in listing order; " +
      "the answer links the next page (`Link`, and `meta.next_cursor` in the uptimer dialect).",
    { pattern: "^[1-9][0-9]{0,2}$" },
  ),
  Cursor: query(
    "cursor",
    "Where the page starts: the `cursor` of the previous page's `Link` (or `meta.next_cursor`), opaque, for the same " +
      "filters. Without `limit`, the page has the previous one's size. A cursor grants nothing: the user is always the " +
      "token's.",
    { pattern: "^[A-Za-z0-9_-]{1,2048}$" },
  ),
  Role: query("role", "Only memberships with one of these roles (comma-separated).", codes(["owner", "member"])),
  Status: query(
    "status",
    "Only workspaces with one of these statuses (comma-separated; `UNKNOWN` is any stored value outside the others).",
    codes([...Object.keys(WORKSPACE_STATUS), "UNKNOWN"]),
  ),
  Kind: query(
    "kind",
    "Only workspaces of one of these kinds (comma-separated; `UNKNOWN` is any stored value outside the others).",
    codes([...Object.keys(WORKSPACE_KIND), "UNKNOWN"]),
  ),
  Q: query(
    "q",
    "Only workspaces whose name starts with this, compared case-insensitively (folded with the database's `lower()`): " +
      "1-100 characters, no control characters or noncharacters.",
    { minLength: 1, maxLength: 100 },
  ),
  Count: query(
    "count",
    "`true`: the answer says how many workspaces match the filters in all (`X-Total-Count`, and `meta.total_count` in " +
      "the uptimer dialect). Never counted unless asked.",
    { enum: ["true", "false"] },
  ),
};

// The listing's query parameters, taken when the repository serves pages (lobby's do).
const QUERY = ["Limit", "Cursor", "Role", "Status", "Kind", "Q", "Count"] as const;

// Which parameters each dialect's listing reads.
const READS: { readonly [D in Dialect]: readonly string[] } = {
  system: [...QUERY, "AcceptLanguage", "XClientHash", "XWorkspaceId", "IfNoneMatch", "XRequestId", "Traceparent"],
  uptimer: [...QUERY, "AcceptLanguage", "XClientHash", "IfNoneMatch", "XRequestId", "Traceparent"],
};

const TIME = { type: "string", format: "date-time", pattern: "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z$" };

// An object with exactly these fields, every one of them present (null where it has no value).
function closed(properties: { readonly [name: string]: JsonObject }, description?: string): JsonObject {
  const schema: JsonObject = { type: "object", required: Object.keys(properties), additionalProperties: false, properties };
  return description === undefined ? schema : { ...schema, description };
}

function enumSchema(codes: { readonly [code: string]: number }, what: string): JsonObject {
  return closed(
    { value: { type: "integer" }, name: { type: "string" }, code: { type: "string", enum: [...Object.keys(codes), "UNKNOWN"] } },
    `${what}: the stored number, its name in the answer's language, and its code ` +
      `(${Object.entries(codes).map(([code, value]) => `${value} ${code}`).join(", ")}; UNKNOWN for any other stored value).`,
  );
}

// The system envelope around `code`, `message` and `data`.
function systemEnvelope(success: boolean, fields: { code: JsonObject; message: string; data: JsonObject }): JsonObject {
  return closed({
    version: { const: SYSTEM_API_VERSION },
    timestamp: { type: "integer", description: "When the answer was made, in epoch milliseconds." },
    success: { const: success },
    code: fields.code,
    message: { type: "string", description: fields.message },
    data: fields.data,
  });
}

const LISTED = "The user's workspaces, oldest first (then by business id); `[]` when there are none.";
const NULL = { type: "null" };

const SCHEMAS: { readonly [name: string]: JsonObject } = {
  SystemWorkspace: closed({
    bizId: { type: "string", description: "The workspace's business id." },
    institutionBizId: { type: "string", description: "The business id of the institution it belongs to." },
    entityBizId: { type: ["string", "null"], description: "The business id of its entity, or null." },
    workspaceName: { type: "string" },
    workspaceTimezone: { type: "string", description: "An IANA time zone name." },
    workspaceStatus: ref("schemas", "SystemStatus"),
    workspaceKind: ref("schemas", "SystemKind"),
    extraData: { type: ["string", "null"], description: "A JSON document as text, or null." },
    createdAt: { ...TIME, description: "UTC, to the second." },
    updatedAt: { ...TIME, description: "UTC, to the second." },
  }),
  SystemStatus: enumSchema(WORKSPACE_STATUS, "The workspace's status"),
  SystemKind: enumSchema(WORKSPACE_KIND, "The workspace's kind"),
  SystemSuccess: systemEnvelope(true, {
    code: { const: "2000" },
    message: "`SUCCESS`, in the answer's language.",
    data: { type: "array", description: LISTED, items: ref("schemas", "SystemWorkspace") },
  }),
  SystemFailure: systemEnvelope(false, {
    code: { type: "string", enum: unique(Object.values(FAILURES).map((spec) => spec.system)) },
    message: "The code's text in the answer's language.",
    data: NULL,
  }),
  UptimerWorkspace: closed({
    id: { type: "string", description: "The workspace's business id." },
    name: { type: "string" },
    role: { type: "string", enum: ["owner", "member"], description: "The user's role in the workspace." },
    kind: { const: "workspace" },
  }),
  UptimerSuccess: closed({
    result: { type: "array", description: LISTED, items: ref("schemas", "UptimerWorkspace") },
    error: NULL,
    meta: {
      description: "`null`, unless the request asked for a page or a count.",
      oneOf: [NULL, ref("schemas", "UptimerPageMeta"), ref("schemas", "UptimerCountMeta")],
    },
  }),
  UptimerPageMeta: {
    type: "object",
    description: "A page (`limit` or `cursor`): where the next one starts, and with `count=true` the total.",
    required: ["next_cursor", "has_more"],
    additionalProperties: false,
    properties: {
      next_cursor: { type: ["string", "null"], pattern: "^[A-Za-z0-9_-]+$", description: "The next page's `cursor`; `null` on the last page." },
      has_more: { type: "boolean", description: "Whether a next page follows." },
      total_count: { type: "integer", minimum: 0, description: "With `count=true`: how many workspaces match the filters in all." },
    },
  },
  UptimerCountMeta: closed({
    total_count: { type: "integer", minimum: 0, description: "How many workspaces match the filters in all." },
  }, "`count=true` without a page."),
  UptimerError: closed({
    code: { type: "integer", enum: unique(Object.values(FAILURES).map((spec) => spec.uptimer)) },
    error_type: { type: "string", enum: unique(Object.values(FAILURES).map((spec) => spec.errorType)) },
    message: { type: "string", description: "A short text in the answer's language." },
    details: { type: "string", description: "A longer text in the answer's language." },
  }),
  UptimerFailure: closed({ result: NULL, error: ref("schemas", "UptimerError"), meta: NULL }),
};

// What each failure status means, for the responses' descriptions.
const MEANING: { readonly [status in FailureSpec["status"]]: string } = {
  400: "A query parameter the listing does not take, a value it does not accept or a parameter given twice (the " +
    "message names the parameter and what it takes), or a malformed `X-Workspace-Id`. Behind a repository without " +
    "pages, every query parameter.",
  401: "No token, an `Authorization` header that is not `Bearer <token>`, or a token that is invalid, expired, " +
    "not yet valid, for another issuer or audience, or bound to another `X-Client-Hash`.",
  404: "Not this path: any other path under the dialect's prefix gets this answer (a path outside both prefixes gets a " +
    "plain-text `Not Found`).",
  405: "A method other than GET, HEAD and OPTIONS.",
  500: "An unexpected error; the body never carries details.",
  503: "The database is unreachable, or did not answer within the timeout (5 s by default). Try again later.",
};

// The seeds' examples, as rows, for the success examples.
const EXAMPLE_ROWS: { readonly [D in Dialect]: readonly WorkspaceMembership[] } = {
  system: [
    row("WS_INVITE_TEST_001", "Primary Workspace", "UTC", "owner", "2026-03-22T10:30:00Z"),
    row("WS_INVITE_TEST_002", "Secondary Workspace", "America/New_York", "member", "2026-03-22T11:00:00Z"),
  ],
  uptimer: [
    row("ws_123456", "Production Monitoring", "UTC", "owner", "2026-03-22T10:30:00Z"),
    row("ws_789012", "Staging Environment", "UTC", "member", "2026-03-22T11:00:00Z"),
  ],
};
const EXAMPLE_TIME = Date.UTC(2024, 2, 2);
// What a cursor looks like (the position is the repository's own text).
const EXAMPLE_CURSOR = encodeCursor({ position: "2026-03-22T10:30:00Z ws_123456", filters: filtersFingerprint({}), limit: 1 });
// Refused parameters, as the 400 examples show them.
const EXAMPLE_FAULTS: readonly ParameterFault[] = [
  { parameter: "limit", problem: "invalid" },
  { parameter: "cursor", problem: "invalid" },
  { parameter: "status", problem: "repeated" },
];

function row(bizId: string, name: string, timezone: string, role: "owner" | "member", at: string): WorkspaceMembership {
  const date = new Date(at);
  return {
    bizId, institutionBizId: "INST_001", entityBizId: null, name, timezone, status: WORKSPACE_STATUS.ACTIVE,
    kind: WORKSPACE_KIND.LIVE, extraData: null, createdAt: date, updatedAt: date, role,
  };
}

function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}

function capitalized(dialect: Dialect): string {
  return dialect === "system" ? "System" : "Uptimer";
}

function headersOf(status: number): JsonObject {
  const names = status === 304 ? NOT_MODIFIED_HEADERS : [...DIALECT_HEADERS, ...(EXTRA_HEADERS[status] ?? [])];
  return Object.fromEntries(names.map((name) => [name, ref("headers", name)]));
}

// The dialect's answers by status, as components.responses.
function dialectResponses(dialect: Dialect): JsonObject {
  const name = capitalized(dialect);
  const responses: JsonObject = {
    [`${name}Ok`]: {
      description: "The user's workspaces.",
      headers: headersOf(200),
      content: {
        "application/json": {
          schema: ref("schemas", `${name}Success`),
          examples: dialect === "system"
            ? { workspaces: { value: systemSuccess(EXAMPLE_ROWS.system, "en", EXAMPLE_TIME) as unknown as Json } }
            : {
              workspaces: { value: uptimerSuccess(EXAMPLE_ROWS.uptimer) as unknown as Json },
              page: {
                summary: "?limit=1&count=true: the first page, the next one's cursor and the total",
                value: { ...uptimerSuccess(EXAMPLE_ROWS.uptimer.slice(0, 1)), meta: { next_cursor: EXAMPLE_CURSOR, has_more: true, total_count: 2 } } as unknown as Json,
              },
              count: {
                summary: "?role=owner&count=true: a filtered listing and its count, without a page",
                value: { ...uptimerSuccess(EXAMPLE_ROWS.uptimer.slice(0, 1)), meta: { total_count: 1 } } as unknown as Json,
              },
            },
        },
      },
    },
    [`${name}NotModified`]: {
      description: "The listing is the one `If-None-Match` names: the client's copy is current.",
      headers: { ...headersOf(304), ETag: { ...HEADERS.ETag, required: true } },
    },
    [`${name}Options`]: { description: "The methods this path answers; no token needed.", headers: headersOf(204) },
  };
  const byStatus = new Map<FailureSpec["status"], [string, FailureSpec][]>();
  for (const [failure, spec] of Object.entries(FAILURES)) {
    byStatus.set(spec.status, [...(byStatus.get(spec.status) ?? []), [failure, spec]]);
  }
  for (const [status, failures] of byStatus) {
    const codes = failures.map(([, spec]) => (dialect === "system" ? spec.system : spec.uptimer));
    const codeSchema: JsonObject = { enum: unique(codes) };
    const schema: JsonObject = dialect === "system"
      ? { $ref: "#/components/schemas/SystemFailure", properties: { code: codeSchema } }
      : { $ref: "#/components/schemas/UptimerFailure", properties: { error: { properties: { code: codeSchema } } } };
    const examples: JsonObject = Object.fromEntries(failures.map(([failure]) => {
      const key = failure as keyof typeof FAILURES;
      const body = dialect === "system" ? systemFailure(key, "en", EXAMPLE_TIME) : uptimerFailure(key, "en");
      return [failure, { value: body as unknown as Json }];
    }));
    if (status === 400) {
      for (const fault of EXAMPLE_FAULTS) {
        const body = dialect === "system"
          ? systemFailure("malformed_request", "en", EXAMPLE_TIME, fault)
          : uptimerFailure("malformed_request", "en", fault);
        examples[`${fault.parameter}_${fault.problem}`] = { value: body as unknown as Json };
      }
    }
    responses[`${name}${status}`] = {
      description: `${MEANING[status]} Codes: ${unique(codes).join(", ")}.`,
      headers: headersOf(status),
      content: { "application/json": { schema, examples } },
    };
  }
  return responses;
}

// The path item of one dialect's listing.
function pathItem(dialect: Dialect): JsonObject {
  const name = capitalized(dialect);
  const failureStatuses = unique(Object.values(FAILURES).map((spec) => spec.status)).filter((status) => status !== 405);
  const answers = (head: boolean): JsonObject => {
    const responses: JsonObject = { 200: ref("responses", `${name}Ok`), 304: ref("responses", `${name}NotModified`) };
    for (const status of failureStatuses) responses[status] = ref("responses", `${name}${status}`);
    if (!head) return responses;
    // A HEAD answer has the GET's status and headers, and no body (a 304 has none either way).
    return Object.fromEntries(Object.entries(responses).map(([status, response]) => [status, status === "304" ? response : {
      description: `As GET, without the body.`,
      headers: { ...headersOf(Number(status)), "Content-Length": ref("headers", "Content-Length") },
    }]));
  };
  const listing = {
    tags: [dialect],
    security: [{ bearer: [] }],
    parameters: READS[dialect].map((parameter) => ref("parameters", parameter)),
  };
  const item: JsonObject = {
    summary: `The ${dialect} dialect: which workspaces am I in?`,
    get: {
      ...listing,
      operationId: `list${name}Workspaces`,
      summary: "List the workspaces the token's user is a member of",
      description: "Without query parameters, the whole listing. With them (when the repository serves pages, as " +
        "lobby's do): a keyset page (`limit`, then `cursor` from the answer's `Link`), filters (`role`, `status`, " +
        "`kind`, combined with AND, the codes of one with OR), a case-insensitive name prefix (`q`) and a count " +
        "(`count=true`), in any combination. A parameter it does not take, a value it does not accept or a parameter " +
        "given twice is refused (400) rather than ignored, so that no client believes it has filtered or paged; a " +
        "repository without pages refuses every parameter. Each set of parameters has its own `ETag`. Checks run in " +
        "order: path, method, token, then headers and parameters.",
      responses: answers(false),
    },
    head: { ...listing, operationId: `head${name}Workspaces`, summary: "As GET, without the body", responses: answers(true) },
    options: {
      tags: [dialect],
      security: [],
      operationId: `options${name}Workspaces`,
      summary: "The methods this path answers",
      responses: { 204: ref("responses", `${name}Options`) },
    },
  };
  // Any other method is refused before the token is looked at.
  for (const method of ["post", "put", "patch", "delete"]) {
    item[method] = {
      tags: [dialect],
      security: [],
      operationId: `${method}${name}Workspaces`,
      summary: "Not supported",
      responses: { 405: ref("responses", `${name}405`) },
    };
  }
  return item;
}

/**
 * Builds the OpenAPI 3.1 document of both endpoints on their default paths:
 * a new object on every call.
 *
 * @returns The document, ready for `JSON.stringify`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openApiDocument } from "./openapi.ts";
 * const document = openApiDocument();
 * const get = (document.paths["/web/v1/system/workspaces/mine"] as { get: { responses: object } }).get;
 * assert.deepEqual(Object.keys(get.responses), ["200", "304", "400", "401", "404", "500", "503"]);
 * ```
 */
export function openApiDocument(): OpenApiDocument {
  return {
    openapi: "3.1.0",
    info: {
      title: "lobby",
      version: VERSION,
      summary: "Which workspaces am I in?",
      description: "Two dialects of one listing: the workspaces the bearer token's user is a member of. The system " +
        `dialect answers in the envelope \`{version, timestamp, success, code, message, data}\` (version ${SYSTEM_API_VERSION}), ` +
        "the uptimer dialect in `{result, error, meta}`. Every answer is JSON (`application/json; charset=utf-8`), " +
        "per user, and in the language `Accept-Language` asks for. An embedder may move either path, or turn a dialect off.",
      license: { name: "MIT", identifier: "MIT" },
    },
    tags: [
      { name: "system", description: "The system dialect." },
      { name: "uptimer", description: "The uptimer dialect." },
    ],
    paths: {
      [DEFAULT_ROUTES.system.path]: pathItem("system"),
      [DEFAULT_ROUTES.uptimer.path]: pathItem("uptimer"),
    },
    components: {
      securitySchemes: {
        bearer: {
          type: "http",
          scheme: "bearer",
          bearerFormat: "JWT",
          description: "A JWT whose signature, expiry and (when configured) issuer, audience and type lobby checks; its " +
            "subject (`sub` by default) is the user.",
        },
      },
      parameters: PARAMETERS,
      headers: HEADERS,
      schemas: SCHEMAS,
      responses: { ...dialectResponses("system"), ...dialectResponses("uptimer") },
    },
  };
}

let answerText: string | undefined;

/**
 * The standalone server's answer to `GET /openapi.json`: the document as
 * JSON, made once.
 *
 * @returns A 200 with the document.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openApiAnswer } from "./openapi.ts";
 * const answer = openApiAnswer();
 * assert.equal(answer.status, 200);
 * assert.equal(JSON.parse(answer.body ?? "").openapi, "3.1.0");
 * ```
 */
export function openApiAnswer(): PlainResponse {
  answerText ??= JSON.stringify(openApiDocument());
  return {
    status: 200,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "public, max-age=300" },
    body: answerText,
  };
}
