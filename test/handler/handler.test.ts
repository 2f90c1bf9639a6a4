// The handler driven with plain Requests over an in-memory repository:
// both seeds reproduced to the byte, every failure row of both code tables,
// the headers DESIGN.md promises, and what must never reach a body.
import { readFileSync } from "node:fs";
import t from "tap";
import { createWorkspacesHandler, type HandlerEvent, type WorkspacesHandlerOptions } from "../../lib/handler/handler.ts";
import { type KeySet, type KeySetEvent, secretKeys, staticKeys } from "../../lib/auth/keys.ts";
import { CATALOGUES, LOCALES } from "../../lib/locale/mod.ts";
import { RepositoryUnavailableError, type WorkspaceRepository } from "../../lib/repository/repository.ts";
import type { WorkspaceMembership } from "../../lib/repository/workspace.ts";
import { signToken } from "../_tokens.ts";

const seeds = JSON.parse(readFileSync(new URL("../fixtures/seeds.json", import.meta.url), "utf8"));
const SECRET = "handler-test-secret-of-more-than-32-bytes";
const NOW = 1709337600000; // the seed's timestamp
const NOW_S = NOW / 1000;
const SYSTEM = "http://lobby.test/web/v1/system/workspaces/mine";
const UPTIMER = "http://lobby.test/api/v1/workspaces";

function row(partial: Partial<WorkspaceMembership> & Pick<WorkspaceMembership, "bizId" | "name">): WorkspaceMembership {
  return {
    institutionBizId: "INST_001",
    entityBizId: null,
    timezone: "UTC",
    status: 10010701,
    kind: 10010801,
    extraData: null,
    createdAt: new Date("2026-03-22T10:30:00Z"),
    updatedAt: new Date("2026-03-22T10:30:00Z"),
    role: "member",
    ...partial,
  };
}

// The rows behind the seeds' examples, as a repository would return them.
const ROWS: Record<string, WorkspaceMembership[]> = {
  "system-user": [
    row({ bizId: "WS_INVITE_TEST_001", name: "Primary Workspace", role: "owner" }),
    row({
      bizId: "WS_INVITE_TEST_002",
      name: "Secondary Workspace",
      timezone: "America/New_York",
      createdAt: new Date("2026-03-22T11:00:00.789Z"),
      updatedAt: new Date("2026-03-22T11:00:00Z"),
    }),
  ],
  "uptimer-user": [
    row({ bizId: "ws_123456", name: "Production Monitoring", role: "owner" }),
    row({ bizId: "ws_789012", name: "Development Environment", role: "member" }),
  ],
  "odd-user": [
    row({
      bizId: "ws_odd",
      name: "Sandbox \"quoted\" ✓",
      status: 10010702,
      kind: 10010802,
      entityBizId: "ENT_9",
      extraData: "{\"plan\":\"pro\"}",
      timezone: "Asia/Ho_Chi_Minh",
    }),
    row({ bizId: "ws_strange", name: "Strange", status: 42, kind: 7 }),
  ],
};

const fakeRepository: WorkspaceRepository & { calls: string[] } = {
  calls: [],
  listForUser(userId) {
    this.calls.push(userId);
    return Promise.resolve(ROWS[userId] ?? []);
  },
};

async function makeHandler(overrides: Partial<WorkspacesHandlerOptions> = {}) {
  const events: HandlerEvent[] = [];
  const handler = createWorkspacesHandler({
    repository: fakeRepository,
    auth: { keys: await secretKeys(SECRET) },
    now: () => NOW,
    log: (event) => events.push(event),
    ...overrides,
  });
  return { handler, events };
}

function token(payload: Record<string, unknown> = {}, secret = SECRET): Promise<string> {
  return signToken({ secret, payload: { sub: "system-user", exp: NOW_S + 600, iat: NOW_S - 10, ...payload } });
}

function get(url: string, headers: Record<string, string> = {}, method = "GET"): Request {
  return new Request(url, { method, headers });
}

t.test("system dialect reproduces seed 000's success example to the byte", async (t) => {
  const { handler } = await makeHandler();
  const response = await handler(get(SYSTEM, { authorization: `Bearer ${await token()}` }));
  t.equal(response.status, 200);
  t.equal(await response.text(), JSON.stringify(seeds.system.success));
});

t.test("uptimer dialect reproduces seed 004's success example to the byte", async (t) => {
  const { handler } = await makeHandler();
  const response = await handler(get(UPTIMER, { authorization: `Bearer ${await token({ sub: "uptimer-user" })}` }));
  t.equal(response.status, 200);
  t.equal(await response.text(), JSON.stringify(seeds.uptimer.success));
});

t.test("seed 004's errors 1001 and 1003, and seed 000's 401, to the letter", async (t) => {
  const { handler } = await makeHandler();
  const missing = await handler(get(UPTIMER));
  t.equal(await missing.text(), JSON.stringify(seeds.uptimer.missingAuthorization));
  const expired = await handler(get(UPTIMER, { authorization: `Bearer ${await token({ exp: NOW_S - 3600 })}` }));
  t.equal(await expired.text(), JSON.stringify(seeds.uptimer.invalidToken));
  const system = await handler(get(SYSTEM, { authorization: `Bearer ${await token({}, "another secret entirely, 32+ bytes")}` }));
  const body = await system.json();
  t.match(body, seeds.system.unauthorized);
  t.same(Object.keys(body), ["version", "timestamp", "success", "code", "message", "data"]);
  t.same([body.version, body.timestamp, body.data], ["1.3.0", NOW, null]);
});

t.test("an empty membership list is data: []", async (t) => {
  const { handler } = await makeHandler();
  const auth = { authorization: `Bearer ${await token({ sub: "nobody" })}` };
  t.same((await (await handler(get(SYSTEM, auth))).json()).data, []);
  t.same(await (await handler(get(UPTIMER, auth))).json(), { result: [], error: null, meta: null });
});

t.test("enums, nullable fields and unknown values in the system dialect", async (t) => {
  const { handler } = await makeHandler();
  const response = await handler(get(SYSTEM, { authorization: `Bearer ${await token({ sub: "odd-user" })}` }));
  const [odd, strange] = (await response.json()).data;
  t.same(odd.workspaceStatus, { value: 10010702, name: "SUSPENDED", code: "SUSPENDED" });
  t.same(odd.workspaceKind, { value: 10010802, name: "SANDBOX", code: "SANDBOX" });
  t.equal(odd.entityBizId, "ENT_9");
  t.equal(odd.extraData, "{\"plan\":\"pro\"}", "extraData stays a JSON string");
  t.equal(odd.workspaceName, "Sandbox \"quoted\" ✓");
  t.same(strange.workspaceStatus, { value: 42, name: "UNKNOWN", code: "UNKNOWN" });
  t.same(strange.workspaceKind, { value: 7, name: "UNKNOWN", code: "UNKNOWN" });
});

t.test("each user sees only their own memberships", async (t) => {
  const { handler } = await makeHandler();
  fakeRepository.calls.length = 0;
  const a = await handler(get(UPTIMER, { authorization: `Bearer ${await token({ sub: "system-user" })}` }));
  const b = await handler(get(UPTIMER, { authorization: `Bearer ${await token({ sub: "uptimer-user" })}` }));
  t.same((await a.json()).result.map((w: { id: string }) => w.id), ["WS_INVITE_TEST_001", "WS_INVITE_TEST_002"]);
  t.same((await b.json()).result.map((w: { id: string }) => w.id), ["ws_123456", "ws_789012"]);
  t.same(fakeRepository.calls, ["system-user", "uptimer-user"], "the repository is asked for the token's subject only");
  const spoof = await handler(
    get(SYSTEM, { authorization: `Bearer ${await token({ sub: "uptimer-user" })}`, "x-workspace-id": "WS_INVITE_TEST_001" }),
  );
  t.same((await spoof.json()).data.map((w: { bizId: string }) => w.bizId), ["ws_123456", "ws_789012"], "X-Workspace-Id grants nothing");
});

// Every row of both code tables, reached through the handler.
t.test("every failure of both code tables", async (t) => {
  const good = await token();
  const broken: WorkspaceRepository = { listForUser: () => Promise.reject(new Error("relation \"workspaces\" does not exist: SELECT secret_column")) };
  const down: WorkspaceRepository = {
    listForUser: () => Promise.reject(new RepositoryUnavailableError({ cause: new Error("connect ECONNREFUSED 10.0.0.5:5432 password=hunter2") })),
  };
  const slow: WorkspaceRepository = { listForUser: () => new Promise(() => {}) };
  // Repositories that throw instead of rejecting (a listForUser not marked async).
  const throwsBug: WorkspaceRepository = {
    listForUser: () => {
      throw new Error("undefined is not a function: SELECT secret_column");
    },
  };
  const throwsDown: WorkspaceRepository = {
    listForUser: () => {
      throw new RepositoryUnavailableError({ cause: new Error("connect ECONNREFUSED 10.0.0.5:5432") });
    },
  };
  const cases: Array<{
    name: string;
    request: () => Request;
    repository?: WorkspaceRepository;
    status: number;
    system: string;
    uptimer: number;
    errorType: string;
    message: string;
    details: string;
    systemMessage: string;
    headers?: Record<string, RegExp>;
  }> = [
    {
      name: "query parameter",
      request: () => get(`${UPTIMER}?page=2`, { authorization: `Bearer ${good}` }),
      status: 400, system: "4000", uptimer: 1400, errorType: "invalid_request",
      message: "Invalid request", details: "A request header or query parameter is malformed",
      systemMessage: "Invalid request: a header or query parameter is malformed",
    },
    {
      name: "missing Authorization",
      request: () => get(UPTIMER),
      status: 401, system: "4010", uptimer: 1001, errorType: "access_denied",
      message: "Missing Authorization header", details: "Authorization header is required",
      systemMessage: "Invalid or expired token",
      headers: { "www-authenticate": /^Bearer realm="lobby"$/ },
    },
    {
      name: "Basic instead of Bearer",
      request: () => get(UPTIMER, { authorization: "Basic dXNlcjpwYXNz" }),
      status: 401, system: "4010", uptimer: 1002, errorType: "access_denied",
      message: "Invalid Authorization header", details: "The Authorization header must be in the format: Bearer <token>",
      systemMessage: "Invalid or expired token",
      headers: { "www-authenticate": /^Bearer realm="lobby", error="invalid_request"/ },
    },
    {
      name: "badly signed token",
      request: () => get(UPTIMER, { authorization: `Bearer ${good.slice(0, -4)}AAAA` }),
      status: 401, system: "4010", uptimer: 1003, errorType: "access_denied",
      message: "Invalid token", details: "The provided JWT token is invalid or expired",
      systemMessage: "Invalid or expired token",
      headers: { "www-authenticate": /error="invalid_token", error_description="The access token is invalid"/ },
    },
    {
      name: "unknown path under the prefix",
      request: () => get(UPTIMER + "/123", { authorization: `Bearer ${good}` }),
      status: 404, system: "4040", uptimer: 1404, errorType: "not_found",
      message: "Not found", details: "The requested resource does not exist",
      systemMessage: "Resource not found",
    },
    {
      name: "POST",
      request: () => get(UPTIMER, { authorization: `Bearer ${good}` }, "POST"),
      status: 405, system: "4050", uptimer: 1405, errorType: "method_not_allowed",
      message: "Method not allowed", details: "This endpoint supports GET, HEAD and OPTIONS only",
      systemMessage: "Method not allowed",
      headers: { allow: /^GET, HEAD, OPTIONS$/ },
    },
    {
      name: "a repository bug",
      request: () => get(UPTIMER, { authorization: `Bearer ${good}` }),
      repository: broken,
      status: 500, system: "5000", uptimer: 1500, errorType: "internal_error",
      message: "Internal error", details: "An unexpected error occurred",
      systemMessage: "Internal server error",
    },
    {
      name: "database down",
      request: () => get(UPTIMER, { authorization: `Bearer ${good}` }),
      repository: down,
      status: 503, system: "5030", uptimer: 1503, errorType: "service_unavailable",
      message: "Service unavailable", details: "The service is temporarily unavailable, please try again later",
      systemMessage: "Service temporarily unavailable, please try again later",
    },
    {
      name: "a repository that throws",
      request: () => get(UPTIMER, { authorization: `Bearer ${good}` }),
      repository: throwsBug,
      status: 500, system: "5000", uptimer: 1500, errorType: "internal_error",
      message: "Internal error", details: "An unexpected error occurred",
      systemMessage: "Internal server error",
    },
    {
      name: "a repository that throws unavailable",
      request: () => get(UPTIMER, { authorization: `Bearer ${good}` }),
      repository: throwsDown,
      status: 503, system: "5030", uptimer: 1503, errorType: "service_unavailable",
      message: "Service unavailable", details: "The service is temporarily unavailable, please try again later",
      systemMessage: "Service temporarily unavailable, please try again later",
    },
    {
      name: "database too slow",
      request: () => get(UPTIMER, { authorization: `Bearer ${good}` }),
      repository: slow,
      status: 503, system: "5030", uptimer: 1503, errorType: "service_unavailable",
      message: "Service unavailable", details: "The service is temporarily unavailable, please try again later",
      systemMessage: "Service temporarily unavailable, please try again later",
    },
  ];
  for (const c of cases) {
    const { handler } = await makeHandler({ repository: c.repository ?? fakeRepository, timeoutMs: 50 });
    const uptimer = await handler(c.request());
    t.equal(uptimer.status, c.status, `${c.name}: uptimer status`);
    const uptimerText = await uptimer.text();
    t.equal(
      uptimerText,
      JSON.stringify({ result: null, error: { code: c.uptimer, error_type: c.errorType, message: c.message, details: c.details }, meta: null }),
      `${c.name}: uptimer body`,
    );
    const asSystem = c.request();
    const systemRequest = new Request(asSystem.url.replace("/api/v1/workspaces", "/web/v1/system/workspaces/mine"), asSystem);
    const system = await handler(systemRequest);
    t.equal(system.status, c.status, `${c.name}: system status`);
    const systemText = await system.text();
    t.equal(
      systemText,
      JSON.stringify({ version: "1.3.0", timestamp: NOW, success: false, code: c.system, message: c.systemMessage, data: null }),
      `${c.name}: system body`,
    );
    for (const response of [uptimer, system]) {
      t.equal(response.headers.get("content-type"), "application/json; charset=utf-8");
      t.equal(response.headers.get("cache-control"), "private, no-cache");
      t.equal(response.headers.get("vary"), "Authorization, Accept-Language");
      t.equal(response.headers.get("content-language"), "en");
      for (const [name, pattern] of Object.entries(c.headers ?? {})) t.match(response.headers.get(name), pattern, `${c.name}: ${name}`);
      if (c.status !== 401) t.equal(response.headers.get("www-authenticate"), null);
    }
    for (const text of [uptimerText, systemText]) {
      for (const secret of ["SELECT", "secret_column", "ECONNREFUSED", "10.0.0.5", "hunter2", "stack", good.split(".")[1]!]) {
        t.notOk(text.includes(secret), `${c.name}: body does not contain ${secret}`);
      }
    }
  }
});

t.test("system dialect: malformed X-Workspace-Id is 4000, a well-formed one is accepted", async (t) => {
  const { handler } = await makeHandler();
  const auth = `Bearer ${await token()}`;
  for (const bad of ["", "has space", "a".repeat(65), "ws/../1", "ws;drop", "\u00e5\u00b7\u00a5", "ws\u00e9", "ws\u007f", "ws\t1"]) {
    const response = await handler(new Request(SYSTEM, { headers: { authorization: auth, "x-workspace-id": bad } }));
    t.equal(response.status, 400, `rejects ${JSON.stringify(bad).slice(0, 20)}`);
    t.equal((await response.json()).code, "4000");
  }
  for (const fine of ["WS_INVITE_TEST_001", "a", "a".repeat(64), "ws-1.2_3"]) {
    const response = await handler(new Request(SYSTEM, { headers: { authorization: auth, "x-workspace-id": fine } }));
    t.equal(response.status, 200, `accepts ${fine.slice(0, 20)}`);
  }
  const uptimer = await handler(new Request(UPTIMER, { headers: { authorization: auth, "x-workspace-id": "has space" } }));
  t.equal(uptimer.status, 200, "the uptimer dialect does not read X-Workspace-Id");
});

t.test("system dialect: a token bound by chash needs the matching X-Client-Hash", async (t) => {
  const { handler, events } = await makeHandler();
  const bound = `Bearer ${await token({ chash: "device-fingerprint-1" })}`;
  const ok = await handler(get(SYSTEM, { authorization: bound, "x-client-hash": "device-fingerprint-1" }));
  t.equal(ok.status, 200);
  for (const presented of [undefined, "device-fingerprint-2", "device-fingerprint-10", "DEVICE-FINGERPRINT-1", ""]) {
    const headers: Record<string, string> = { authorization: bound };
    if (presented !== undefined) headers["x-client-hash"] = presented;
    const response = await handler(get(SYSTEM, headers));
    t.equal(response.status, 401, `rejects ${JSON.stringify(presented)}`);
    t.equal((await response.json()).code, "4010");
    t.match(response.headers.get("www-authenticate"), /error="invalid_token"/);
  }
  t.ok(events.some((e) => e.reason === "client_hash_mismatch"), "logged with a reason code");
  const unbound = await handler(get(SYSTEM, { authorization: `Bearer ${await token()}`, "x-client-hash": "anything" }));
  t.equal(unbound.status, 200, "a token without chash ignores the header");});

t.test("uptimer dialect: a token bound by chash is bound there too", async (t) => {
  const { handler, events } = await makeHandler();
  const bound = `Bearer ${await token({ chash: "device-fingerprint-1" })}`;
  t.equal((await handler(get(UPTIMER, { authorization: bound, "x-client-hash": "device-fingerprint-1" }))).status, 200);
  for (const presented of [undefined, "device-fingerprint-2", ""]) {
    const headers: Record<string, string> = { authorization: bound };
    if (presented !== undefined) headers["x-client-hash"] = presented;
    const response = await handler(get(UPTIMER, headers));
    t.equal(response.status, 401, `rejects ${JSON.stringify(presented)}`);
    t.equal((await response.json()).error.code, 1003);
    t.match(response.headers.get("www-authenticate"), /error="invalid_token"/);
  }
  t.ok(events.some((e) => e.reason === "client_hash_mismatch" && e.dialect === "uptimer"), "logged with a reason code");
  t.equal((await handler(get(UPTIMER, { authorization: `Bearer ${await token()}` }))).status, 200, "an unbound token needs no header");
});

t.test("the verified-token cache never bypasses the X-Client-Hash binding", async (t) => {
  // A key imported here, not by secretKeys (whose HS256 keys are checked in
  // JavaScript), so that every signature check is a Web Crypto call to count.
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(SECRET), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
  const { handler, events } = await makeHandler({ auth: { keys: staticKeys([{ alg: "HS256", key }]) } });
  const bound = `Bearer ${await token({ chash: "device-A", n: "cache-binding" })}`;
  const subtle = crypto.subtle as SubtleCrypto & { verify: SubtleCrypto["verify"] };
  const original = subtle.verify;
  let verifies = 0;
  subtle.verify = ((...args: Parameters<SubtleCrypto["verify"]>) => {
    verifies++;
    return original.apply(subtle, args);
  }) as SubtleCrypto["verify"];
  try {
    const statuses: number[] = [];
    for (const presented of ["device-A", "device-B", "device-A", "", "device-A"]) {
      const response = await handler(get(SYSTEM, { authorization: bound, "x-client-hash": presented }));
      statuses.push(response.status);
    }
    statuses.push((await handler(get(SYSTEM, { authorization: bound }))).status);
    t.strictSame(statuses, [200, 401, 200, 401, 200, 401], "bound on every request");
  } finally {
    subtle.verify = original;
  }
  t.equal(verifies, 1, "one signature check: the other five were cache hits");
  t.equal(events.filter((e) => e.reason === "client_hash_mismatch").length, 3);
});

t.test("a claim check's refusal is logged with its code; too old is described as expired", async (t) => {
  const { handler, events } = await makeHandler({
    auth: {
      keys: await secretKeys(SECRET),
      maxAgeSeconds: 60,
      check: (claims) => (claims.scope === "workspaces" ? { ok: true } : { ok: false, code: "missing_scope" }),
    },
  });
  const refused = await handler(get(UPTIMER, { authorization: `Bearer ${await token()}` }));
  t.equal(refused.status, 401);
  t.equal((await refused.json()).error.code, 1003);
  t.strictSame(events.at(-1), {
    event: "auth_rejected",
    requestId: refused.headers.get("x-request-id"),
    dialect: "uptimer",
    reason: "claim_check_failed",
    code: "missing_scope",
    level: "warn",
  });
  t.match(refused.headers.get("www-authenticate"), /error_description="The access token is invalid"/);
  const old = await handler(get(UPTIMER, { authorization: `Bearer ${await token({ scope: "workspaces", iat: NOW_S - 600 })}` }));
  t.equal(old.status, 401);
  t.equal(events.at(-1)?.reason, "too_old");
  t.match(old.headers.get("www-authenticate"), /error_description="The access token expired"/);
  const fine = await handler(get(UPTIMER, { authorization: `Bearer ${await token({ scope: "workspaces" })}` }));
  t.equal(fine.status, 200);
});

t.test("key set problems reach the log, and the default log warns about them", async (t) => {
  const listeners: Array<(event: KeySetEvent) => void> = [];
  const keys: KeySet = { ...(await secretKeys(SECRET)), watch: (listener) => void listeners.push(listener) };
  const { events } = await makeHandler({ auth: { keys } });
  t.equal(listeners.length, 1, "the handler watches the key set");
  listeners[0]!({ reason: "jwks_http_error", source: "https://id.example/jwks", detail: 503 });
  listeners[0]!({ reason: "jwks_timeout", source: "https://id.example/jwks" });
  t.strictSame(events, [
    { event: "key_source_problem", reason: "jwks_http_error", source: "https://id.example/jwks", detail: 503, level: "warn" },
    { event: "key_source_problem", reason: "jwks_timeout", source: "https://id.example/jwks", level: "warn" },
  ]);
  const warned: unknown[][] = [];
  const warn = console.warn;
  console.warn = (...args: unknown[]) => void warned.push(args);
  try {
    createWorkspacesHandler({ repository: fakeRepository, auth: { keys } });
    listeners[1]!({ reason: "jwks_unreachable", source: "https://id.example/jwks" });
  } finally {
    console.warn = warn;
  }
  t.strictSame(warned, [["lobby: key source problem jwks_unreachable (https://id.example/jwks)"]]);
});

t.test("WWW-Authenticate tells expired from invalid", async (t) => {
  const { handler, events } = await makeHandler();
  const expired = await handler(get(SYSTEM, { authorization: `Bearer ${await token({ exp: NOW_S - 31 })}` }));
  t.equal(expired.headers.get("www-authenticate"), 'Bearer realm="lobby", error="invalid_token", error_description="The access token expired"');
  const invalid = await handler(get(SYSTEM, { authorization: "Bearer abc.def.ghi" }));
  t.equal(invalid.headers.get("www-authenticate"), 'Bearer realm="lobby", error="invalid_token", error_description="The access token is invalid"');
  t.same(events.map((e) => e.reason), ["expired", "malformed_token"]);
  const { handler: realmed } = await makeHandler({ realm: "workspaces" });
  t.equal((await realmed(get(SYSTEM))).headers.get("www-authenticate"), 'Bearer realm="workspaces"');
});

t.test("messages follow Accept-Language in both dialects", async (t) => {
  const { handler } = await makeHandler();
  const auth = `Bearer ${await token({ sub: "odd-user" })}`;
  for (const locale of LOCALES) {
    const texts = CATALOGUES[locale];
    const ok = await handler(get(SYSTEM, { authorization: auth, "accept-language": `${locale};q=0.9, xx;q=0.1` }));
    t.equal(ok.headers.get("content-language"), locale);
    const body = await ok.json();
    t.equal(body.message, texts.system["2000"]);
    t.equal(body.data[0].workspaceStatus.name, texts.status.SUSPENDED, `${locale}: status label`);
    t.equal(body.data[0].workspaceStatus.code, "SUSPENDED", `${locale}: the code stays stable`);
    t.equal(body.data[0].workspaceKind.name, texts.kind.SANDBOX);
    const denied = await handler(get(UPTIMER, { "accept-language": locale }));
    t.equal(denied.headers.get("content-language"), locale);
    t.same((await denied.json()).error, {
      code: 1001,
      error_type: "access_denied",
      message: texts.uptimer.missing_authorization.message,
      details: texts.uptimer.missing_authorization.details,
    });
  }
  const ja = await (await handler(get(SYSTEM, { "accept-language": "ja-JP" }))).json();
  t.not(ja.message, "Invalid or expired token", "Japanese is not English");
  const hant = await handler(get(SYSTEM, { "accept-language": "zh-TW,zh;q=0.9" }));
  t.equal(hant.headers.get("content-language"), "zh-Hant");
});

t.test("HEAD answers like GET without a body; OPTIONS lists the methods", async (t) => {
  const { handler } = await makeHandler();
  const auth = { authorization: `Bearer ${await token()}` };
  const getResponse = await handler(get(SYSTEM, auth));
  const getBody = new Uint8Array(await getResponse.arrayBuffer());
  const head = await handler(get(SYSTEM, auth, "HEAD"));
  t.equal(head.status, 200);
  t.equal(head.body, null);
  t.equal(head.headers.get("content-length"), String(getBody.byteLength));
  t.equal(head.headers.get("content-type"), "application/json; charset=utf-8");
  const headDenied = await handler(get(UPTIMER, {}, "HEAD"));
  t.equal(headDenied.status, 401);
  t.equal(headDenied.body, null);
  const options = await handler(get(UPTIMER, {}, "OPTIONS"));
  t.equal(options.status, 204);
  t.equal(options.headers.get("allow"), "GET, HEAD, OPTIONS");
  t.equal(await options.text(), "");
  for (const method of ["PUT", "DELETE", "PATCH", "TRACE-X"]) {
    const response = await handler(new Request(SYSTEM, { method, headers: auth }));
    t.equal(response.status, 405, method);
    t.equal(response.headers.get("allow"), "GET, HEAD, OPTIONS");
  }
});

t.test("routing: exact paths, prefixes, paths outside both dialects", async (t) => {
  const { handler } = await makeHandler();
  const auth = { authorization: `Bearer ${await token()}` };
  t.equal((await handler(get(SYSTEM + "?", auth))).status, 200, "an empty query is no parameter");
  t.equal((await handler(get(SYSTEM + "#fragment", auth))).status, 200);
  for (const path of ["/web/v1/system/workspaces/mine/", "/web/v1/system/workspaces", "/web/v1/system/WORKSPACES/mine"]) {
    const response = await handler(get("http://lobby.test" + path, auth));
    t.equal(response.status, 404, path);
    t.equal((await response.json()).code, "4040");
  }
  const outside = await handler(get("http://lobby.test/favicon.ico"));
  t.equal(outside.status, 404);
  t.equal(await outside.text(), "Not Found\n");
  const custom = await makeHandler({ routes: { system: false, uptimer: { path: "/v2/ws", prefix: "/v2/" } } });
  t.equal((await custom.handler(get(SYSTEM, auth))).status, 404);
  t.equal((await custom.handler(get("http://lobby.test/v2/ws", auth))).status, 200);
  t.equal((await (await custom.handler(get("http://lobby.test/v2/other", auth))).json()).error.code, 1404);
});

t.test("createWorkspacesHandler rejects bad options with a TypeError naming them", async (t) => {
  const keys = await secretKeys(SECRET);
  const base = { repository: fakeRepository, auth: { keys } };
  const bad: Array<[string, unknown, RegExp]> = [
    ["no repository", { auth: { keys } }, /options\.repository is required/],
    ["repository without listForUser", { ...base, repository: {} }, /options\.repository must be an object with a listForUser/],
    ["timeoutMs", { ...base, timeoutMs: 0 }, /options\.timeoutMs/],
    ["realm with a quote", { ...base, realm: 'a"b' }, /options\.realm/],
    ["route path", { ...base, routes: { system: { path: "no-slash" } } }, /options\.routes\.system/],
    ["route outside its prefix", { ...base, routes: { system: { path: "/a/b", prefix: "/c/" } } }, /routes\.system\.path must start with its prefix/],
    ["now", { ...base, now: 5 }, /options\.now must be a function/],
  ];
  for (const [name, options, message] of bad) {
    t.throws(() => createWorkspacesHandler(options as WorkspacesHandlerOptions), { name: "TypeError", message }, name);
  }
});

t.test("hostile headers never break the handler", async (t) => {
  const { handler } = await makeHandler();
  const hostile: Record<string, string>[] = [
    { authorization: "Bearer " + "a".repeat(100_000) },
    { authorization: "Bearer a.b.c, Bearer d.e.f" },
    { authorization: "bearer" },
    { authorization: "Bearer \t" },
    { "accept-language": "x".repeat(100_000) },
    { "accept-language": Array.from({ length: 5000 }, (_, i) => `l${i};q=0.${i % 10}`).join(",") },
    { "x-client-hash": "z".repeat(50_000) },
  ];
  for (const headers of hostile) {
    const response = await handler(get(SYSTEM, headers));
    t.ok([400, 401].includes(response.status), `answers 4xx to ${Object.keys(headers)[0]}`);
    const body = await response.json();
    t.equal(body.success, false);
  }
});
