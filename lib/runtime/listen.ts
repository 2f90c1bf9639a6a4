/**
 * Listening: a fetch handler on a port, with lobby's limits, and a stop
 * with a deadline.
 *
 * On Node.js and Bun the server is `node:http`, through
 * {@link toNodeListener}; on Deno it is `Deno.serve`. Bun's own `Bun.serve`
 * is not used: it hands the handler a URL it has already normalized
 * (`/api\v1\workspaces` arrives as `/api/v1/workspaces`, `/a/../b` as `/b`),
 * so paths could not be compared as sent, and it has no headers timeout and
 * no connection limit. Bun's `node:http` gives the request target as sent
 * and has both.
 *
 * What each runtime does with the options:
 *
 * | | Node.js, Bun (`node:http`) | Deno (`Deno.serve`) |
 * |---|---|---|
 * | `headersTimeoutMs` | 408 and close when the headers are not all in by then (checked every second) | no such limit: a client may take as long as it likes |
 * | `requestTimeoutMs` | 408 and close when the whole request is not in by then | no such limit |
 * | `keepAliveTimeoutMs` | an idle keep-alive connection is closed after it | no such limit: an idle connection stays open |
 * | `maxConnections` | connections beyond it are closed as soon as they are accepted | no such limit |
 * | `close(timeoutMs)` | stops accepting; closes idle connections and those still sending headers; answers requests in flight and any that arrive on a busy connection, with `Connection: close`; at the deadline closes what is left | `server.shutdown()`: stops accepting; closes idle connections and those still sending headers; answers requests in flight, without `Connection: close`, then closes their connections; at the deadline nothing can close them but the end of the process |
 *
 * @module
 */
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { FetchHandler, WorkspacesHandler } from "../handler/mod.ts";
import { currentRuntime } from "./process.ts";

interface DenoServer {
  readonly addr: { readonly hostname: string; readonly port: number };
  shutdown(): Promise<void>;
}
interface DenoServe {
  serve(options: { port: number; hostname: string; onListen?: () => void }, handler: FetchHandler): DenoServer;
}

const runtimeGlobals = globalThis as { Deno?: DenoServe };

// A Host header is attacker-chosen; one that would not make a valid URL
// must not make the request fail, nor move its path, so it is replaced.
const HOST = /^[A-Za-z0-9.\-]{1,253}(:\d{1,5})?$|^\[[0-9A-Fa-f:.]{2,45}\](:\d{1,5})?$/;
const FALLBACK_ORIGIN = "http://localhost";
// Normalized origins of the Host headers seen, bounded: hosts are attacker-chosen.
const origins = new Map<string, string>();
const ORIGINS_MAX = 64;

/** Where to listen, and the limits on what clients may do. */
export interface ListenOptions {
  /** TCP port; 0 picks a free one. */
  readonly port: number;
  /** Interface to listen on, such as `127.0.0.1`, `::1` or `0.0.0.0` (brackets around an IPv6 address are taken off). */
  readonly host: string;
  /** How long a client may take to send a request's headers, in milliseconds (default 10 000; Node and Bun only). */
  readonly headersTimeoutMs?: number;
  /** How long a whole request may take to arrive, in milliseconds (default 30 000; Node and Bun only). */
  readonly requestTimeoutMs?: number;
  /** How long a connection may stay idle between requests, in milliseconds (default 5 000; Node and Bun only). */
  readonly keepAliveTimeoutMs?: number;
  /** The most connections open at once; more are closed as they arrive (default: no limit; Node and Bun only). */
  readonly maxConnections?: number;
}

/** A listening server. */
export interface RunningServer {
  /** The port it listens on (useful with port 0). */
  readonly port: number;
  /**
   * Stops the server: no new connections, idle ones closed, requests in
   * flight answered (see the module documentation for each runtime).
   * Calling it again returns the same promise.
   *
   * @param timeoutMs How long the requests in flight may take (default: as long as they need).
   * @returns `true` once every connection has closed; `false` if `timeoutMs`
   *   passed first (Node and Bun have then closed the rest; on Deno they stay
   *   open until the process ends).
   */
  close(timeoutMs?: number): Promise<boolean>;
}

/** Why a server could not listen, from {@link listenFailure}. */
export type ListenFailure = "address_in_use" | "address_not_available" | "permission_denied" | "host_not_found";

/**
 * Serves a handler on the current runtime (see the module documentation).
 * A handler made by `createWorkspacesHandler` is served on Node and Bun
 * through its `answer` (see {@link toNodeListener}).
 *
 * @param handler The fetch handler.
 * @param options The port, the interface and the limits.
 * @returns The running server, once it listens.
 * @throws The runtime's error when it cannot listen; {@link listenFailure} says why.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { listen } from "./listen.ts";
 * const server = await listen(async () => new Response("ok"), { port: 0, host: "127.0.0.1", headersTimeoutMs: 5000 });
 * assert.equal(await (await fetch(`http://127.0.0.1:${server.port}/`)).text(), "ok");
 * assert.equal(await server.close(1000), true);
 * ```
 */
export function listen(handler: FetchHandler | WorkspacesHandler, options: ListenOptions): Promise<RunningServer> {
  const host = options.host.replace(/^\[(.*)\]$/, "$1");
  if (currentRuntime() === "deno") return listenDeno(handler, options.port, host);
  return listenNode(handler, { ...options, host });
}

/**
 * Why `listen` failed, from the error it threw, or `undefined` for any
 * other error. The codes are the same on Node, Deno and Bun.
 *
 * @param error What `listen` threw.
 * @returns The reason, or `undefined`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { listen, listenFailure } from "./listen.ts";
 * const first = await listen(async () => new Response("ok"), { port: 0, host: "127.0.0.1" });
 * const second = await listen(async () => new Response("ok"), { port: first.port, host: "127.0.0.1" }).catch((error) => error);
 * assert.equal(listenFailure(second), "address_in_use");
 * await first.close();
 * ```
 */
export function listenFailure(error: unknown): ListenFailure | undefined {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  switch (code) {
    case "EADDRINUSE":
      return "address_in_use";
    case "EADDRNOTAVAIL":
      // Bun's node:http reports a host name it cannot resolve this way.
      return "address_not_available";
    case "EACCES":
    case "EPERM":
      return "permission_denied";
    case "ENOTFOUND":
    case "EAI_AGAIN":
    case "EAI_NONAME":
      return "host_not_found";
  }
  // Deno's error for a host name it cannot resolve has no code.
  if (typeof message === "string" && message.startsWith("failed to lookup address")) return "host_not_found";
  return undefined;
}

/**
 * Whether an interface is on this machine only: `localhost`, `127.0.0.0/8`
 * or `::1`, with or without brackets.
 *
 * @param host A host name or IP address.
 * @returns `true` for a loopback address.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isLoopback } from "./listen.ts";
 * assert.equal(isLoopback("127.0.0.1"), true);
 * assert.equal(isLoopback("[::1]"), true);
 * assert.equal(isLoopback("0.0.0.0"), false);
 * ```
 */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, "$1").toLowerCase();
  if (bare === "localhost" || bare === "::1" || bare === "0:0:0:0:0:0:0:1") return true;
  const v4 = /^(?:::ffff:)?127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(bare);
  return v4 !== null && v4.slice(1).every((part) => Number(part) <= 255);
}

/**
 * The origin of a request's URL from its `Host` header: `http://` and the
 * host, normalized as `new URL` would (lower case, no default port), or
 * `http://localhost` when the header is missing or would not make a valid
 * URL (`evil host`, `a/b`, `a:99999`).
 *
 * @param host The `Host` header.
 * @returns An origin without a trailing slash.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { originOf } from "./listen.ts";
 * assert.equal(originOf("EXAMPLE.com:80"), "http://example.com");
 * assert.equal(originOf("a:99999"), "http://localhost");
 * assert.equal(originOf("x/api/v1"), "http://localhost");
 * ```
 */
export function originOf(host: string | null | undefined): string {
  if (host === undefined || host === null || !HOST.test(host)) return FALLBACK_ORIGIN;
  let origin = origins.get(host);
  if (origin !== undefined) return origin;
  try {
    origin = new URL(`http://${host}/`).href.slice(0, -1);
  } catch {
    // A port out of range.
    origin = FALLBACK_ORIGIN;
  }
  if (origins.size >= ORIGINS_MAX) origins.clear();
  origins.set(host, origin);
  return origin;
}

/**
 * A request from `Deno.serve` whose URL a handler can read a path from.
 * Deno builds `request.url` from the scheme, the `Host` header and the
 * target as sent, so a Host such as `x/api/v1` with the target `/workspaces`
 * would read as the path `/api/v1/workspaces`. When the Host is not a host
 * name (see {@link originOf}), the URL becomes `http://localhost` and the
 * target, as on Node; any other request is returned as it is.
 *
 * @param request The request as `Deno.serve` gives it.
 * @returns The same request, its `url` replaced when the Host was unusable.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { withUsableHost } from "./listen.ts";
 * // What Deno.serve makes of `GET /workspaces` with `Host: x/api/v1`:
 * const request = new Request("http://x/api/v1/workspaces", { headers: { host: "x/api/v1" } });
 * assert.equal(withUsableHost(request).url, "http://localhost/workspaces");
 * ```
 */
export function withUsableHost(request: Request): Request {
  const host = request.headers.get("host");
  if (host === null || originOf(host) !== FALLBACK_ORIGIN) return request;
  const url = request.url;
  const authority = url.startsWith("http://") ? 7 : url.startsWith("https://") ? 8 : -1;
  // An absolute-form target's own authority has no "/" in it.
  if (authority === -1 || !url.startsWith(host, authority)) return request;
  Object.defineProperty(request, "url", { value: FALLBACK_ORIGIN + url.slice(authority + host.length) });
  return request;
}

function listenDeno(handler: FetchHandler | WorkspacesHandler, port: number, hostname: string): Promise<RunningServer> {
  // Deno.serve throws at once when it cannot listen: the promise rejects with that.
  return new Promise((resolve) => {
    const server = runtimeGlobals.Deno!.serve({ port, hostname, onListen: () => {} }, (request) => handler(withUsableHost(request)));
    let closing: Promise<boolean> | undefined;
    resolve({
      port: server.addr.port,
      close: (timeoutMs = Infinity) => closing ??= withTimeout(server.shutdown().then(() => true), timeoutMs, false),
    });
  });
}

async function listenNode(handler: FetchHandler | WorkspacesHandler, options: ListenOptions): Promise<RunningServer> {
  const { createServer } = await import("node:http");
  const { toNodeListener } = await import("./node.ts");
  const requestTimeout = options.requestTimeoutMs ?? 30_000;
  // Node refuses a headers timeout above the request timeout: the headers are part of the request.
  const headersTimeout = Math.min(options.headersTimeoutMs ?? 10_000, requestTimeout);
  const server: Server = createServer({
    // Node checks both timeouts on this period, by default every 30 s.
    connectionsCheckingInterval: Math.min(1000, headersTimeout),
  });
  server.headersTimeout = headersTimeout;
  server.requestTimeout = requestTimeout;
  server.keepAliveTimeout = options.keepAliveTimeoutMs ?? 5000;
  if (options.maxConnections !== undefined) server.maxConnections = options.maxConnections;

  // Each connection and its latest response: a connection is busy while
  // that response is not finished (written and flushed), and a stop can
  // tell it from an idle one without a listener on every response (a
  // listener per response is a large share of the cost of a request on Bun).
  const sockets = new Map<Socket, ServerResponse | undefined>();
  let stopping = false;
  server.on("connection", (socket: Socket) => {
    sockets.set(socket, undefined);
    socket.once("close", () => sockets.delete(socket));
  });
  const listener = toNodeListener(handler);
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    // `Connection: close` on every answer once the stop has begun, and the
    // connection ends after it.
    if (stopping) res.shouldKeepAlive = false;
    if (sockets.has(req.socket)) sockets.set(req.socket, res);
    listener(req, res);
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  let closing: Promise<boolean> | undefined;
  return {
    port: typeof address === "object" && address !== null ? address.port : options.port,
    close: (timeoutMs = Infinity) =>
      closing ??= new Promise<boolean>((resolve) => {
        stopping = true;
        const busy = new Set<Socket>();
        for (const [socket, res] of sockets) {
          if (res === undefined || res.writableFinished) continue;
          busy.add(socket);
          if (!res.headersSent) res.shouldKeepAlive = false;
          // An answer already on its way said keep-alive: its connection
          // ends once it is done rather than at the keep-alive timeout.
          else res.once("close", () => socket.end());
        }
        let timer: ReturnType<typeof setTimeout> | undefined;
        server.close(() => {
          clearTimeout(timer);
          resolve(true);
        });
        // Idle connections, and those still sending a request's headers: no
        // request of theirs was accepted, so none is cut short. (Node's
        // closeIdleConnections keeps the latter, and once the server is
        // closed it no longer checks the headers timeout.)
        for (const socket of sockets.keys()) if (!busy.has(socket)) socket.destroy();
        if (Number.isFinite(timeoutMs)) {
          timer = setTimeout(() => {
            // Connections destroyed above may not have said so yet.
            const cut = [...sockets.keys()].some((socket) => !socket.destroyed);
            for (const socket of sockets.keys()) socket.destroy();
            server.closeAllConnections();
            if (cut) resolve(false);
          }, timeoutMs);
        }
      }),
  };
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number, fallback: T): Promise<T> {
  if (!Number.isFinite(timeoutMs)) return promise;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => resolve(fallback), timeoutMs);
    promise.then((value) => {
      clearTimeout(timer);
      resolve(value);
    }, (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}
