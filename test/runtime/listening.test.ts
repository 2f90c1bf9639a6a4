// Listening, on the real standalone server on Node (the esbuild bundle),
// `deno run`, `deno serve` and Bun: a port in use is one line and exit 1
// before the database starts; demo mode stays on loopback; paths are
// compared exactly as sent; a bad Host gets its dialect's answer;
// HTTP_MAX_CONNECTIONS where the runtime has a limit.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t, { type Test } from "tap";
import { freePort, killAll, ROOT, RUNTIMES, type Runtime, runtimeNamed, serveFor, type SpawnedProcess, spawnProcess, testBundle } from "../_runtimes.ts";
import { rawConnection, rawRequest, request } from "./_http.ts";

const SECRET = "listening-test-secret-of-at-least-thirty-two-bytes";
// Nothing listens on port 1: requests that need the database get 503, and these tests need none.
const NO_DATABASE = "postgres://lobby@127.0.0.1:1/lobby";

const main = testBundle(t, "listening");
const work = mkdtempSync(join(tmpdir(), "lobby-listening-"));
t.teardown(() => rmSync(work, { recursive: true, force: true }));

// stderr without colours, and without Deno's own note on `deno run` of a module that exports a fetch handler.
const COLOUR = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g");
const stderrLines = (server: SpawnedProcess) =>
  server.stderr().replace(COLOUR, "").split("\n").filter((line) => line.trim() !== "" && !line.startsWith("warning: Detected export default"));

const serve = (t: Test, runtime: Runtime, env: Record<string, string>) => serveFor(t, runtime, main, env);

async function occupy(t: Test): Promise<number> {
  const blocker: Server = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
  t.teardown(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
  return (blocker.address() as { port: number }).port;
}

for (const runtime of RUNTIMES) {
  t.test(`${runtime.name}: a port in use is one line and exit 1, before the embedded database starts`, async (t) => {
    const port = await occupy(t);
    const dataDir = join(work, `data-${runtime.name.replace(" ", "-")}`);
    // Demo mode: embedded PGlite, which takes seconds to start.
    const server = spawnProcess(runtime.command(port, main), { PORT: String(port), HOST: "127.0.0.1", LOBBY_DATA_DIR: dataDir });
    t.teardown(() => killAll([server]));
    const exit = await server.exited;
    t.equal(exit.code, 1);
    const lines = stderrLines(server);
    t.equal(lines.length, 1, "one line on stderr", { stderr: server.stderr() });
    t.match(
      lines[0],
      runtime.name === "deno serve" ? /^lobby: deno serve cannot listen: the address is already in use: .*--port/ : new RegExp(`^lobby: PORT ${port} is already in use on 127\\.0\\.0\\.1: stop the other server, or set PORT`),
    );
    t.notMatch(server.output(), /listening on/);
    t.equal(existsSync(dataDir), false, "the embedded database was never opened");
  });
}

t.test("demo mode listens on loopback only, unless LOBBY_DEMO_PUBLIC=1", async (t) => {
  const dataDir = join(work, "data-demo");
  const node = spawnProcess(runtimeNamed("node").command(0, main), { PORT: "0", HOST: "0.0.0.0", LOBBY_DATA_DIR: dataDir });
  // deno serve listens where --host says, 0.0.0.0 by default, before lobby can look.
  const denoServe = spawnProcess(
    [`${ROOT}node_modules/.bin/deno`, "serve", "-A", "--host", "0.0.0.0", "--port", String(await freePort()), "mod.ts"],
    { LOBBY_DATA_DIR: dataDir },
  );
  t.teardown(() => killAll([node, denoServe]));
  for (const [name, server, where] of [["node", node, /not on HOST 0\.0\.0\.0: set HOST=127\.0\.0\.1/], ["deno serve", denoServe, /not on 0\.0\.0\.0 \(deno serve --host/]] as const) {
    const exit = await server.exited;
    t.equal(exit.code, 1, `${name} refuses`);
    const lines = stderrLines(server);
    t.equal(lines.length, 1, `${name}: one line on stderr`, { stderr: server.stderr() });
    t.match(lines[0], /^lobby: demo mode .* listens on this machine only/);
    t.match(lines[0], where);
    t.match(lines[0], /LOBBY_DEMO_PUBLIC=1/);
  }
  t.equal(existsSync(dataDir), false, "no database was opened");
});

// Raw targets, as a client that does not normalize sends them: none of
// these is exactly a route, so none may get the route's answer.
const NOT_ROUTES: ReadonlyArray<[target: string, answer: "system" | "uptimer" | "plain"]> = [
  ["/api\\v1\\workspaces", "plain"],
  ["/api/v1\\workspaces", "plain"],
  ["/api/v1/x/%2e%2e/workspaces", "uptimer"],
  ["/api/v1/x/%2E%2E/workspaces", "uptimer"],
  ["/api/v1/x/../workspaces", "uptimer"],
  ["/api/v1/./workspaces", "uptimer"],
  ["/web/v1/system/../system/workspaces/mine", "system"],
  ["/web/v1/system/workspaces/mine/.", "system"],
  ["/a/../api/v1/workspaces", "plain"],
  ["/a/%2e%2e/web/v1/system/workspaces/mine", "plain"],
  ["//api/v1/workspaces", "plain"],
  ["/api//v1/workspaces", "plain"],
  ["/api/v1//workspaces", "uptimer"],
  ["/api/v1/workspaces/", "uptimer"],
  ["/api/v1/%77orkspaces", "uptimer"],
  ["/web/v1/system/workspaces%2Fmine", "system"],
];

for (const runtime of RUNTIMES) {
  t.test(`${runtime.name}: paths are compared exactly as sent; a bad Host gets its dialect's answer`, async (t) => {
    const { port } = await serve(t, runtime, { DATABASE_URL: NO_DATABASE, JWT_SECRET: SECRET });
    for (const path of ["/api/v1/workspaces", "/web/v1/system/workspaces/mine"]) {
      const answer = await rawRequest(port, path);
      t.equal(answer?.status, 401, `${path} is the route (401: no token)`);
    }
    for (const [target, expected] of NOT_ROUTES) {
      const answer = await rawRequest(port, target);
      t.equal(answer?.status, 404, `${target}: 404`);
      if (expected === "plain") t.match(answer?.contentType, /^text\/plain/, `${target}: the plain 404, outside both dialects`);
      else if (expected === "uptimer") t.match(answer?.body, /"error":\{"code":1404/, `${target}: the uptimer dialect's 404`);
      else t.match(answer?.body, /"code":"4040"/, `${target}: the system dialect's 404`);
    }
    // Deno builds the URL from the Host header: `x/api/v1` and `/workspaces` must not make the route.
    const shifted = await rawRequest(port, "/workspaces", { host: "x/api/v1" });
    t.equal(shifted?.status, 404, "Host: x/api/v1 with /workspaces is not the route");
    for (const host of ["a:99999", "evil host/../", "[::1", "x/y"]) {
      const answer = await rawRequest(port, "/api/v1/workspaces", { host });
      t.equal(answer?.status, 401, `Host: ${host} gets the dialect's 401`);
      t.match(answer?.body, /"error":\{"code":1001/);
    }
  });
}

// Deno.serve has no connection limit (see lib/runtime/listen.ts).
for (const runtime of RUNTIMES.filter((runtime) => runtime.name === "node" || runtime.name === "bun")) {
  t.test(`${runtime.name}: HTTP_MAX_CONNECTIONS closes connections beyond it`, async (t) => {
    const { port } = await serve(t, runtime, { DATABASE_URL: NO_DATABASE, JWT_SECRET: SECRET, HTTP_MAX_CONNECTIONS: "2" });
    const open = [rawConnection(port, request("/api/v1/workspaces")), rawConnection(port, request("/api/v1/workspaces"))];
    t.teardown(() => {
      for (const connection of open) connection.socket.destroy();
    });
    for (const connection of open) {
      while (connection.responses().length === 0 && !connection.socket.destroyed) await new Promise((resolve) => setTimeout(resolve, 20));
      t.equal(connection.responses()[0]?.status, 401, "within the limit: answered, and kept open");
    }
    const third = rawConnection(port, request("/api/v1/workspaces"));
    await third.closed;
    t.same(third.responses(), [], "the third is closed without an answer");
    open[0]!.socket.destroy();
    await open[0]!.closed;
    // The server sees the close a moment after the client.
    let answer;
    for (let attempt = 0; attempt < 20 && answer === undefined; attempt++) {
      answer = await rawRequest(port, "/api/v1/workspaces");
      if (answer === undefined) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    t.equal(answer?.status, 401, "a connection closed makes room for another");
  });
}
