// The standalone server's log lines (JSON and text, levels, what never
// reaches them) and its Prometheus metrics with prom-client.
import t from "tap";
import { createLogger, describeError, formatJsonLine, formatTextLine } from "../../lib/observe/log.ts";
import { LineWriter, stdoutIsTerminal } from "../../lib/observe/_stdout.ts";
import { prometheusMetrics } from "../../lib/observe/metrics.ts";
import { remoteJwksKeys } from "../../lib/auth/remote_jwks.ts";
import { createWorkspacesHandler } from "../../lib/handler/handler.ts";
import { secretKeys } from "../../lib/auth/keys.ts";
import { signToken } from "../_tokens.ts";

t.test("createLogger writes one JSON object per line: time, level, event, request_id, then the fields in snake_case", async (t) => {
  const lines: string[] = [];
  const log = createLogger({ format: "json", level: "info", line: (text) => void lines.push(text), now: () => Date.UTC(2026, 10, 30, 4, 5, 6, 7) });
  log({ event: "request", level: "info", requestId: "r-1", traceId: "4bf92f3577b34da6a3ce929d0e0e4736", method: "GET", status: 200, durationUs: 812, user: undefined });
  log({ event: "server_ready", message: "lobby listening on http://127.0.0.1:8080", port: 8080 });
  log({ event: "noise", level: "debug" });
  t.equal(lines.length, 2, "debug is below info");
  t.equal(
    lines[0],
    '{"time":"2026-11-30T04:05:06.007Z","level":"info","event":"request","request_id":"r-1","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","method":"GET","status":200,"duration_us":812}',
  );
  t.same(JSON.parse(lines[1]!), { time: "2026-11-30T04:05:06.007Z", level: "info", event: "server_ready", message: "lobby listening on http://127.0.0.1:8080", port: 8080 });
  t.equal(log.level, "info");
  log.flush();
});

t.test("the time is right across seconds, and millisecond fractions are dropped", async (t) => {
  for (const ms of [0, 999, 1000, 1001, 1_796_013_084_123.9, Date.UTC(2026, 0, 1) - 1]) {
    t.equal(JSON.parse(formatJsonLine({ event: "x" }, "info", ms)).time, new Date(Math.floor(ms)).toISOString(), String(ms));
  }
});

t.test("no token, secret, password or SQL value reaches a line", async (t) => {
  const token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1In0.c2ln";
  const error = Object.assign(new Error(`invalid input syntax for type uuid: "${token}"\nDETAIL: ${token}`), {
    code: "22P02",
    query: "SELECT * FROM t WHERE id = $1",
    parameters: [token],
  });
  for (const format of ["json", "text"] as const) {
    const lines: string[] = [];
    const log = createLogger({ format, level: "debug", line: (text) => void lines.push(text) });
    log({ event: "internal_error", level: "error", requestId: "r", error });
    log({ event: "odd", token, jwtSecret: "s3cret", password: "hunter2", authorization: `Bearer ${token}`, cookie: "a=b" });
    const text = lines.join("\n");
    for (const secret of [token, "s3cret", "hunter2", "$1", "a=b"]) t.notOk(text.includes(secret), `${format}: ${secret} is not written`);
    t.match(text, /22P02/, `${format}: the error's code is`);
    t.match(text, /invalid input syntax for type uuid: \\?"\.\.\.\\?"/, `${format}: its message without the quoted value`);
    t.match(text, /\[redacted\]/);
  }
  const { stack, ...described } = describeError(error);
  t.same(described, { name: "Error", code: "22P02", message: 'invalid input syntax for type uuid: "..."' });
  t.match(stack, /^\s+at /);
  t.same(describeError("a string"), { name: "string", message: "" });
});

t.test("text lines: time, level, event, message, then name=value, quoted when needed; a stack on its own lines", async (t) => {
  const time = Date.UTC(2026, 10, 30);
  t.equal(
    formatTextLine({ event: "request", requestId: "r-1", method: "GET", path: "/a b", status: 200, dialect: "system", ok: true, extra: { a: 1 } }, "info", time),
    '2026-11-30T00:00:00.000Z info  request request_id=r-1 method=GET path="/a b" status=200 dialect=system ok=true extra="{\\"a\\":1}"',
  );
  t.equal(formatTextLine({ event: "server_ready", message: "lobby listening\non http://x" }, "info", time), "2026-11-30T00:00:00.000Z info  server_ready lobby listening on http://x");
  t.equal(formatTextLine({ event: "x", when: new Date(0), empty: "" }, "warn", time), '2026-11-30T00:00:00.000Z warn  x when=1970-01-01T00:00:00.000Z empty=""');
  const lines = formatTextLine({ event: "internal_error", error: new TypeError("x is not a function") }, "error", time).split("\n");
  t.equal(lines[0], '2026-11-30T00:00:00.000Z error internal_error error="TypeError: x is not a function"');
  t.match(lines[1], /^\s+at /);
});

t.test("LineWriter gathers the lines of a turn into one write, and writes at once past 64 KiB", async (t) => {
  const writes: string[] = [];
  const writer = new LineWriter((text) => void writes.push(text));
  writer.line("a");
  writer.line("b");
  t.same(writes, []);
  await new Promise((resolve) => setTimeout(resolve, 5));
  t.same(writes, ["a\nb\n"]);
  writer.line("x".repeat(70_000));
  t.equal(writes.length, 2, "a long backlog is written at once");
  writer.flush();
  t.equal(writes.length, 2, "nothing left to write");
  const broken = new LineWriter(() => {
    throw new Error("EPIPE");
  });
  broken.line("lost");
  broken.flush();
  t.equal(typeof stdoutIsTerminal(), "boolean");
});

t.test("prometheusMetrics counts what the handler reports, in the Prometheus text format", async (t) => {
  const metrics = await prometheusMetrics();
  const secret = "metrics-test-secret-of-more-than-32-bytes";
  const handler = createWorkspacesHandler({
    repository: { listForUser: () => Promise.resolve([]) },
    auth: { keys: await secretKeys(secret) },
    metrics: metrics.handler,
    endpoints: { "/metrics": metrics.endpoint },
  });
  const now = Math.floor(Date.now() / 1000);
  const token = await signToken({ secret, payload: { sub: "u", exp: now + 60 } });
  for (let i = 0; i < 3; i++) await handler(new Request("http://x/api/v1/workspaces", { headers: { authorization: `Bearer ${token}` } }));
  await handler(new Request("http://x/web/v1/system/workspaces/mine"));
  await handler(new Request("http://x/web/v1/system/workspaces/mine", { headers: { authorization: "Bearer a.b.c" } }));
  const response = await handler(new Request("http://x/metrics"));
  t.equal(response.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  const text = await response.text();
  const value = (series: string) => Number(text.split("\n").find((line) => line.startsWith(`${series} `))?.slice(series.length + 1));
  t.equal(value('lobby_requests_total{dialect="uptimer",status="200"}'), 3);
  t.equal(value('lobby_requests_total{dialect="system",status="401"}'), 2);
  t.equal(value('lobby_request_duration_seconds_count{dialect="uptimer"}'), 3);
  t.equal(value('lobby_auth_rejections_total{reason="missing_authorization"}'), 1);
  t.equal(value('lobby_auth_rejections_total{reason="malformed_token"}'), 1);
  t.equal(value("lobby_token_cache_hits_total"), 2);
  t.equal(value("lobby_token_cache_misses_total"), 2);
  t.equal(value("lobby_repository_duration_seconds_count"), 3);
  t.match(text, /^lobby_runtime_info\{runtime="node",version="\d+\.\d+\.\d+"\} 1$/m);
  t.match(text, /^lobby_process_cpu_seconds_total \d/m, "the runtime's process metrics, prefixed");
  t.match(text, /^lobby_process_resident_memory_bytes \d/m);
  const names = new Set(text.split("\n").filter((line) => line !== "" && !line.startsWith("#")).map((line) => line.split(/[{ ]/)[0]));
  t.same([...names].filter((name) => !name!.startsWith("lobby_")), [], "every metric name starts with lobby_");
  metrics.handler.repository(0.2, "timeout");
  metrics.handler.repository(0.01, "unavailable");
  metrics.handler.repository(0.01, "unavailable");
  const after = await metrics.text();
  t.match(after, /^lobby_repository_errors_total\{kind="unavailable"\} 2$/m);
  t.match(after, /^lobby_repository_errors_total\{kind="timeout"\} 1$/m);
});

t.test("prometheusMetrics counts JWKS fetches by result", async (t) => {
  const metrics = await prometheusMetrics({ processMetrics: false });
  let status = 200;
  const { publicKey } = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"]) as CryptoKeyPair;
  const { kty, crv, x, y } = await crypto.subtle.exportKey("jwk", publicKey);
  const jwk = { kty, crv, x, y, kid: "k1", alg: "ES256" };
  const keys = remoteJwksKeys("https://id.example/jwks.json", {
    cooldownSeconds: 0,
    fetch: async () => (status === 200 ? Response.json({ keys: [jwk, { kty: "oct", k: "AAAA" }] }) : new Response("", { status })),
  });
  metrics.watchKeySource(keys);
  t.equal(keys.keyCount, 0, "no key before the first fetch");
  t.equal(await keys.refresh(), true);
  t.equal(keys.keyCount, 1);
  status = 503;
  t.equal(await keys.refresh(), false);
  t.equal(await keys.refresh(), false);
  t.equal(keys.keyCount, 1, "a failed refresh keeps the keys");
  const text = await metrics.text();
  t.match(text, /^lobby_jwks_fetches_total\{result="ok"\} 1$/m);
  t.match(text, /^lobby_jwks_fetches_total\{result="jwks_http_error"\} 2$/m);
  t.notMatch(text, /jwks_key_skipped/, "a skipped entry is not a failed fetch");
  t.notMatch(text, /lobby_process_/, "process metrics only when asked for");
  t.equal(keys.loads, 1);
});
