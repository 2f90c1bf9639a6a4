// listen() on Node, in this process: the HTTP limits, the stop with a
// deadline, why a listen failed; and the URL the Node adapter hands a
// handler, on its direct path and its Request path. (The real server on
// every runtime: listening.test.ts and shutdown.test.ts.)
import t from "tap";
import type { PlainRequest, PlainResponse, WorkspacesHandler } from "../../lib/handler/mod.ts";
import { isLoopback, listen, listenFailure, originOf, withUsableHost } from "../../lib/runtime/listen.ts";
import { rawConnection, rawRequest, request, trickle } from "./_http.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// A handler with the direct path, as createWorkspacesHandler makes: it
// answers with the URL it was given, after `delayMs` for /slow.
function echo(delayMs = 0): WorkspacesHandler {
  const answer = async (request: PlainRequest): Promise<PlainResponse> => {
    if (request.url.endsWith("/slow")) await sleep(delayMs);
    return { status: 200, headers: { "content-type": "text/plain" }, body: request.url };
  };
  const fetch = async (request: Request) => {
    const { status, headers, body } = await answer(request);
    return new Response(body, { status, headers });
  };
  return Object.assign(fetch, { answer });
}

t.test("listen serves, and close resolves true once every connection is closed", async (t) => {
  const server = await listen(echo(), { port: 0, host: "[127.0.0.1]" });
  const answer = await rawRequest(server.port, "/a/../b");
  t.equal(answer?.body, "http://127.0.0.1/a/../b", "the target as sent, after the Host's origin");
  const idle = rawConnection(server.port, request("/x"));
  while (idle.responses().length === 0) await sleep(10);
  t.equal(await server.close(1000), true);
  await idle.closed;
  t.equal(server.close(), server.close(), "a second close is the first");
});

t.test("close answers what is in flight with Connection: close, and cuts it at the deadline", async (t) => {
  const server = await listen(echo(300), { port: 0, host: "127.0.0.1" });
  const inFlight = rawConnection(server.port, request("/slow"));
  const half = trickle(server.port, 100);
  await sleep(100);
  t.equal(await server.close(2000), true, "drained before the deadline");
  await inFlight.closed;
  t.equal(inFlight.responses()[0]?.status, 200);
  t.equal(inFlight.responses()[0]?.connection, "close");
  await half.closed;
  t.same(half.responses(), [], "a client still sending its headers is closed without an answer");

  const late = await listen(echo(5000), { port: 0, host: "127.0.0.1" });
  const stuck = rawConnection(late.port, request("/slow"));
  await sleep(100);
  t.equal(await late.close(200), false, "the deadline passed with a request in flight");
  await stuck.closed;
  t.same(stuck.responses(), [], "its connection is closed");

  const quiet = await listen(echo(), { port: 0, host: "127.0.0.1" });
  await rawRequest(quiet.port, "/x");
  t.equal(await quiet.close(0), true, "a timeout of 0 with nothing in flight is still a clean stop");
});

t.test("listen's headers timeout answers 408, and its connection limit closes what is beyond", async (t) => {
  const server = await listen(echo(), { port: 0, host: "127.0.0.1", headersTimeoutMs: 1000, maxConnections: 2 });
  t.teardown(() => server.close(0));
  const slow = trickle(server.port, 200);
  const kept = rawConnection(server.port, request("/x"));
  while (kept.responses().length === 0) await sleep(10);
  const beyond = rawConnection(server.port, request("/x"));
  await beyond.closed;
  t.same(beyond.responses(), [], "a third connection is closed without an answer");
  await slow.closed;
  t.equal(slow.responses()[0]?.status, 408);
  kept.socket.destroy();
});

t.test("listenFailure names why, from Node's, Bun's and Deno's errors", async (t) => {
  const first = await listen(echo(), { port: 0, host: "127.0.0.1" });
  t.teardown(() => first.close());
  const error = await listen(echo(), { port: first.port, host: "127.0.0.1" }).catch((error: unknown) => error);
  t.equal(listenFailure(error), "address_in_use");
  t.equal(listenFailure({ code: "EADDRNOTAVAIL" }), "address_not_available");
  t.equal(listenFailure({ code: "EACCES" }), "permission_denied");
  t.equal(listenFailure({ code: "ENOTFOUND" }), "host_not_found");
  t.equal(listenFailure(new Error("failed to lookup address information: Name or service not known")), "host_not_found");
  t.equal(listenFailure(new Error("something else")), undefined);
  t.equal(listenFailure(undefined), undefined);
});

t.test("isLoopback, originOf and withUsableHost", async (t) => {
  for (const host of ["127.0.0.1", "127.1.2.3", "localhost", "LOCALHOST", "::1", "[::1]", "::ffff:127.0.0.1"]) t.equal(isLoopback(host), true, host);
  for (const host of ["0.0.0.0", "::", "10.0.0.1", "127.0.0.256", "example.com", "128.0.0.1"]) t.equal(isLoopback(host), false, host);
  t.equal(originOf("EXAMPLE.com:80"), "http://example.com");
  t.equal(originOf("[::1]:8080"), "http://[::1]:8080");
  for (const host of [undefined, null, "a:99999", "evil host", "x/api/v1", "[::1", ""]) t.equal(originOf(host), "http://localhost", String(host));
  for (let i = 0; i < 100; i++) originOf(`host${i}.example`);
  t.equal(originOf("host99.example"), "http://host99.example", "the cache of origins stays bounded and still answers");

  // What Deno.serve makes of a target and a Host header.
  const shifted = new Request("http://x/api/v1/workspaces", { headers: { host: "x/api/v1" } });
  t.equal(withUsableHost(shifted).url, "http://localhost/workspaces");
  const plain = new Request("http://example.com/api/v1/workspaces", { headers: { host: "example.com" } });
  t.equal(withUsableHost(plain), plain);
  t.equal(withUsableHost(plain).url, "http://example.com/api/v1/workspaces");
  const absolute = new Request("http://other/api/v1/workspaces", { headers: { host: "bad host" } });
  t.equal(withUsableHost(absolute).url, "http://other/api/v1/workspaces", "an absolute-form target keeps its own authority");
  t.equal(withUsableHost(new Request("http://x/y")).url, "http://x/y", "no Host header");
});

t.test("the Node adapter gives the target as sent, on the direct path and the Request path alike", async (t) => {
  const direct = await listen(echo(), { port: 0, host: "127.0.0.1" });
  const generic = await listen(async (request) => new Response(request.url), { port: 0, host: "127.0.0.1" });
  t.teardown(async () => {
    await direct.close();
    await generic.close();
  });
  const cases: Array<[target: string, host: string, url: string | undefined]> = [
    ["/api\\v1\\workspaces", "a", "http://a/api\\v1\\workspaces"],
    ["/api/v1/x/%2e%2e/workspaces?q=%2e", "a", "http://a/api/v1/x/%2e%2e/workspaces?q=%2e"],
    ["//api/v1/./workspaces", "EXAMPLE.com:80", "http://example.com//api/v1/./workspaces"],
    ["http://other.example/api/../x?y", "a", "http://a/api/../x?y"],
    ["http://other.example?y", "a", "http://a/?y"],
    ["/x", "a:99999", "http://localhost/x"],
    ["/x", "evil host/../", "http://localhost/x"],
    ["*", "a", undefined],
  ];
  for (const [target, host, url] of cases) {
    for (const [name, server] of [["direct", direct], ["Request", generic]] as const) {
      const answer = await rawRequest(server.port, target, { host });
      if (url === undefined) t.equal(answer?.status, 400, `${name}: ${target} has no path: 400`);
      else t.equal(answer?.body, url, `${name}: ${target} with Host ${host}`);
    }
  }
  for (const [name, server] of [["direct", direct], ["Request", generic]] as const) {
    const answer = await rawRequest(server.port, "/x", { host: "first.example", HOST: "second.example" });
    t.equal(answer?.body, "http://first.example/x", `${name}: of two Host fields, the first names the origin`);
  }
});
