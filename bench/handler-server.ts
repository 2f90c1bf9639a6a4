/**
 * A server under test for the handler benchmark (`bench/handler.ts`), on
 * whichever runtime runs it: `Deno.serve`, `Bun.serve` or `node:http`.
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
 *   a real `Request` and `Response`), `baseline` (the adapter as it was
 *   before this benchmark), `hono` (`@hono/node-server`'s
 *   `getRequestListener` with `overrideGlobalObjects: false`) and
 *   `hono-global` (the same, with its default of replacing the global
 *   `Request`/`Response`).
 * - `PORT` (default 0), `BENCH_SECRET`: the HMAC secret the tokens are
 *   signed with.
 *
 * Prints `listening <port>` once it accepts connections.
 *
 * @module
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { systemSuccess } from "../lib/envelope/envelope.ts";
import { createWorkspacesHandler, type FetchHandler } from "../lib/handler/handler.ts";
import { secretKeys } from "../lib/auth/keys.ts";
import { toNodeListener } from "../lib/runtime/node.ts";
import type { WorkspaceRepository } from "../lib/repository/repository.ts";
import { TEN_WORKSPACES } from "./handler-fixtures.ts";

/** The headers lobby sends with a 200, which the bare server sends too. */
const HEADERS: Readonly<Record<string, string>> = {
  "content-type": "application/json; charset=utf-8",
  "cache-control": "private, no-cache",
  "vary": "Authorization, Accept-Language",
  "content-language": "en",
};

const memoryRepository: WorkspaceRepository = { listForUser: () => Promise.resolve(TEN_WORKSPACES) };

interface _Env {
  readonly MODE?: string;
  readonly ADAPTER?: string;
  readonly PORT?: string;
  readonly BENCH_SECRET?: string;
}
interface _Deno {
  env: { toObject(): _Env };
  serve(options: { port: number; hostname: string; onListen(addr: { port: number }): void }, handler: FetchHandler): unknown;
}
interface _Bun {
  serve(options: { port: number; hostname: string; development: boolean; fetch: FetchHandler }): { port: number };
}
const _global = globalThis as { Deno?: _Deno; Bun?: _Bun; process?: { env: _Env } };

type _Listener = (req: IncomingMessage, res: ServerResponse) => void;

async function main(): Promise<void> {
  const env: _Env = _global.Bun !== undefined || _global.Deno === undefined
    ? (_global.process?.env ?? {})
    : _global.Deno.env.toObject();
  const mode = env.MODE ?? "memory";
  const port = Number(env.PORT ?? 0);
  if (mode !== "bare" && mode !== "memory") throw new Error(`MODE must be bare or memory, not ${mode}`);
  if (mode === "memory" && !env.BENCH_SECRET) throw new Error("BENCH_SECRET is required in memory mode");

  // The bare body: what lobby answers in memory mode, frozen at start-up.
  const bareBody = JSON.stringify(systemSuccess(TEN_WORKSPACES, "en", Date.now()));
  const handler: FetchHandler = mode === "bare"
    ? () => Promise.resolve(new Response(bareBody, { status: 200, headers: HEADERS }))
    : createWorkspacesHandler({ repository: memoryRepository, auth: { keys: await secretKeys(env.BENCH_SECRET!) } });

  if (_global.Bun !== undefined) {
    // Bun's floor is the handler returning a `Response` synchronously.
    const fetch = mode === "bare" ? () => new Response(bareBody, { status: 200, headers: HEADERS }) : handler;
    const server = _global.Bun.serve({ port, hostname: "127.0.0.1", development: false, fetch: fetch as FetchHandler });
    console.log(`listening ${server.port}`);
    return;
  }
  if (_global.Deno !== undefined) {
    const fetch = mode === "bare" ? () => new Response(bareBody, { status: 200, headers: HEADERS }) : handler;
    _global.Deno.serve({ port, hostname: "127.0.0.1", onListen: (addr) => console.log(`listening ${addr.port}`) }, fetch as FetchHandler);
    return;
  }

  let listener: _Listener;
  if (mode === "bare") {
    listener = (_req, res) => {
      res.writeHead(200, HEADERS);
      res.end(bareBody);
    };
  } else listener = await _nodeListener(env.ADAPTER ?? "lib", handler);
  // Exit on a signal, so that `node --cpu-prof` writes its profile.
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => process.exit(0));
  const server = createServer(listener);
  server.listen(port, "127.0.0.1", () => {
    const address = server.address();
    console.log(`listening ${typeof address === "object" && address !== null ? address.port : port}`);
  });
}

async function _nodeListener(adapter: string, handler: FetchHandler): Promise<_Listener> {
  switch (adapter) {
    case "lib":
      return toNodeListener(handler);
    case "generic":
      // A plain wrapper hides lobby's answer function: the path any fetch handler takes.
      return toNodeListener((request) => handler(request));
    case "baseline":
      return _baselineListener(handler);
    case "hono":
    case "hono-global": {
      // Optional: only when @hono/node-server is installed.
      const name = "@hono/node-server";
      const { getRequestListener } = await import(name) as {
        getRequestListener(fetch: FetchHandler, options: { overrideGlobalObjects: boolean }): _Listener;
      };
      return getRequestListener((request) => handler(request), { overrideGlobalObjects: adapter === "hono-global" });
    }
    default:
      throw new Error(`unknown ADAPTER ${adapter}`);
  }
}

// lib/node.ts as it was before the benchmark issue, kept to measure against.
const _BASELINE_HOST = /^[A-Za-z0-9.\-]{1,253}(:\d{1,5})?$|^\[[0-9A-Fa-f:.]{2,45}\](:\d{1,5})?$/;
function _baselineListener(handler: FetchHandler): _Listener {
  return (req, res) => {
    void (async () => {
      const controller = new AbortController();
      res.once("close", () => {
        if (!res.writableFinished) controller.abort();
      });
      const host = req.headers.host !== undefined && _BASELINE_HOST.test(req.headers.host) ? req.headers.host : "localhost";
      const headers = new Headers();
      const raw = req.rawHeaders;
      for (let i = 0; i < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!);
      const method = req.method ?? "GET";
      const hasBody = method !== "GET" && method !== "HEAD";
      const request = new Request(`http://${host}${req.url ?? "/"}`, {
        method,
        headers,
        signal: controller.signal,
        body: hasBody ? (Readable.toWeb(req) as ReadableStream<Uint8Array>) : null,
        // @ts-expect-error: Node's RequestInit needs `duplex` for a streamed body.
        duplex: "half",
      });
      const response = await handler(request);
      res.statusCode = response.status;
      for (const [name, value] of response.headers) res.setHeader(name, value);
      if (response.body === null) return void res.end();
      const reader = response.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (!res.write(value)) await new Promise((resolve) => res.once("drain", resolve));
      }
      res.end();
    })().catch(() => res.destroy());
  };
}

await main();
