// Stopping the real standalone server on Node (the esbuild bundle), `deno
// run`, `deno serve` and Bun: a stop signal under a keep-alive client that
// never pauses, with a request in flight and clients trickling their
// headers; the SHUTDOWN_TIMEOUT deadline; a repeated signal; and `npm
// start`, whose npm process is what `docker stop` and process managers
// signal.
import { connect } from "node:net";
import t, { type Test } from "tap";
import { signToken } from "../_tokens.ts";
import { freePort, killAll, RUNTIMES, type Runtime, runtimeNamed, serveFor, spawnProcess, testBundle } from "../_runtimes.ts";
import { fakePostgres, rawConnection, request, trickle } from "./_http.ts";

const SECRET = "shutdown-test-secret-of-at-least-thirty-two-bytes";
// What the exit may take beyond the deadline: the database's own close, and
// a loaded machine's scheduling. Generous: these are not benchmarks.
const SLACK_MS = 3000;

const main = testBundle(t, "shutdown");

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
// Node and Bun serve through node:http; Deno through Deno.serve (see lib/runtime/listen.ts).
const onNodeHttp = (runtime: Runtime) => runtime.name === "node" || runtime.name === "bun";

const serve = (t: Test, runtime: Runtime, env: Record<string, string>) => serveFor(t, runtime, main, env);

function token(): Promise<string> {
  return signToken({ secret: SECRET, payload: { sub: "alice", exp: Math.floor(Date.now() / 1000) + 3600 } });
}

for (const runtime of RUNTIMES) {
  t.test(`${runtime.name}: SIGTERM answers what is in flight, closes the rest and exits 0, under a keep-alive client that never pauses`, async (t) => {
    // The database refuses each connection after a second: a request that
    // reaches it is in flight for that long, then answered 503.
    const postgres = await fakePostgres({ refuse: { afterMs: 1000 } });
    t.teardown(() => postgres.close());
    const { server, port } = await serve(t, runtime, {
      DATABASE_URL: postgres.url,
      JWT_SECRET: SECRET,
      SHUTDOWN_TIMEOUT: "2",
      HTTP_HEADERS_TIMEOUT: "1",
    });
    const hammer = rawConnection(port, request("/api/v1/workspaces"), request("/api/v1/workspaces"));

    const early = trickle(port, 300);
    if (onNodeHttp(runtime)) {
      await early.closed;
      t.equal(early.responses()[0]?.status, 408, "a client still sending its headers after HTTP_HEADERS_TIMEOUT gets 408");
      t.ok(early.sent() < 40, `and is cut off long before it is done (${early.sent()} bytes sent)`);
    } else {
      // Deno.serve has no headers timeout (see lib/runtime/listen.ts).
      await sleep(1500);
      t.equal(early.socket.destroyed, false, "Deno keeps a client trickling its headers");
    }

    // A keep-alive connection: one quick answer, then a request in flight at the signal.
    const bearer = { authorization: `Bearer ${await token()}` };
    const inFlight = rawConnection(port, request("/api/v1/workspaces"));
    while (inFlight.responses().length === 0) await sleep(20);
    t.equal(inFlight.responses()[0]!.status, 401);
    inFlight.send(request("/api/v1/workspaces", bearer));
    const late = trickle(port, 300);
    await sleep(300);

    const signalledAt = Date.now();
    server.child.kill("SIGTERM");
    const exit = await server.exited;
    t.equal(exit.code, 0, "exit 0 after a clean drain", { stderr: server.stderr().slice(-4000) });
    t.ok(exit.at - signalledAt < 2000 + SLACK_MS, `exits within SHUTDOWN_TIMEOUT (${exit.at - signalledAt} ms)`);

    await inFlight.closed;
    const answers = inFlight.responses();
    t.equal(answers.length, 2, "the request in flight is answered, and nothing after it");
    t.equal(answers[1]?.status, 503);
    if (onNodeHttp(runtime)) t.equal(answers[1]?.connection, "close", "its answer says Connection: close");
    else t.not(answers[1]?.connection, "close", "Deno does not say Connection: close, and closes the connection after the answer");

    const hammerClosedAt = await hammer.closed;
    t.ok(hammerClosedAt <= exit.at + 100, "the keep-alive client is cut off, not served until it stops");
    const answered = hammer.responses();
    t.ok(answered.length > 0);
    t.ok(answered.slice(0, -1).every((answer) => answer.connection !== "close"), "only its last answer may say Connection: close");

    for (const [name, connection] of [["early", early], ["late", late]] as const) {
      if (name === "early" && onNodeHttp(runtime)) continue;
      await connection.closed;
      t.same(connection.responses(), [], `a client still sending its headers (${name}) is closed at the stop, without an answer`);
    }
  });

  t.test(`${runtime.name}: SHUTDOWN_TIMEOUT ends a request that takes longer, with exit status 1`, async (t) => {
    // The handshake succeeds, and no query is ever answered.
    const postgres = await fakePostgres("hang");
    t.teardown(() => postgres.close());
    const { server, port } = await serve(t, runtime, { DATABASE_URL: postgres.url, JWT_SECRET: SECRET, SHUTDOWN_TIMEOUT: "1" });
    const stuck = rawConnection(port, request("/api/v1/workspaces", { authorization: `Bearer ${await token()}` }));
    await sleep(300);
    const signalledAt = Date.now();
    server.child.kill("SIGTERM");
    const exit = await server.exited;
    t.equal(exit.code, 1, "exit 1: the deadline cut a request short");
    t.ok(exit.at - signalledAt >= 900, `the request in flight had its time (${exit.at - signalledAt} ms)`);
    t.ok(exit.at - signalledAt < 1000 + SLACK_MS, `and no more (${exit.at - signalledAt} ms)`);
    t.match(server.stderr(), /SHUTDOWN_TIMEOUT \(1 s\) passed/);
    await stuck.closed;
    t.same(stuck.responses(), [], "its connection is closed");
  });
}

// npm runs the script with `sh -c`; `exec` makes the shell become node, so
// the signal npm passes on reaches the server. (Each start builds first,
// which takes a while: two starts only.)
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  t.test(`npm start: ${signal} to npm stops the server and leaves nothing behind`, async (t) => {
    const port = await freePort();
    const npm = spawnProcess(["npm", "start"], {
      PORT: String(port),
      HOST: "127.0.0.1",
      DATABASE_URL: "postgres://lobby@127.0.0.1:1/lobby",
      JWT_SECRET: SECRET,
    }, { detached: true });
    t.teardown(() => killAll([npm]));
    await npm.waitFor(/listening on http/);
    npm.child.kill(signal);
    const exit = await npm.exited;
    t.equal(exit.code, 0, "npm exits 0 after the server's clean stop", { output: npm.output().slice(-4000) });
    t.throws(() => process.kill(-npm.child.pid!, 0), { code: "ESRCH" }, "no process of npm start's is left");
    const refused = await new Promise<string>((resolve) => {
      const socket = connect(port, "127.0.0.1", () => {
        socket.destroy();
        resolve("connected");
      });
      socket.on("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? "error"));
    });
    t.equal(refused, "ECONNREFUSED", "nothing listens on the port");
  });
}

// A terminal's Ctrl-C reaches every process of the job: npm, which passes
// it on, and node itself, so node sees SIGINT twice at once. That is one
// request to stop; a SIGINT a while later is impatience.
t.test("node: the same signal twice at once is one stop; once more later, it exits without waiting", async (t) => {
  const postgres = await fakePostgres("hang");
  t.teardown(() => postgres.close());
  const { server, port } = await serve(t, runtimeNamed("node"), { DATABASE_URL: postgres.url, JWT_SECRET: SECRET });
  const stuck = rawConnection(port, request("/api/v1/workspaces", { authorization: `Bearer ${await token()}` }));
  await sleep(300);
  server.child.kill("SIGINT");
  server.child.kill("SIGINT");
  await sleep(1500);
  t.equal(server.child.exitCode, null, "still waiting for the request in flight");
  server.child.kill("SIGINT");
  const exit = await server.exited;
  t.equal(exit.code, 130, "128 + SIGINT");
  t.match(server.stderr(), /SIGINT again: exiting without waiting/);
  await stuck.closed;
});
