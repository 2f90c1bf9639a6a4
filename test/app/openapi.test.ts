// The OpenAPI document against the OpenAPI 3.1 schema, and real answers of
// both dialects (every status, every failure, HEAD and OPTIONS) against the
// document: status, headers and body.
import { Validator } from "@seriousme/openapi-schema-validator";
import { Ajv2020 } from "ajv/dist/2020.js";
import t, { type Test } from "tap";
import { createStandaloneApp } from "../../lib/app/app.ts";
import { configFromEnvironment } from "../../lib/app/config.ts";
import { openApiAnswer, openApiDocument } from "../../lib/app/openapi.ts";
import { createWorkspacesHandler, DEFAULT_ROUTES, type Dialect } from "../../lib/handler/mod.ts";
import { secretKeys } from "../../lib/auth/mod.ts";
import {
  postgresRepository,
  RepositoryUnavailableError,
  type WorkspaceMembership,
  type WorkspaceRepository,
} from "../../lib/repository/mod.ts";
import { pagedRepository } from "../handler/_paged_repository.ts";
import { testDatabase } from "../_postgres.ts";
import { signToken } from "../_tokens.ts";

const SECRET = "openapi-test-secret-0123456789abcdef";
const NOW = Date.UTC(2026, 5, 1);
const document = openApiDocument();
type Node = Record<string, unknown>;

// An OpenAPI `$ref` inside the document, followed until it is not one.
function resolve(node: unknown): Node {
  let current = node as Node;
  while (typeof current.$ref === "string") {
    current = current.$ref.slice(2).split("/").reduce<Node>((at, key) => at[key.replace("~1", "/").replace("~0", "~")] as Node, document as unknown as Node);
  }
  return current;
}

const ajv = new Ajv2020({ strict: false, allErrors: true, formats: { "date-time": true } });
ajv.addSchema({ ...document, $id: "lobby-openapi" });
// The problems of `value` against a schema of the document; its "#/…"
// references are read in the document, registered above.
function validate(schema: unknown, value: unknown): string[] {
  const check = ajv.compile(JSON.parse(JSON.stringify(schema).replaceAll('"#/', '"lobby-openapi#/')) as Node);
  return check(value) ? [] : (check.errors ?? []).map((error) => `${error.instancePath} ${error.message}`);
}

t.test("openApiDocument is a valid OpenAPI 3.1 document", async (t) => {
  const result = await new Validator().validate(document as unknown as Parameters<Validator["validate"]>[0]);
  t.same(result, { valid: true });
  t.equal(document.openapi, "3.1.0");
  t.same(Object.keys(document.paths), [DEFAULT_ROUTES.system.path, DEFAULT_ROUTES.uptimer.path]);
});

const rows: WorkspaceMembership[] = [
  {
    bizId: "ws_1", institutionBizId: "INST_001", entityBizId: "ENT_1", name: "One", timezone: "Asia/Tokyo",
    status: 10010702, kind: 10010802, extraData: '{"plan":"pro"}', role: "owner",
    createdAt: new Date("2026-01-01T00:00:00Z"), updatedAt: new Date("2026-01-02T00:00:00Z"),
  },
  {
    bizId: "ws_2", institutionBizId: "INST_001", entityBizId: null, name: "Two", timezone: "UTC",
    status: 42, kind: 7, extraData: null, role: "member",
    createdAt: new Date("2026-01-03T00:00:00Z"), updatedAt: new Date("2026-01-03T00:00:00Z"),
  },
];

// One repository per behaviour the failures need.
const repositories: Record<string, WorkspaceRepository> = {
  rows: { listForUser: (user) => Promise.resolve(user === "alice" ? rows : []) },
  down: { listForUser: () => Promise.reject(new RepositoryUnavailableError({ cause: new Error("ECONNREFUSED") })) },
  broken: { listForUser: () => Promise.reject(new Error("relation does not exist")) },
  paged: pagedRepository({ alice: rows }),
};

interface Case {
  readonly name: string;
  readonly method?: string;
  /** A query to add to the listing's path. */
  readonly query?: string;
  /** Ask another path under the dialect's prefix instead. */
  readonly elsewhere?: boolean;
  readonly headers?: Record<string, string>;
  readonly repository?: keyof typeof repositories;
  readonly status: number;
}

const token = (claims: Record<string, unknown>) =>
  signToken({ secret: SECRET, payload: { sub: "alice", exp: NOW / 1000 + 3600, ...claims } });
const alice = await token({});
const nobody = await token({ sub: "nobody" });
const expired = await token({ exp: NOW / 1000 - 3600 });
const bound = await token({ chash: "device-1" });
const bearer = (value: string) => ({ authorization: `Bearer ${value}` });

const CASES: readonly Case[] = [
  { name: "200 with workspaces", headers: bearer(alice), status: 200 },
  { name: "200 in Japanese", headers: { ...bearer(alice), "accept-language": "ja-JP" }, status: 200 },
  { name: "200 traced", headers: { ...bearer(alice), "x-request-id": "req-1", traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" }, status: 200 },
  { name: "200 empty", headers: bearer(nobody), status: 200 },
  { name: "200 bound to the device", headers: { ...bearer(bound), "x-client-hash": "device-1" }, status: 200 },
  { name: "HEAD 200", method: "HEAD", headers: bearer(alice), status: 200 },
  { name: "OPTIONS 204", method: "OPTIONS", status: 204 },
  { name: "400 query parameter", query: "?page=2", headers: bearer(alice), status: 400 },
  { name: "401 no token", status: 401 },
  { name: "401 not Bearer", headers: { authorization: "Basic YWxpY2U6c2VjcmV0" }, status: 401 },
  { name: "401 invalid token", headers: bearer("not.a.token"), status: 401 },
  { name: "401 expired", headers: bearer(expired), status: 401 },
  { name: "401 another device", headers: { ...bearer(bound), "x-client-hash": "device-2" }, status: 401 },
  { name: "HEAD 401", method: "HEAD", status: 401 },
  { name: "404 under the prefix", elsewhere: true, headers: bearer(alice), status: 404 },
  ...["POST", "PUT", "PATCH", "DELETE"].map((method) => ({ name: `405 ${method}`, method, headers: bearer(alice), status: 405 })),
  { name: "500", headers: bearer(alice), repository: "broken", status: 500 },
  { name: "503", headers: bearer(alice), repository: "down", status: 503 },
  { name: "200 a page", query: "?limit=1", headers: bearer(alice), repository: "paged", status: 200 },
  { name: "200 a page with its count", query: "?limit=1&count=true", headers: bearer(alice), repository: "paged", status: 200 },
  { name: "200 the only page", query: "?limit=2&count=true", headers: bearer(alice), repository: "paged", status: 200 },
  { name: "200 a count", query: "?role=owner&count=true", headers: bearer(alice), repository: "paged", status: 200 },
  { name: "200 filtered", query: "?status=SUSPENDED,UNKNOWN&kind=SANDBOX&q=o", headers: bearer(alice), repository: "paged", status: 200 },
  { name: "200 without parameters, over pages", headers: bearer(alice), repository: "paged", status: 200 },
  { name: "HEAD 200 a page", method: "HEAD", query: "?limit=1&count=true", headers: bearer(alice), repository: "paged", status: 200 },
  { name: "400 a bad value", query: "?limit=0", headers: bearer(alice), repository: "paged", status: 400 },
  { name: "400 a repeated parameter", query: "?q=a&q=b", headers: bearer(alice), repository: "paged", status: 400 },
  { name: "400 an unknown parameter", query: "?page=2", headers: bearer(alice), repository: "paged", status: 400 },
];

/** `response` against the document's answer for `method` on `path` with its status: headers and body. */
async function matchesDocument(t: Test, name: string, path: string, method: string, response: Response): Promise<void> {
  const operation = resolve((document.paths[path] as Node)[method.toLowerCase()]);
  const answer = resolve((operation.responses as Node)[String(response.status)]);
  t.ok(answer, `${name}: ${method} ${response.status} is documented`);

  const documented = (answer.headers ?? {}) as Node;
  for (const [header, spec] of Object.entries(documented)) {
    const value = response.headers.get(header);
    const { schema, required } = resolve(spec);
    if (required) t.not(value, null, `${name}: ${header} is there`);
    if (value !== null) t.same(validate(schema, value), [], `${name}: ${header}: ${value}`);
  }
  // Every header lobby sets is in the document (Content-Type is the media type's).
  const names = Object.keys(documented).map((header) => header.toLowerCase());
  for (const [header] of response.headers) {
    if (header !== "content-type") t.ok(names.includes(header), `${name}: ${header} is documented`);
  }

  const text = await response.text();
  const content = answer.content as Node | undefined;
  if (content === undefined) {
    t.equal(text, "", `${name}: no body`);
    return;
  }
  t.equal(response.headers.get("content-type"), "application/json; charset=utf-8");
  const { schema, examples } = content["application/json"] as { schema: unknown; examples: Record<string, { value: unknown }> };
  t.same(validate(schema, JSON.parse(text)), [], `${name}: body`);
  for (const [example, { value }] of Object.entries(examples)) {
    t.same(validate(schema, value), [], `${name}: the example ${example} fits its own schema`);
  }
}

for (const dialect of ["system", "uptimer"] as const satisfies readonly Dialect[]) {
  t.test(`real ${dialect} answers match the document`, async (t) => {
    const keys = await secretKeys(SECRET);
    const handlers = Object.fromEntries(Object.entries(repositories).map(([name, repository]) => [
      name,
      createWorkspacesHandler({ repository, auth: { keys }, now: () => NOW, log: () => {} }),
    ]));
    const path = DEFAULT_ROUTES[dialect].path;
    const cases = dialect === "system"
      ? [...CASES, { name: "400 X-Workspace-Id", headers: { ...bearer(alice), "x-workspace-id": "no spaces" }, status: 400 }]
      : CASES;
    const seen = new Set<number>();
    for (const { name, method = "GET", query = "", elsewhere, headers = {}, repository = "rows", status } of cases) {
      // Another path under the prefix: its 404 is documented on the listing.
      const url = elsewhere ? `http://lobby.test${DEFAULT_ROUTES[dialect].prefix}nope` : `http://lobby.test${path}${query}`;
      const response = await handlers[repository]!(new Request(url, { method, headers }));
      t.equal(response.status, status, `${name}: status`);
      seen.add(status);
      await matchesDocument(t, name, path, method, response);
    }
    t.same([...seen].sort(), [200, 204, 400, 401, 404, 405, 500, 503], "every status");
  });
}

t.test("real answers over a versioned repository (ETag, If-None-Match, 304) match the document", async (t) => {
  const db = await testDatabase(t);
  if (db === undefined) return;
  const handler = createWorkspacesHandler({
    repository: postgresRepository(db.sql, { applySchema: true }),
    auth: { keys: await secretKeys(SECRET) },
    now: () => NOW,
    log: () => {},
  });
  await handler(new Request(`http://lobby.test${DEFAULT_ROUTES.uptimer.path}`, { headers: bearer(nobody) }));
  await db.sql`INSERT INTO institutions (biz_id, name) VALUES ('INST_001', 'Acme')`;
  await db.sql`INSERT INTO workspaces (biz_id, institution_biz_id, name) VALUES ('ws_1', 'INST_001', 'One')`;
  await db.sql`INSERT INTO workspace_members (user_id, workspace_id, role) SELECT 'alice', id, 'owner' FROM workspaces`;
  for (const dialect of ["system", "uptimer"] as const) {
    const path = DEFAULT_ROUTES[dialect].path;
    const ask = (method: string, headers: Record<string, string>) =>
      handler(new Request(`http://lobby.test${path}`, { method, headers: { ...bearer(alice), ...headers } }));
    const first = await ask("GET", {});
    const etag = first.headers.get("etag");
    t.ok(etag, `${dialect}: the 200 carries an ETag`);
    await matchesDocument(t, `${dialect} 200 with ETag`, path, "GET", first);
    for (const method of ["GET", "HEAD"]) {
      const again = await ask(method, { "if-none-match": etag! });
      t.equal(again.status, 304, `${dialect}: ${method} with If-None-Match`);
      await matchesDocument(t, `${dialect} ${method} 304`, path, method, again);
    }
    await matchesDocument(t, `${dialect} HEAD 200 with ETag`, path, "HEAD", await ask("HEAD", {}));
  }
});

t.test("real pages followed by their Link, and a page's 304, match the document", async (t) => {
  const handler = createWorkspacesHandler({ repository: pagedRepository({ alice: rows }), auth: { keys: await secretKeys(SECRET) }, now: () => NOW, log: () => {} });
  for (const dialect of ["system", "uptimer"] as const) {
    const path = DEFAULT_ROUTES[dialect].path;
    let target: string | undefined = `${path}?count=true&limit=1`;
    let pages = 0;
    while (target !== undefined) {
      const response: Response = await handler(new Request(`http://lobby.test${target}`, { headers: bearer(alice) }));
      t.equal(response.status, 200, `${dialect} ${target}`);
      const link: string | null = response.headers.get("link");
      const etag = response.headers.get("etag")!;
      await matchesDocument(t, `${dialect} page ${++pages}`, path, "GET", response);
      const again = await handler(new Request(`http://lobby.test${target}`, { headers: { ...bearer(alice), "if-none-match": etag } }));
      t.equal(again.status, 304);
      await matchesDocument(t, `${dialect} page ${pages}: 304`, path, "GET", again);
      target = link === null ? undefined : /^<([^>]+)>/.exec(link)![1];
    }
    t.equal(pages, rows.length, `${dialect}: one page per workspace`);
  }
});

t.test("a body the document does not allow is caught", async (t) => {
  const operation = resolve((document.paths[DEFAULT_ROUTES.uptimer.path] as Node).get);
  const unauthorized = resolve((operation.responses as Node)["401"]);
  const { schema } = (unauthorized.content as Node)["application/json"] as { schema: unknown };
  const body = { result: null, error: { code: 1404, error_type: "not_found", message: "m", details: "d" }, meta: null };
  t.not(validate(schema, body).length, 0, "a 1404 is not a 401's code");
  t.not(validate(schema, { ...body, extra: true }).length, 0, "no extra fields");
  const ok = resolve((operation.responses as Node)["200"]);
  const success = ((ok.content as Node)["application/json"] as { schema: unknown }).schema;
  const page = { result: [], error: null, meta: { next_cursor: null, has_more: false } };
  t.same(validate(success, page), [], "a last page");
  t.not(validate(success, { ...page, meta: { has_more: false } }).length, 0, "a page's meta has next_cursor");
  t.not(validate(success, { ...page, meta: { total_count: -1 } }).length, 0, "a count is never negative");
  t.not(validate(success, { ...page, meta: { total_count: 1, next_cursor: "x" } }).length, 0, "a count's meta is one or the other");
  t.not(validate(success, { ...page, meta: {} }).length, 0, "meta is null or says something");
});

t.test("the standalone server serves the document at /openapi.json", async (t) => {
  const config = configFromEnvironment({ DATABASE_URL: "postgres://lobby@127.0.0.1:1/none", JWT_SECRET: SECRET });
  const app = await createStandaloneApp(config, { now: () => NOW, log: () => {} });
  t.teardown(() => app.close());
  const response = await app.handler(new Request("http://lobby.test/openapi.json"));
  t.equal(response.status, 200);
  t.equal(response.headers.get("content-type"), "application/json; charset=utf-8");
  t.same(await response.json(), document);
  const head = await app.handler.answer({ method: "HEAD", url: "http://lobby.test/openapi.json", headers: new Headers() });
  t.equal(head.status, 200);
  t.equal(head.body, null);
  t.equal(openApiAnswer().body, openApiAnswer().body, "made once");
});
