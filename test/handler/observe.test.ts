// What an operator sees of the handler: request ids and trace context on
// every answer and event, the access log event, CORS, the health
// endpoints and readiness, extra endpoints, and the metrics hooks.
import t from "tap";
import { createWorkspacesHandler, type HandlerEvent, type WorkspacesHandlerOptions } from "../../lib/handler/handler.ts";
import type { HandlerMetrics, RepositoryErrorKind } from "../../lib/handler/handler_metrics.ts";
import { newRequestId, parseTraceparent, requestIdFor } from "../../lib/handler/_request_id.ts";
import { CorsPolicy, isSerializedOrigin } from "../../lib/handler/_cors.ts";
import { PROBE_CACHE_MS, ReadinessCheck } from "../../lib/handler/_health.ts";
import { HANDLER_EVENT_LEVELS, LOG_LEVELS, passes } from "../../lib/handler/log_level.ts";
import { secretKeys } from "../../lib/auth/keys.ts";
import { remoteJwksKeys } from "../../lib/auth/remote_jwks.ts";
import { RepositoryUnavailableError, type WorkspaceRepository } from "../../lib/repository/repository.ts";
import { signToken } from "../_tokens.ts";

const SECRET = "observe-test-secret-of-more-than-32-bytes";
const NOW = 1709337600000;
const NOW_S = NOW / 1000;
const SYSTEM = "http://lobby.test/web/v1/system/workspaces/mine";
const UPTIMER = "http://lobby.test/api/v1/workspaces";
const APP = "https://app.example.com";
const TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

const empty: WorkspaceRepository = { listForUser: () => Promise.resolve([]) };

async function makeHandler(overrides: Partial<WorkspacesHandlerOptions> = {}) {
  const events: HandlerEvent[] = [];
  const handler = createWorkspacesHandler({
    repository: empty,
    auth: { keys: await secretKeys(SECRET) },
    now: () => NOW,
    log: (event) => events.push(event),
    logLevel: "info",
    ...overrides,
  });
  return { handler, events };
}

function token(payload: Record<string, unknown> = {}): Promise<string> {
  return signToken({ secret: SECRET, payload: { sub: "user-7", exp: NOW_S + 600, iat: NOW_S - 10, ...payload } });
}

function get(url: string, headers: Record<string, string> = {}, method = "GET"): Request {
  return new Request(url, { method, headers });
}

function recordingMetrics() {
  const calls = {
    requests: [] as Array<[string, number]>,
    rejections: [] as string[],
    cache: [] as boolean[],
    repository: [] as Array<RepositoryErrorKind | undefined>,
  };
  const metrics: HandlerMetrics = {
    request: (dialect, status, seconds) => {
      if (!(seconds >= 0)) throw new Error("a duration is never negative");
      calls.requests.push([dialect, status]);
    },
    authRejected: (reason) => void calls.rejections.push(reason),
    tokenCache: (hit) => void calls.cache.push(hit),
    repository: (_seconds, error) => void calls.repository.push(error),
  };
  return { metrics, calls };
}

t.test("requestIdFor keeps a safe X-Request-Id and replaces anything else with a UUID v7", async (t) => {
  const uuid7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
  for (const kept of ["a", "req-42", "A.b_c:d-e", "x".repeat(128), "01J9Z3K2Q6"]) t.equal(requestIdFor(kept, NOW), kept, kept);
  for (const replaced of ["", "x".repeat(129), "has space", "semi;colon", "quote\"", "é", "line\nbreak", "a/b", "a,b"]) {
    t.match(requestIdFor(replaced, NOW), uuid7, JSON.stringify(replaced));
  }
  t.match(requestIdFor(null, NOW), uuid7);
  // Time first, so ids sort by time; never the same twice.
  const ids = new Set<string>();
  for (let i = 0; i < 2000; i++) ids.add(newRequestId(NOW + i));
  t.equal(ids.size, 2000);
  t.ok(newRequestId(NOW) < newRequestId(NOW + 1), "a later id sorts after");
  t.equal(newRequestId(NOW).slice(0, 13), `${NOW.toString(16).padStart(12, "0").slice(0, 8)}-${NOW.toString(16).padStart(12, "0").slice(8)}`);
});

t.test("parseTraceparent takes version 00 and later versions, and refuses what W3C Trace Context refuses", async (t) => {
  t.same(parseTraceparent(TRACEPARENT), { traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7" });
  t.same(parseTraceparent(` ${TRACEPARENT} `), { traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7" });
  t.same(parseTraceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-future"), {
    traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
    spanId: "00f067aa0ba902b7",
  });
  for (
    const bad of [
      null,
      "",
      "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
      "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
      "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
      "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
      "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",
      `00-${"a".repeat(600)}`,
    ]
  ) t.equal(parseTraceparent(bad), undefined, String(bad));
});

t.test("every answer carries X-Request-Id: success, each failure, preflight, outside the dialects, HEAD", async (t) => {
  const { handler } = await makeHandler();
  const bearer = { authorization: `Bearer ${await token()}` };
  const cases: Array<[string, Request, number]> = [
    ["success", get(SYSTEM, bearer), 200],
    ["401", get(UPTIMER), 401],
    ["400", get(`${UPTIMER}?role=owner`, bearer), 400],
    ["404 in a dialect", get("http://lobby.test/api/v1/other"), 404],
    ["405", get(SYSTEM, {}, "DELETE"), 405],
    ["OPTIONS", get(SYSTEM, {}, "OPTIONS"), 204],
    ["HEAD", get(UPTIMER, bearer, "HEAD"), 200],
    ["outside", get("http://lobby.test/elsewhere"), 404],
  ];
  for (const [name, request, status] of cases) {
    const echoed = await handler(new Request(request, { headers: { ...Object.fromEntries(request.headers), "x-request-id": "req-1" } }));
    t.equal(echoed.status, status, `${name}: status`);
    t.equal(echoed.headers.get("x-request-id"), "req-1", `${name}: the client's id is echoed`);
    const made = await handler(request);
    t.match(made.headers.get("x-request-id"), /^[0-9a-f-]{36}$/, `${name}: an id is made`);
  }
  const replaced = await handler(get(UPTIMER, { "x-request-id": "no spaces allowed" }));
  t.not(replaced.headers.get("x-request-id"), "no spaces allowed", "an unsafe id is replaced");
});

t.test("the access log: one request event per answer, with the request's id, trace and outcome; never the token", async (t) => {
  const { metrics, calls } = recordingMetrics();
  const { handler, events } = await makeHandler({ metrics });
  const bearer = await token();
  const ok = await handler(get(SYSTEM, { authorization: `Bearer ${bearer}`, "x-request-id": "r-ok", traceparent: TRACEPARENT }));
  const okText = await ok.text();
  t.same(events, [{
    event: "request",
    level: "info",
    requestId: "r-ok",
    traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
    spanId: "00f067aa0ba902b7",
    method: "GET",
    path: "/web/v1/system/workspaces/mine",
    status: 200,
    dialect: "system",
    code: "2000",
    durationUs: events[0]?.durationUs,
    bytes: new TextEncoder().encode(okText).length,
    user: "user-7",
  }]);
  t.ok(Number.isInteger(events[0]?.durationUs) && events[0]!.durationUs! >= 0, "duration in whole microseconds");

  events.length = 0;
  await handler(get(`${UPTIMER}?token=${bearer}`, { authorization: "Bearer x.y.z", "x-request-id": "r-401", traceparent: TRACEPARENT }));
  t.match(events, [
    { event: "auth_rejected", level: "warn", requestId: "r-401", traceId: "4bf92f3577b34da6a3ce929d0e0e4736", dialect: "uptimer", reason: "malformed_token" },
    { event: "request", level: "info", requestId: "r-401", path: "/api/v1/workspaces", status: 401, code: "1003", user: undefined },
  ]);
  t.notOk(JSON.stringify(events).includes(bearer), "neither the token nor the query reaches an event");

  events.length = 0;
  const head = await handler(get(UPTIMER, { authorization: `Bearer ${bearer}` }, "HEAD"));
  t.equal(head.headers.get("content-length"), "38", "HEAD keeps the length");
  t.match(events, [{ event: "request", method: "HEAD", status: 200, bytes: 0, dialect: "uptimer" }]);
  t.equal(events[0]?.code, undefined, "an uptimer success has no code");

  events.length = 0;
  await handler(get("http://lobby.test/elsewhere?x=1"));
  t.same(Object.keys(events[0]!), ["event", "level", "requestId", "method", "path", "status", "durationUs", "bytes"], "outside the dialects: no dialect, no code");
  t.equal(events[0]?.path, "/elsewhere");

  t.same(calls.requests, [["system", 200], ["uptimer", 401], ["uptimer", 200], ["none", 404]]);
  t.same(calls.rejections, ["malformed_token"]);
  t.same(calls.cache, [false, false, true], "a new token is a miss (the malformed one too), a token seen before a hit");
  t.same(calls.repository, [undefined, undefined]);
});

t.test("logLevel: warn by default, so a log without it gets no access log; events below it are not made", async (t) => {
  const { handler, events } = await makeHandler({ logLevel: undefined });
  await handler(get(UPTIMER));
  t.same(events.map((e) => e.event), ["auth_rejected"]);
  const quiet = await makeHandler({ logLevel: "error" });
  await quiet.handler(get(UPTIMER));
  t.same(quiet.events, []);
  t.throws(() => createWorkspacesHandler({ repository: empty, auth: { keys: events as never }, logLevel: "loud" as never }), {
    message: "createWorkspacesHandler: options.logLevel must be one of debug, info, warn, error",
  });
  t.same(LOG_LEVELS, ["debug", "info", "warn", "error"]);
  t.ok(passes("error", "warn") && !passes("debug", "info"));
  t.equal(HANDLER_EVENT_LEVELS.database_down, "error");
});

t.test("the default log stays quiet about requests and refusals", async (t) => {
  const printed: unknown[] = [];
  const saved = { log: console.log, warn: console.warn, error: console.error, info: console.info };
  console.log = console.warn = console.error = console.info = (...args: unknown[]) => void printed.push(args);
  try {
    const handler = createWorkspacesHandler({ repository: empty, auth: { keys: await secretKeys(SECRET) }, now: () => NOW });
    await handler(get(UPTIMER));
    await handler(get(SYSTEM, { authorization: `Bearer ${await token()}` }));
  } finally {
    Object.assign(console, saved);
  }
  t.same(printed, []);
});

t.test("a log or metrics sink that throws never fails the request", async (t) => {
  const metrics: HandlerMetrics = {
    request: () => {
      throw new Error("metrics down");
    },
    authRejected: () => {},
    tokenCache: () => {},
    repository: () => {},
  };
  const handler = createWorkspacesHandler({
    repository: empty,
    auth: { keys: await secretKeys(SECRET) },
    now: () => NOW,
    logLevel: "info",
    log: () => {
      throw new Error("log down");
    },
    metrics,
  });
  t.equal((await handler(get(UPTIMER))).status, 401);
  t.equal((await handler(get(UPTIMER, { authorization: `Bearer ${await token()}` }))).status, 200);
});

t.test("repository metrics: each listing timed, failures by kind", async (t) => {
  const { metrics, calls } = recordingMetrics();
  let mode: "ok" | "down" | "hang" | "bug" = "ok";
  const repository: WorkspaceRepository = {
    listForUser: () => {
      if (mode === "down") return Promise.reject(new RepositoryUnavailableError());
      if (mode === "hang") return new Promise(() => {});
      if (mode === "bug") return Promise.reject(new TypeError("a bug"));
      return Promise.resolve([]);
    },
  };
  const { handler, events } = await makeHandler({ repository, metrics, timeoutMs: 30 });
  const bearer = { authorization: `Bearer ${await token()}` };
  for (const next of ["ok", "down", "hang", "bug"] as const) {
    mode = next;
    await handler(get(UPTIMER, bearer));
  }
  t.same(calls.repository, [undefined, "unavailable", "timeout", "error"]);
  t.same(calls.requests.map(([, status]) => status), [200, 503, 503, 500]);
  const internal = events.find((e) => e.event === "internal_error");
  t.match(internal, { level: "error", dialect: "uptimer" });
  t.match(internal?.requestId, /^[0-9a-f-]{36}$/, "an internal error carries the request id");
});

t.test("isSerializedOrigin and the cors option", async (t) => {
  for (const good of ["https://app.example.com", "http://localhost:5173", "http://127.0.0.1:8080", "https://[::1]:8443"]) t.ok(isSerializedOrigin(good), good);
  for (const bad of ["https://app.example.com/", "HTTPS://app.example.com", "https://app.example.com:443", "ftp://x", "app.example.com", "https://a.example/path", "*", "null"]) {
    t.notOk(isSerializedOrigin(bad), bad);
  }
  const keys = await secretKeys(SECRET);
  const bad: Array<[unknown, string]> = [
    [{ origins: ["https://app.example.com/"] }, "options.cors.origins.0 must be an origin such as https://app.example.com (scheme, host and port; no path or trailing slash)"],
    [{ origins: [] }, "options.cors.origins must list at least one origin, or be \"*\""],
    [{ origins: "*", credentials: true }, "options.cors.credentials must be false when origins is \"*\": list the origins that may send credentials"],
    [{ origins: "*", maxAgeSeconds: 86401 }, "options.cors.maxAgeSeconds must be an integer from 0 to 86400"],
    [{ origins: "*", extra: 1 }, "options.cors.extra is not an option"],
  ];
  for (const [cors, message] of bad) {
    t.throws(() => createWorkspacesHandler({ repository: empty, auth: { keys }, cors: cors as never }), { message: `createWorkspacesHandler: ${message}` });
  }
  const policy = new CorsPolicy({ origins: "*", credentials: false, maxAgeSeconds: 5 });
  t.equal(policy.preflightHeaders("http://any.example")?.["access-control-allow-origin"], "http://any.example", "* echoes the origin");
  t.equal(policy.answerHeaders(null), undefined, "no Origin, no CORS headers");
});

t.test("CORS: a preflight from an allowed origin, answers to it, a refused origin, and no CORS when off", async (t) => {
  const { handler } = await makeHandler({ cors: { origins: [APP, "http://localhost:5173"] } });
  const preflight = await handler(get(SYSTEM, {
    origin: APP,
    "access-control-request-method": "GET",
    "access-control-request-headers": "authorization, x-request-id",
    "x-request-id": "pre-1",
  }, "OPTIONS"));
  t.equal(preflight.status, 204);
  t.equal(await preflight.text(), "");
  t.equal(preflight.headers.get("access-control-allow-origin"), APP);
  t.equal(preflight.headers.get("access-control-allow-methods"), "GET, HEAD, OPTIONS");
  const allowed = preflight.headers.get("access-control-allow-headers")!.toLowerCase().split(", ");
  for (const header of ["authorization", "accept-language", "x-client-hash", "x-workspace-id", "x-request-id", "if-none-match"]) t.ok(allowed.includes(header), header);
  t.equal(preflight.headers.get("access-control-max-age"), "600");
  t.equal(preflight.headers.get("access-control-allow-credentials"), null, "no credentials unless configured");
  t.match(preflight.headers.get("vary"), /\bOrigin\b/);
  t.equal(preflight.headers.get("x-request-id"), "pre-1");

  for (const [name, request] of [["401", get(SYSTEM, { origin: APP })], ["200", get(SYSTEM, { origin: APP, authorization: `Bearer ${await token()}` })]] as const) {
    const response = await handler(request);
    t.equal(response.headers.get("access-control-allow-origin"), APP, `${name}: allowed origin`);
    t.equal(response.headers.get("access-control-expose-headers"), "Content-Language, ETag, X-Request-Id, WWW-Authenticate", `${name}: exposed headers`);
    t.equal(response.headers.get("vary"), "Authorization, Accept-Language, Origin", `${name}: varies by Origin`);
  }

  for (const request of [get(SYSTEM, { origin: "https://evil.example" }), get(SYSTEM, { origin: "https://evil.example", "access-control-request-method": "GET" }, "OPTIONS")]) {
    const refused = await handler(request);
    t.same([...refused.headers.keys()].filter((name) => name.startsWith("access-control-")), [], `${request.method}: a refused origin gets no Access-Control-* header`);
    t.match(refused.headers.get("vary"), /\bOrigin\b/, "and the answer still varies by Origin");
  }
  const plainOptions = await handler(get(SYSTEM, { origin: APP }, "OPTIONS"));
  t.equal(plainOptions.headers.get("access-control-allow-methods"), null, "OPTIONS without Access-Control-Request-Method is no preflight");
  t.equal(plainOptions.headers.get("allow"), "GET, HEAD, OPTIONS");
  const noOrigin = await handler(get(SYSTEM));
  t.equal(noOrigin.headers.get("vary"), "Authorization, Accept-Language, Origin", "without Origin too");
  t.equal(noOrigin.headers.get("access-control-allow-origin"), null);
  const outside = await handler(get("http://lobby.test/elsewhere", { origin: APP }));
  t.equal(outside.headers.get("access-control-allow-origin"), APP, "outside the dialects as well");
  t.equal(outside.headers.get("vary"), "Origin");

  const { handler: off } = await makeHandler();
  const offPreflight = await off(get(SYSTEM, { origin: APP, "access-control-request-method": "GET" }, "OPTIONS"));
  t.equal(offPreflight.status, 204);
  t.same([...offPreflight.headers.keys()].filter((name) => name.startsWith("access-control-")), [], "CORS off: no Access-Control-* header");
  t.equal(offPreflight.headers.get("vary"), "Authorization, Accept-Language", "CORS off: no Vary: Origin");

  const { handler: credentials } = await makeHandler({ cors: { origins: [APP], credentials: true, maxAgeSeconds: 60 } });
  const withCredentials = await credentials(get(SYSTEM, { origin: APP, "access-control-request-method": "GET" }, "OPTIONS"));
  t.equal(withCredentials.headers.get("access-control-allow-credentials"), "true");
  t.equal(withCredentials.headers.get("access-control-max-age"), "60");
  t.equal((await credentials(get(SYSTEM, { origin: APP }))).headers.get("access-control-allow-credentials"), "true");
});

t.test("health: liveness without the database, readiness with it, at the embedder's paths", async (t) => {
  let probes = 0;
  let failing = false;
  const { handler, events } = await makeHandler({
    cors: { origins: [APP] },
    health: {
      live: "/_live",
      ready: "/_ready",
      probe: async () => {
        probes++;
        if (failing) throw new Error("down");
      },
    },
  });
  const live = await handler(get("http://lobby.test/_live", { "x-request-id": "probe-1", origin: APP }));
  t.equal(live.status, 200);
  t.equal(await live.text(), '{"status":"ok"}');
  t.equal(live.headers.get("content-type"), "application/json; charset=utf-8");
  t.equal(live.headers.get("cache-control"), "no-store");
  t.equal(live.headers.get("x-request-id"), "probe-1");
  t.equal(live.headers.get("access-control-allow-origin"), APP);
  t.equal(probes, 0, "liveness never asks the database");
  const ready = await handler(get("http://lobby.test/_ready"));
  t.equal(ready.status, 200);
  t.same(await ready.json(), { status: "ok", checks: { database: "ok", keys: "ok" } });
  t.match(events.at(-1), { event: "request", path: "/_ready", status: 200 });
  t.equal(events.at(-1)?.dialect, undefined);

  failing = true;
  await new Promise((resolve) => setTimeout(resolve, PROBE_CACHE_MS + 50));
  const down = await handler(get("http://lobby.test/_ready"));
  t.equal(down.status, 503);
  t.same(await down.json(), { status: "unavailable", checks: { database: "unavailable", keys: "ok" } });
  const head = await handler(get("http://lobby.test/_ready", {}, "HEAD"));
  t.equal(head.status, 503);
  t.equal(await head.text(), "", "HEAD: no body");
  t.equal(probes, 2, "the second probe's result served the HEAD within the second");
  t.same(await handler.ready(), { ready: false, checks: { database: "unavailable", keys: "ok" } });

  const post = await handler(get("http://lobby.test/_live", {}, "POST"));
  t.equal(post.status, 405);
  t.equal(post.headers.get("allow"), "GET, HEAD, OPTIONS");
  t.ok(post.headers.get("x-request-id"));
  const options = await handler(get("http://lobby.test/_live", { origin: APP, "access-control-request-method": "GET" }, "OPTIONS"));
  t.equal(options.status, 204);
  t.equal(options.headers.get("access-control-allow-origin"), APP);
  t.equal((await handler(get("http://lobby.test/healthz"))).status, 404, "no health path unless asked for");
});

t.test("readiness: keys not yet loaded, a probe that hangs, the default probe through the repository", async (t) => {
  const remote = remoteJwksKeys("https://id.example/jwks.json", { fetch: async () => new Response("", { status: 503 }) });
  const listed: string[] = [];
  const handler = createWorkspacesHandler({
    repository: { listForUser: (userId) => (listed.push(userId), Promise.resolve([])) },
    auth: { keys: remote },
    health: { ready: "/readyz" },
  });
  const response = await handler(get("http://lobby.test/readyz"));
  t.equal(response.status, 503);
  t.same(await response.json(), { status: "unavailable", checks: { database: "ok", keys: "none" } });
  t.equal(listed.length, 1, "the default probe is a listing");
  t.match(listed[0], /^\u0001/, "for a user id no token can carry");

  const pinged = createWorkspacesHandler({
    repository: { listForUser: () => Promise.reject(new Error("not this")), ping: () => Promise.resolve() } as WorkspaceRepository,
    auth: { keys: await secretKeys(SECRET) },
  });
  t.same(await pinged.ready(), { ready: true, checks: { database: "ok", keys: "ok" } }, "a repository's ping() is the probe when it has one");

  let started = 0;
  const hanging = new ReadinessCheck(() => (started++, new Promise(() => {})), () => {
    throw new Error("broken");
  }, 40);
  const [first, second] = await Promise.all([hanging.check(), hanging.check()]);
  t.same(first, { ready: false, checks: { database: "timeout", keys: "none" } });
  t.same(second, first);
  t.same(await hanging.check(), first, "past its timeout, a hanging probe answers timeout at once");
  t.equal(started, 1, "and no second probe starts while one hangs");
  const throwing = new ReadinessCheck(() => {
    throw new Error("synchronously");
  }, () => true, 40);
  t.equal((await throwing.check()).checks.database, "unavailable");
});

t.test("endpoints: extra exact paths with the request id, CORS and the access log; checked options", async (t) => {
  const { metrics, calls } = recordingMetrics();
  const { handler, events } = await makeHandler({
    metrics,
    cors: { origins: [APP] },
    health: { live: "/healthz" },
    endpoints: {
      "/metrics": () => ({ status: 200, headers: { "content-type": "text/plain", vary: "Accept" }, body: "lobby_up 1\n" }),
      "/broken": () => {
        throw new Error("a bug");
      },
    },
  });
  const response = await handler(get("http://lobby.test/metrics?x=1", { "x-request-id": "scrape-1", origin: APP }));
  t.equal(await response.text(), "lobby_up 1\n");
  t.equal(response.headers.get("x-request-id"), "scrape-1");
  t.equal(response.headers.get("vary"), "Accept, Origin");
  t.equal(response.headers.get("access-control-allow-origin"), APP);
  const head = await handler(get("http://lobby.test/metrics", {}, "HEAD"));
  t.equal(await head.text(), "");
  const broken = await handler(get("http://lobby.test/broken"));
  t.equal(broken.status, 500);
  t.equal(await broken.text(), "Internal Server Error\n");
  t.match(events.filter((e) => e.event !== "request"), [{ event: "internal_error", level: "error", requestId: broken.headers.get("x-request-id") }]);
  t.same(calls.requests, [["none", 200], ["none", 200], ["none", 500]]);

  const keys = await secretKeys(SECRET);
  t.throws(() => createWorkspacesHandler({ repository: empty, auth: { keys }, endpoints: { "/x": "not a function" as never } }), {
    message: "createWorkspacesHandler: options.endpoints./x must map paths to functions",
  });
  t.throws(() => createWorkspacesHandler({ repository: empty, auth: { keys }, endpoints: { "/healthz": () => response as never }, health: { live: "/healthz" } }), {
    message: "createWorkspacesHandler: options.health.live must not be a path of options.endpoints or another health path (/healthz)",
  });
  t.throws(() => createWorkspacesHandler({ repository: empty, auth: { keys }, metrics: { request: () => {} } as never }), {
    message: "createWorkspacesHandler: options.metrics must be an object with request, authRejected, tokenCache and repository methods",
  });
  t.throws(() => createWorkspacesHandler({ repository: empty, auth: { keys }, health: { ready: "readyz" } }), {
    message: "createWorkspacesHandler: options.health.ready must be an absolute path of visible ASCII characters",
  });
});
