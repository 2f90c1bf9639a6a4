/**
 * A server under test for the handler benchmark (`bench/handler.ts`), on
 * whichever runtime runs it. Prints `listening <port>` once it accepts
 * connections.
 *
 * Environment:
 *
 * - `MODE=bare`: the floor. A constant JSON body of the same bytes and the
 *   same headers as lobby's answer in `memory` mode, with no work at all.
 * - `MODE=memory`: lobby's handler over an in-process repository that
 *   returns the same 10 workspaces for every user: auth, locale, envelope,
 *   serialization and the runtime's adapter, no database.
 * - `ADAPTER` (Node only, `memory` mode): `lib` (lobby's `toNodeListener`,
 *   the default), `generic` (the same adapter's path for any fetch handler:
 *   a real `Request` and `Response`), `baseline` (the adapter lobby first
 *   shipped), `hono` (`@hono/node-server`'s `getRequestListener` with
 *   `overrideGlobalObjects: false`) and `hono-global` (the same, with its
 *   default of replacing the global `Request`/`Response`).
 * - `OBSERVE` (`memory` mode): the standalone server's observability on.
 *   `metrics`: prom-client metrics (and `/metrics`), as `METRICS=1` gives;
 *   `all`: those and a JSON access log line per request on standard
 *   output, as `METRICS=1 LOG_FORMAT=json LOG_LEVEL=info` give.
 * - `PORT` (default 0), `BENCH_SECRET`: the HMAC secret the tokens are
 *   signed with.
 *
 * @module
 */
import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { systemSuccess } from "../lib/envelope/mod.ts";
import { createWorkspacesHandler, type FetchHandler } from "../lib/handler/mod.ts";
import { secretKeys } from "../lib/auth/mod.ts";
import { createLogger, prometheusMetrics } from "../lib/observe/mod.ts";
import { listen, toNodeListener } from "../lib/runtime/mod.ts";
import { ANSWER_HEADERS, TEN_WORKSPACES } from "./_harness/fixtures.ts";

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

const { MODE: mode = "memory", ADAPTER: adapter = "lib", BENCH_SECRET: secret, OBSERVE: observe } = process.env;
const port = Number(process.env.PORT ?? 0);
if (mode !== "bare" && mode !== "memory") throw new Error(`MODE must be bare or memory, not ${mode}`);
if (mode === "memory" && !secret) throw new Error("BENCH_SECRET is required in memory mode");
const onNode = !("Deno" in globalThis) && !("Bun" in globalThis);

// The bare body: what lobby answers in memory mode, frozen at start-up.
const bareBody = JSON.stringify(systemSuccess(TEN_WORKSPACES, "en", Date.now()));
const handler = mode === "bare"
  // Deno's and Bun's floor: a handler returning its `Response` synchronously.
  ? (() => new Response(bareBody, { status: 200, headers: ANSWER_HEADERS })) as unknown as FetchHandler
  : createWorkspacesHandler({
    repository: { listForUser: () => Promise.resolve(TEN_WORKSPACES) },
    auth: { keys: await secretKeys(secret!) },
    ...(observe === "metrics" || observe === "all" ? await observability(observe === "all") : {}),
  });

// What METRICS=1 (and LOG_FORMAT=json LOG_LEVEL=info) give the standalone server.
async function observability(logs: boolean) {
  const metrics = await prometheusMetrics();
  const options = { metrics: metrics.handler, endpoints: { "/metrics": metrics.endpoint } };
  return logs ? { ...options, log: createLogger({ format: "json", level: "info" }), logLevel: "info" as const } : options;
}

if (onNode) {
  // Exit on a signal, so that `node --cpu-prof` writes its profile.
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => process.exit(0));
}
if (!onNode || (mode === "memory" && adapter === "lib")) {
  const server = await listen(handler, { port, host: "127.0.0.1" });
  console.log(`listening ${server.port}`);
} else {
  const server = createServer(mode === "bare" ? bareListener : await nodeListener(adapter, handler));
  server.listen(port, "127.0.0.1");
  await once(server, "listening");
  console.log(`listening ${(server.address() as { port: number }).port}`);
}

function bareListener(_req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(200, ANSWER_HEADERS);
  res.end(bareBody);
}

async function nodeListener(name: string, fetch: FetchHandler): Promise<Listener> {
  switch (name) {
    case "generic":
      // A plain wrapper hides lobby's own answer path: the path any fetch handler takes.
      return toNodeListener((request) => fetch(request));
    case "baseline":
      return baselineListener(fetch);
    case "hono":
    case "hono-global": {
      // Optional, and imported by a computed name: only when @hono/node-server is installed.
      const hono = "@hono/node-server";
      const { getRequestListener } = await import(hono) as {
        getRequestListener(fetch: FetchHandler, options: { overrideGlobalObjects: boolean }): Listener;
      };
      return getRequestListener((request) => fetch(request), { overrideGlobalObjects: name === "hono-global" });
    }
    default:
      throw new Error(`unknown ADAPTER ${name}`);
  }
}

// The Node adapter lobby first shipped, kept to measure against: a Request
// with an abort signal and every raw header, the Response streamed back.
const BASELINE_HOST = /^[A-Za-z0-9.\-]{1,253}(:\d{1,5})?$|^\[[0-9A-Fa-f:.]{2,45}\](:\d{1,5})?$/;
function baselineListener(fetch: FetchHandler): Listener {
  return (req, res) => {
    const controller = new AbortController();
    res.once("close", () => res.writableFinished || controller.abort());
    const host = req.headers.host !== undefined && BASELINE_HOST.test(req.headers.host) ? req.headers.host : "localhost";
    const headers = new Headers();
    for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i]!, req.rawHeaders[i + 1]!);
    const streamed = req.method !== "GET" && req.method !== "HEAD";
    const init = { method: req.method, headers, signal: controller.signal, body: streamed ? Readable.toWeb(req) : null, duplex: "half" };
    fetch(new Request(`http://${host}${req.url ?? "/"}`, init as RequestInit)).then(async (response) => {
      res.statusCode = response.status;
      response.headers.forEach((value, name) => res.setHeader(name, value));
      for await (const chunk of (response.body ?? []) as unknown as AsyncIterable<Uint8Array>) {
        if (!res.write(chunk)) await once(res, "drain");
      }
      res.end();
    }).catch(() => res.destroy());
  };
}
