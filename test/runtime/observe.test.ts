// What an operator sees of the real standalone server on Node (the esbuild
// bundle), `deno run`, `deno serve` and Bun, over a real Postgres behind a
// gate the test opens and shuts: /healthz and /readyz with the database up
// and down, X-Request-Id echoed and replaced, one JSON log line per request
// with its request id and never a token, /metrics counting what was sent,
// and CORS for an allowed and a refused origin.
import { connect, createServer, type Socket } from "node:net";
import t from "tap";
import { signToken } from "../_tokens.ts";
import { testDatabase } from "../_postgres.ts";
import { RUNTIMES, serveFor, testBundle } from "../_runtimes.ts";

const SECRET = "observe-runtime-secret-of-at-least-32-bytes";
const APP = "http://app.example.test:5173";
const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const main = testBundle(t, "observe");

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A TCP gate in front of Postgres: open, it pipes each connection through;
 * shut, it resets every connection, those open and those that come.
 */
async function gate(target: URL): Promise<{ url: string; open(): void; shut(): void; close(): Promise<void> }> {
  let isOpen = true;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    if (!isOpen) return void client.resetAndDestroy();
    const upstream = connect(Number(target.port || 5432), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
      socket.on("error", () => {});
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = new URL(target.href);
  url.host = `127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    url: url.href,
    open: () => void (isOpen = true),
    shut() {
      isOpen = false;
      for (const socket of sockets) socket.destroy();
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

// Asks until `done` says yes, for at most `ms`: readiness is cached for a second.
async function eventually(ms: number, ask: () => Promise<Response>, done: (response: Response) => boolean): Promise<Response> {
  const deadline = Date.now() + ms;
  for (;;) {
    const response = await ask();
    if (done(response) || Date.now() >= deadline) return response;
    await response.arrayBuffer();
    await sleep(250);
  }
}

function metric(text: string, series: string): number {
  const line = text.split("\n").find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

for (const runtime of RUNTIMES) {
  t.test(`${runtime.name}: probes, request ids, JSON logs, metrics and CORS on the real server`, async (t) => {
    const db = await testDatabase(t);
    if (db === undefined) return;
    const postgres = await gate(new URL(db.url));
    t.teardown(() => postgres.close());
    const { server, port } = await serveFor(t, runtime, main, {
      DATABASE_URL: postgres.url,
      JWT_SECRET: SECRET,
      LOG_FORMAT: "json",
      LOG_LEVEL: "info",
      METRICS: "1",
      CORS_ORIGINS: APP,
    });
    const base = `http://127.0.0.1:${port}`;
    const now = Math.floor(Date.now() / 1000);
    const token = await signToken({ secret: SECRET, payload: { sub: "alice", exp: now + 3600 } });
    const forged = `${token.slice(0, -6)}AAAAAA`;
    const get = (path: string, headers: Record<string, string> = {}, method = "GET") => fetch(`${base}${path}`, { method, headers });

    // Liveness and readiness, the database up.
    const live = await get("/healthz");
    t.equal(live.status, 200, "healthz");
    t.same(await live.json(), { status: "ok" });
    const ready = await eventually(15_000, () => get("/readyz"), (response) => response.status === 200);
    t.equal(ready.status, 200, "readyz with the database up");
    t.same(await ready.json(), { status: "ok", checks: { database: "ok", keys: "ok" } });

    // Request ids: echoed when safe, replaced otherwise; trace context into the log.
    const sent: Array<{ id: string; status: number }> = [];
    for (let i = 0; i < 3; i++) {
      const id = `rt-${runtime.name.replace(" ", "-")}-${i}`;
      const response = await get("/api/v1/workspaces", {
        authorization: `Bearer ${token}`,
        "x-request-id": id,
        traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-01`,
      });
      t.equal(response.status, 200);
      t.equal(response.headers.get("x-request-id"), id, "the client's id is echoed");
      await response.arrayBuffer();
      sent.push({ id, status: 200 });
    }
    const replaced = await get("/web/v1/system/workspaces/mine", { authorization: `Bearer ${forged}`, "x-request-id": "not a valid id" });
    t.equal(replaced.status, 401);
    const madeId = replaced.headers.get("x-request-id")!;
    t.match(madeId, UUID_V7, "an unsafe id is replaced by a UUID v7");
    await replaced.arrayBuffer();
    sent.push({ id: madeId, status: 401 });

    // CORS: a preflight and an answer for the allowed origin, nothing for another.
    const preflight = await get("/web/v1/system/workspaces/mine", { origin: APP, "access-control-request-method": "GET", "access-control-request-headers": "authorization" }, "OPTIONS");
    t.equal(preflight.status, 204);
    t.equal(preflight.headers.get("access-control-allow-origin"), APP);
    t.equal(preflight.headers.get("access-control-allow-methods"), "GET, HEAD, OPTIONS");
    t.match(preflight.headers.get("access-control-allow-headers"), /Authorization/);
    t.ok(Number(preflight.headers.get("access-control-max-age")) > 0);
    t.match(preflight.headers.get("x-request-id"), UUID_V7, "a preflight has a request id too");
    const allowed = await get("/web/v1/system/workspaces/mine", { origin: APP, authorization: `Bearer ${token}` });
    t.equal(allowed.status, 200);
    t.equal(allowed.headers.get("access-control-allow-origin"), APP);
    t.match(allowed.headers.get("access-control-expose-headers"), /X-Request-Id/);
    t.match(allowed.headers.get("vary"), /Origin/);
    await allowed.arrayBuffer();
    const refused = await get("/web/v1/system/workspaces/mine", { origin: "http://evil.example.test", "access-control-request-method": "GET" }, "OPTIONS");
    t.same([...refused.headers.keys()].filter((name) => name.startsWith("access-control-")), [], "a refused origin gets no Access-Control-* header");

    // Metrics count what was sent.
    const scraped = await get("/metrics");
    t.equal(scraped.status, 200);
    t.match(scraped.headers.get("content-type"), /^text\/plain; version=0\.0\.4/);
    const text = await scraped.text();
    t.equal(metric(text, 'lobby_requests_total{dialect="uptimer",status="200"}'), 3, "three uptimer 200s");
    t.equal(metric(text, 'lobby_requests_total{dialect="system",status="401"}'), 1, "one system 401");
    t.equal(metric(text, 'lobby_auth_rejections_total{reason="bad_signature"}'), 1);
    t.equal(metric(text, 'lobby_request_duration_seconds_count{dialect="uptimer"}'), 3);
    t.ok(metric(text, "lobby_token_cache_hits_total") >= 2, "the token was found in the cache after its first use");
    t.ok(metric(text, "lobby_repository_duration_seconds_count") >= 4, "every listing timed");
    t.match(text, new RegExp(`^lobby_runtime_info\\{runtime="${runtime.name.split(" ")[0]}",`, "m"));
    t.match(text, /^lobby_process_resident_memory_bytes \d/m);

    // The database down: not ready, still alive; back: ready again.
    postgres.shut();
    const notReady = await eventually(15_000, () => get("/readyz"), (response) => response.status === 503);
    t.equal(notReady.status, 503, "readyz with the database down");
    const body = await notReady.json() as { status: string; checks: { database: string; keys: string } };
    t.equal(body.status, "unavailable");
    t.not(body.checks.database, "ok", "names the database");
    t.equal(body.checks.keys, "ok");
    t.notOk(JSON.stringify(body).includes("127.0.0.1"), "no internals");
    t.equal((await get("/healthz")).status, 200, "healthz while the database is down");
    const during = await get("/api/v1/workspaces", { authorization: `Bearer ${token}` });
    t.equal(during.status, 503);
    await during.arrayBuffer();
    postgres.open();
    const back = await eventually(20_000, () => get("/readyz"), (response) => response.status === 200);
    t.equal(back.status, 200, "readyz once the database is back");
    await back.arrayBuffer();
    const after = await eventually(10_000, () => get("/api/v1/workspaces", { authorization: `Bearer ${token}` }), (response) => response.status === 200);
    t.equal(after.status, 200);
    await after.arrayBuffer();

    // The log: stop the server, then read every line of standard output.
    server.child.kill("SIGTERM");
    const exit = await server.exited;
    t.equal(exit.code, 0, "stops cleanly");
    const stdout = server.output().split("\n").filter((line) => line.startsWith("{"));
    const events = stdout.map((line) => JSON.parse(line) as Record<string, unknown>);
    for (const event of events) {
      t.ok(typeof event.time === "string" && typeof event.level === "string" && typeof event.event === "string", `a line has time, level and event: ${event.event}`);
    }
    for (const { id, status } of sent) {
      const lines = events.filter((event) => event.event === "request" && event.request_id === id);
      t.equal(lines.length, 1, `one access line for ${id}`);
      t.match(lines[0], { level: "info", status, method: "GET", path: /^\/(api|web)\//, dialect: /^(system|uptimer)$/ });
      t.ok(typeof lines[0]?.duration_us === "number" && typeof lines[0]?.bytes === "number", "with its duration and size");
    }
    t.match(events.find((event) => event.request_id === sent[0]!.id), { trace_id: TRACE_ID, span_id: "00f067aa0ba902b7" });
    t.match(events.find((event) => event.event === "auth_rejected"), { level: "warn", request_id: madeId, reason: "bad_signature" });
    for (const name of ["server_starting", "server_ready", "database_down", "database_up", "server_stopping", "server_stopped"]) {
      t.ok(events.some((event) => event.event === name), `the log has ${name}`);
    }
    t.notOk(server.output().includes(token.split(".")[2]!), "no token in the output");
    t.notOk(server.output().includes(forged.split(".")[2]!), "not the forged one either");
    t.notOk(server.output().includes(SECRET), "nor the secret");
  });
}
