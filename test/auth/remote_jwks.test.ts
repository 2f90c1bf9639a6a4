// The remote JWKS against a real local issuer (node:http) started here:
// rotation, cooldown, single-flight counted by the issuer's own fetch
// counter, the issuer down, slow, oversized or wrong. The JWKS clock is
// injected; only the fetch timeout runs on real time.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import t, { type Test } from "tap";
import { createVerifier, type TokenFailureReason, type Verifier } from "../../lib/auth/verifier.ts";
import { createWorkspacesHandler, type HandlerEvent } from "../../lib/handler/handler.ts";
import { isJwksUrlAllowed, type RemoteJwksOptions, remoteJwksKeys, type RemoteKeySet } from "../../lib/auth/remote_jwks.ts";
import type { KeySetEvent } from "../../lib/auth/keys.ts";
import { KeyError } from "../../lib/auth/key_error.ts";
import { generateTestKey, jwks, signToken, type TestKey } from "../_tokens.ts";

const NOW_S = 1_767_225_600;
const NOW = NOW_S * 1000;
const CLAIMS = { sub: "user-1", exp: NOW_S + 30 * 86_400 } as const;

interface Behaviour {
  status?: number;
  delayMs?: number;
  cacheControl?: string | null;
  raw?: string;
  chunked?: boolean;
  redirect?: string;
}

interface Issuer {
  readonly url: string;
  fetches: number;
  body: unknown;
  behaviour: Behaviour;
  down(): Promise<void>;
  up(): Promise<void>;
}

async function issuer(t: Test): Promise<Issuer> {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  const state: Issuer = {
    url: "",
    fetches: 0,
    body: { keys: [] },
    behaviour: {},
    async down() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
      server = undefined;
    },
    async up() {
      server = createServer((request: IncomingMessage, response: ServerResponse) => {
        state.fetches++;
        const b = state.behaviour;
        const answer = () => {
          if (b.redirect !== undefined) {
            response.writeHead(302, { location: b.redirect }).end();
            return;
          }
          const text = b.raw ?? JSON.stringify(state.body);
          const headers: Record<string, string> = { "content-type": "application/jwk-set+json" };
          const cacheControl = b.cacheControl === undefined ? "max-age=300" : b.cacheControl;
          if (cacheControl !== null) headers["cache-control"] = cacheControl;
          if (b.chunked) {
            response.writeHead(b.status ?? 200, headers);
            for (let i = 0; i < text.length; i += 1000) response.write(text.slice(i, i + 1000));
            response.end();
          } else {
            response.writeHead(b.status ?? 200, { ...headers, "content-length": String(Buffer.byteLength(text)) }).end(text);
          }
        };
        if (b.delayMs) setTimeout(answer, b.delayMs).unref();
        else answer();
        void request;
      });
      server.on("connection", (socket) => {
        sockets.add(socket);
        socket.on("close", () => sockets.delete(socket));
      });
      await new Promise<void>((resolve) => server!.listen(port, "127.0.0.1", resolve));
      const address = server.address();
      port = typeof address === "object" && address !== null ? address.port : port;
      (state as { url: string }).url = `http://127.0.0.1:${port}/.well-known/jwks.json`;
    },
  };
  await state.up();
  t.teardown(() => state.down());
  return state;
}

interface Setup {
  keys: RemoteKeySet;
  verify: Verifier;
  events: KeySetEvent[];
  clock: { now: number };
  reason(token: string): Promise<TokenFailureReason | "ok">;
}

function setup(server: Issuer, options: RemoteJwksOptions = {}): Setup {
  const clock = { now: NOW };
  const events: KeySetEvent[] = [];
  const keys = remoteJwksKeys(server.url, { now: () => clock.now, ...options });
  keys.watch!((event) => events.push(event));
  const verify = createVerifier({ keys });
  return {
    keys,
    verify,
    events,
    clock,
    async reason(token) {
      const result = await verify(token, clock.now);
      return result.ok ? "ok" : result.reason;
    },
  };
}

function tokenFor(key: TestKey, claims: Record<string, unknown> = CLAIMS): Promise<string> {
  return signToken({ key, header: key.kid === undefined ? {} : { kid: key.kid }, payload: claims });
}

const k1 = await generateTestKey("ES256", { kid: "k1" });
const k2 = await generateTestKey("EdDSA", { kid: "k2" });
const k3 = await generateTestKey("ES384", { kid: "k3" });
const rsa = await generateTestKey("RS256", { kid: "rsa-1" });

t.test("remoteJwksKeys fetches on first use, then serves from its cache", async (t) => {
  const server = await issuer(t);
  server.body = jwks(k1, rsa);
  const s = setup(server);
  t.equal(server.fetches, 0, "nothing is fetched before a token needs a key");
  t.equal(await s.reason(await tokenFor(k1)), "ok");
  t.equal(await s.reason(await tokenFor(rsa)), "ok");
  t.equal(await s.reason(await tokenFor(k1, { ...CLAIMS, n: 2 })), "ok");
  t.equal(server.fetches, 1, "one fetch for all of them");
  t.equal(s.keys.fetches, 1);
  t.strictSame(s.events, []);
});

t.test("100 concurrent requests with a new kid share one fetch", async (t) => {
  const server = await issuer(t);
  server.body = jwks(k1);
  const s = setup(server);
  t.equal(await s.reason(await tokenFor(k1)), "ok");
  t.equal(server.fetches, 1);
  server.body = jwks(k1, k2);
  server.behaviour = { delayMs: 150 }; // so all 100 are waiting while the fetch runs
  s.clock.now += 31_000; // past the cooldown
  const tokens = await Promise.all(Array.from({ length: 100 }, (_, i) => tokenFor(k2, { ...CLAIMS, n: i })));
  const results = await Promise.all(tokens.map((token) => s.reason(token)));
  t.strictSame(new Set(results), new Set(["ok"]), "all 100 accepted");
  t.equal(server.fetches - 1, 1, "exactly one fetch for 100 concurrent requests");
});

t.test("a flood of unknown kids refreshes at most once per cooldown", async (t) => {
  const server = await issuer(t);
  server.body = jwks(k1);
  const s = setup(server, { cooldownSeconds: 30 });
  t.equal(await s.reason(await tokenFor(k1)), "ok");
  const forged = await generateTestKey("ES256");
  const flood = (tag: string, count: number) =>
    Promise.all(Array.from({ length: count }, async (_, i) => s.reason(await signToken({ key: forged, header: { kid: `${tag}-${i}` }, payload: CLAIMS }))));

  // Within the cooldown of the first fetch: no fetch at all.
  const early = await flood("early", 200);
  t.strictSame(new Set(early), new Set(["unknown_key"]));
  t.equal(server.fetches, 1, "200 unknown kids within the cooldown: no fetch");

  // A flood spread over 60 simulated seconds, 100 requests every 5 s.
  const perWindow: number[] = [];
  for (let second = 30; second < 90; second += 5) {
    s.clock.now = NOW + second * 1000;
    const before = server.fetches;
    const results = await flood(`t${second}`, 100);
    t.strictSame(new Set(results), new Set(["unknown_key"]), `all refused at +${second} s`);
    perWindow.push(server.fetches - before);
  }
  t.strictSame(perWindow, [1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0], "one fetch at +30 s and one at +60 s, none between");
  t.equal(server.fetches, 3, "1,200 unknown kids over 60 s: 2 refreshes");
  t.equal(await s.reason(await tokenFor(k1)), "ok", "the known key still works");
});

t.test("rotation: a new kid is accepted after a refresh, a removed key stops working", async (t) => {
  const server = await issuer(t);
  server.body = jwks(k1);
  const s = setup(server, { minCacheSeconds: 60 });
  const old = await tokenFor(k1);
  t.equal(await s.reason(old), "ok");
  t.equal(await s.reason(old), "ok", "cached in the verifier");

  // The issuer publishes k2 beside k1, then starts signing with k2.
  server.body = jwks(k1, k2);
  s.clock.now += 30_000;
  const fresh = await tokenFor(k2);
  t.equal(await s.reason(fresh), "ok", "the new kid triggers a refresh and verifies");
  t.equal(server.fetches, 2);

  // k1 retired: once the set's max-age (300 s) has passed, the next request
  // refreshes in the background; after that k1 is gone.
  server.body = jwks(k2);
  s.clock.now += 299_000;
  t.equal(await s.reason(old), "ok", "still within max-age");
  t.equal(server.fetches, 2, "no fetch within max-age");
  s.clock.now += 1_000;
  t.equal(await s.reason(old), "ok", "the stale set answers while it refreshes");
  t.equal(s.keys.fetches, 3, "a background refresh started");
  await s.keys.refresh(); // waits for the one in flight
  t.equal(server.fetches, 3, "and reached the issuer");
  t.equal(await s.reason(old), "unknown_key", "k1's cached token is refused once k1 is gone");
  t.equal(await s.reason(await tokenFor(k1, { ...CLAIMS, n: 1 })), "unknown_key", "and so is a new k1 token");
  t.equal(await s.reason(fresh), "ok", "k2 keeps working");

  // A rotation announced only by a new kid: k3 in, k2 out, in one refresh.
  server.body = jwks(k3);
  s.clock.now += 31_000;
  t.equal(await s.reason(await tokenFor(k3)), "ok");
  t.equal(await s.reason(fresh), "unknown_key", "k2 stopped with the same refresh");
});

t.test("cached keys keep working while the issuer is down", async (t) => {
  const server = await issuer(t);
  server.body = jwks(k1);
  const s = setup(server);
  const token = await tokenFor(k1);
  t.equal(await s.reason(token), "ok");
  await server.down();

  s.clock.now += 600_000; // long past max-age
  const started = Date.now();
  t.equal(await s.reason(token), "ok", "a cached token");
  t.equal(await s.reason(await tokenFor(k1, { ...CLAIMS, n: 1 })), "ok", "a new token of a cached key");
  await s.keys.refresh();
  t.equal(await s.reason(await tokenFor(k2)), "unknown_key", "an unknown kid is a 401 reason, not an error");
  t.ok(Date.now() - started < 2000, "and nothing hangs");
  t.ok(s.events.length >= 1, "the failure is reported");
  t.strictSame(new Set(s.events.map((e) => e.reason)), new Set(["jwks_unreachable"]));
  t.equal(s.events[0]?.source, server.url, "with the source");

  // Back up: the next refresh (after the cooldown) brings new keys.
  server.body = jwks(k1, k2);
  await server.up();
  s.clock.now += 31_000;
  t.equal(await s.reason(await tokenFor(k2)), "ok", "recovers by itself");
});

t.test("an issuer down from the start gives 401s, never 500s, and is logged through the handler", async (t) => {
  const server = await issuer(t);
  await server.down();
  const s = setup(server);
  t.equal(await s.reason(await tokenFor(k1)), "unknown_key");
  t.equal(server.fetches, 0);
  t.strictSame(s.events.map((e) => e.reason), ["jwks_unreachable"]);

  const logged: HandlerEvent[] = [];
  const keys = remoteJwksKeys(server.url, { now: () => NOW });
  const handler = createWorkspacesHandler({
    repository: { listForUser: async () => [] },
    auth: { keys },
    now: () => NOW,
    log: (event) => logged.push(event),
  });
  const token = await tokenFor(k1);
  for (const path of ["/api/v1/workspaces", "/web/v1/system/workspaces/mine"]) {
    const response = await handler(new Request(`http://lobby.test${path}`, { headers: { authorization: `Bearer ${token}` } }));
    t.equal(response.status, 401, path);
    t.notOk((await response.text()).includes(token.slice(0, 20)), "no token text in the body");
  }
  t.strictSame(
    logged.map((e) => [e.event, e.reason]),
    [
      ["key_source_problem", "jwks_unreachable"],
      ["auth_rejected", "unknown_key"],
      ["auth_rejected", "unknown_key"],
    ],
    "one fetch attempt (the second request is within the cooldown), two rejections",
  );
  t.equal(logged[0]?.source, server.url);
  t.equal(logged[0]?.dialect, undefined, "a key source problem belongs to no dialect");
});

t.test("a slow issuer is cut off by the timeout and delays no known key", async (t) => {
  const server = await issuer(t);
  server.behaviour = { delayMs: 3000 };
  server.body = jwks(k1);
  const s = setup(server, { timeoutMs: 200 });
  let started = Date.now();
  t.equal(await s.reason(await tokenFor(k1)), "unknown_key", "first load timed out");
  const elapsed = Date.now() - started;
  t.ok(elapsed >= 150 && elapsed < 2000, `waited about the timeout (${elapsed} ms)`);
  t.strictSame(s.events.map((e) => e.reason), ["jwks_timeout"]);

  server.behaviour = {};
  s.clock.now += 31_000;
  t.equal(await s.reason(await tokenFor(k1)), "ok", "loads once the issuer answers");

  // Stale set, slow issuer: the known key answers at once while the refresh
  // hangs (a timeout long enough to tell "at once" from "after the timeout").
  const patient = setup(server, { timeoutMs: 1500 });
  t.equal(await patient.reason(await tokenFor(k1)), "ok");
  server.behaviour = { delayMs: 5000 };
  patient.clock.now += 600_000;
  started = Date.now();
  t.equal(await patient.reason(await tokenFor(k1, { ...CLAIMS, n: 1 })), "ok");
  t.equal(await patient.reason(await tokenFor(k1, { ...CLAIMS, n: 2 })), "ok");
  const known = Date.now() - started;
  t.ok(known < 1000, `known keys did not wait for the refresh (${known} ms)`);
  t.equal(patient.keys.fetches, 2, "the refresh is in flight");
  // An unknown kid shares the refresh in flight and gets its answer when it times out.
  t.equal(await patient.reason(await tokenFor(k2)), "unknown_key");
  const unknown = Date.now() - started;
  t.ok(unknown >= 1000 && unknown < 4000, `after the timeout, not the issuer's 5 s (${unknown} ms)`);
  t.equal(patient.keys.fetches, 2, "no second fetch for the unknown kid");
  t.strictSame(s.events.map((e) => e.reason), ["jwks_timeout"]);
  t.strictSame(patient.events.map((e) => e.reason), ["jwks_timeout"]);
});

t.test("an oversized JWKS is refused and the cached keys stay", async (t) => {
  const server = await issuer(t);
  server.body = jwks(k1);
  const s = setup(server, { maxBytes: 4096 });
  t.equal(await s.reason(await tokenFor(k1)), "ok");
  const huge = { keys: [k2.jwk, ...Array.from({ length: 200 }, (_, i) => ({ kty: "oct", kid: `pad-${i}`, k: "A".repeat(40) }))] };
  server.body = huge;
  s.clock.now += 31_000;
  t.equal(await s.reason(await tokenFor(k2)), "unknown_key", "with Content-Length");
  server.behaviour = { chunked: true };
  s.clock.now += 31_000;
  t.equal(await s.reason(await tokenFor(k2)), "unknown_key", "chunked, no Content-Length");
  t.strictSame(s.events.map((e) => e.reason), ["jwks_too_large", "jwks_too_large"]);
  t.equal(await s.reason(await tokenFor(k1)), "ok", "k1 still works");
  server.body = jwks(k1, k2);
  s.clock.now += 31_000;
  t.equal(await s.reason(await tokenFor(k2)), "ok", "a set within the cap is taken");
});

t.test("the cache lifetime follows max-age within the configured bounds", async (t) => {
  const cases: Array<[string, string | null, number]> = [
    ["max-age=300", "public, max-age=300", 300],
    ["max-age=0 → the minimum", "max-age=0", 60],
    ["no-store → the minimum", "no-store", 60],
    ["no-cache → the minimum", "no-cache, max-age=900", 60],
    ["a day → the maximum", "max-age=86400", 3600],
    ["no header → the default", null, 600],
    ["an unreadable max-age → the default", "max-age=soon", 600],
  ];
  for (const [name, cacheControl, seconds] of cases) {
    const server = await issuer(t);
    server.body = jwks(k1);
    server.behaviour = { cacheControl };
    // A cooldown shorter than any step here, so that refresh() below only waits for the fetch in flight.
    const s = setup(server, { minCacheSeconds: 60, maxCacheSeconds: 3600, cooldownSeconds: 1 });
    t.equal(await s.reason(await tokenFor(k1)), "ok", name);
    s.clock.now = NOW + seconds * 1000 - 1;
    await s.reason(await tokenFor(k1, { ...CLAIMS, n: 1 }));
    t.equal(s.keys.fetches, 1, `${name}: no refresh 1 ms before ${seconds} s`);
    s.clock.now = NOW + seconds * 1000;
    await s.reason(await tokenFor(k1, { ...CLAIMS, n: 2 }));
    t.equal(s.keys.fetches, 2, `${name}: a refresh at ${seconds} s`);
    await s.keys.refresh(); // the one in flight, if it has not finished
    t.equal(server.fetches, 2, `${name}: both reached the issuer`);
    await server.down();
  }
});

t.test("bad answers from the issuer are reported with stable codes", async (t) => {
  const server = await issuer(t);
  const s = setup(server, { cooldownSeconds: 0 });
  const bad: Array<[Behaviour, unknown, string, number | undefined]> = [
    [{ status: 500 }, jwks(k1), "jwks_http_error", 500],
    [{ status: 404 }, jwks(k1), "jwks_http_error", 404],
    [{ raw: "<html>not json</html>" }, null, "jwks_invalid", undefined],
    [{ raw: '{"keys":"none"}' }, null, "jwks_invalid", undefined],
    [{ raw: "[]" }, null, "jwks_invalid", undefined],
    [{ redirect: "http://127.0.0.1:1/elsewhere.json" }, null, "jwks_unreachable", undefined],
  ];
  for (const [behaviour, body, reason, detail] of bad) {
    server.behaviour = behaviour;
    server.body = body;
    s.events.length = 0;
    t.equal(await s.reason(await tokenFor(k1)), "unknown_key", reason);
    t.strictSame(s.events, [detail === undefined ? { reason, source: server.url } : { reason, source: server.url, detail }]);
  }
  // Usable keys are taken, the others counted.
  server.behaviour = {};
  server.body = { keys: [k1.jwk, { kty: "oct", k: "c2VjcmV0" }, { ...k2.jwk, d: "private!" }] };
  s.events.length = 0;
  t.equal(await s.reason(await tokenFor(k1)), "ok");
  t.equal(await s.reason(await tokenFor(k2)), "unknown_key", "a JWK with a private part is never used");
  t.strictSame(s.events[0], { reason: "jwks_key_skipped", source: server.url, detail: 2 });
  // An empty set is a valid answer: it revokes every key.
  server.body = { keys: [] };
  await s.keys.refresh();
  t.equal(await s.reason(await tokenFor(k1, { ...CLAIMS, n: 9 })), "unknown_key", "an empty set revokes");
});

t.test("a token without kid uses keys without kid, and never triggers a refresh", async (t) => {
  const server = await issuer(t);
  const unnamed = await generateTestKey("ES256");
  server.body = jwks(unnamed, k1);
  const s = setup(server);
  t.equal(await s.reason(await tokenFor(unnamed)), "ok");
  t.equal(await s.reason(await signToken({ key: k1, payload: CLAIMS })), "bad_signature", "k1 is not tried for a token without kid");
  s.clock.now += 31_000;
  await s.reason(await signToken({ key: k1, payload: CLAIMS }));
  t.equal(server.fetches, 1, "no kid, no refresh");
});

t.test("remoteJwksKeys checks its URL and options", async (t) => {
  for (const url of ["http://id.example/jwks", "ftp://127.0.0.1/jwks", "/jwks.json", "not a url", "file:///etc/passwd"]) {
    const error = t.throws(() => remoteJwksKeys(url)) as Error & { code?: string };
    t.type(error, KeyError, url);
    t.equal(error.code, "jwks_url_not_allowed", url);
    t.equal(error.message, "remoteJwksKeys: the JWKS URL must be an absolute https: URL (http: only for localhost)", url);
  }
  for (const url of ["https://id.example/jwks", "http://localhost:8080/jwks", "http://127.0.0.1/jwks", "http://[::1]:9/jwks"]) {
    t.doesNotThrow(() => remoteJwksKeys(url), url);
    t.ok(isJwksUrlAllowed(url), url);
  }
  t.doesNotThrow(() => remoteJwksKeys("http://id.internal/jwks", { allowInsecureHttp: true }));
  t.notOk(isJwksUrlAllowed("http://127.0.0.1.evil.example/jwks"), "127.0.0.1 as a subdomain is not loopback");
  t.doesNotThrow(() => remoteJwksKeys(new URL("https://id.example/jwks")));
  const algorithms = "remoteJwksKeys: options.algorithms must be a non-empty list of public-key algorithms (RS256…EdDSA)";
  const bad: Array<[RemoteJwksOptions, string]> = [
    [{ cooldownSeconds: -1 }, "remoteJwksKeys: options.cooldownSeconds must be an integer from 0 to 3600"],
    [{ cooldownSeconds: 1.5 }, "remoteJwksKeys: options.cooldownSeconds must be an integer from 0 to 3600"],
    [{ minCacheSeconds: 700_000 }, "remoteJwksKeys: options.minCacheSeconds must be an integer from 0 to 604800"],
    [{ maxCacheSeconds: "60" as unknown as number }, "remoteJwksKeys: options.maxCacheSeconds must be an integer from 0 to 604800"],
    [{ minCacheSeconds: 600, maxCacheSeconds: 60 }, "remoteJwksKeys: options.maxCacheSeconds must not be below options.minCacheSeconds"],
    [{ defaultCacheSeconds: -5 }, "remoteJwksKeys: options.defaultCacheSeconds must be an integer from 0 to 604800"],
    [{ timeoutMs: 0 }, "remoteJwksKeys: options.timeoutMs must be an integer from 1 to 60000"],
    [{ maxBytes: 0 }, "remoteJwksKeys: options.maxBytes must be an integer from 1 to 16777216"],
    [{ algorithms: ["HS256" as "RS256"] }, algorithms],
    [{ algorithms: [] }, algorithms],
    [{ rsaAlgorithm: "ES256" as "RS256" }, "remoteJwksKeys: options.rsaAlgorithm must be one of RS256, RS384, RS512, PS256, PS384, PS512"],
    [{ allowInsecureHttp: "yes" as unknown as boolean }, "remoteJwksKeys: options.allowInsecureHttp must be true or false"],
    [{ now: 5 as unknown as () => number }, "remoteJwksKeys: options.now must be a function"],
    [{ fetch: "fetch" as unknown as RemoteJwksOptions["fetch"] }, "remoteJwksKeys: options.fetch must be a function"],
    [{ cooldown: 30 } as RemoteJwksOptions, "remoteJwksKeys: options.cooldown is not an option"],
  ];
  for (const [options, message] of bad) {
    const error = t.throws(() => remoteJwksKeys("https://id.example/jwks", options)) as Error & { code?: string };
    t.equal(error.name, "TypeError", message);
    t.equal(error.message, message);
  }
  const keys = remoteJwksKeys("https://id.example/jwks", { algorithms: ["ES256", "EdDSA"] });
  t.strictSame([...keys.algorithms].sort(), ["ES256", "EdDSA"], "the allow-list");
  t.notOk([...remoteJwksKeys("https://id.example/jwks").algorithms].some((alg) => alg.startsWith("HS")), "never an HMAC algorithm");
});

t.test("a throwing watcher does not break verification; an injected fetch is used", async (t) => {
  const calls: string[] = [];
  const keys = remoteJwksKeys("https://id.example/jwks", {
    now: () => NOW,
    fetch: async (url, init) => {
      calls.push(`${url} ${init.redirect}`);
      return new Response(JSON.stringify(jwks(k1)), { headers: { "cache-control": "max-age=60" } });
    },
  });
  keys.watch!(() => {
    throw new Error("broken logger");
  });
  const verify = createVerifier({ keys });
  t.equal((await verify(await tokenFor(k1), NOW)).ok, true);
  t.strictSame(calls, ["https://id.example/jwks error"], "redirects are never followed");
  const failing = remoteJwksKeys("https://id.example/jwks", {
    now: () => NOW,
    fetch: async () => new Response(null, { status: 503 }),
  });
  failing.watch!(() => {
    throw new Error("broken logger");
  });
  t.equal(await failing.refresh(), false, "refresh resolves false, the throwing watcher is ignored");
  t.equal(await failing.refresh(), false, "within the cooldown: nothing to do");
  t.equal(failing.fetches, 1);
  const bodiless = remoteJwksKeys("https://id.example/jwks", { fetch: async () => new Response(null, { status: 200 }) });
  const events: KeySetEvent[] = [];
  bodiless.watch!((event) => events.push(event));
  t.equal(await bodiless.refresh(), false);
  t.strictSame(events.map((e) => e.reason), ["jwks_invalid"], "an empty body is not a JWK Set");
});
