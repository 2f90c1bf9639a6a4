/**
 * Listening: a fetch handler on the current runtime's own server,
 * `Deno.serve`, `Bun.serve`, or `node:http` through {@link toNodeListener}.
 *
 * @module
 */
import type { FetchHandler, WorkspacesHandler } from "../handler/mod.ts";
import { currentRuntime } from "./process.ts";

interface DenoServer {
  readonly addr: { readonly hostname: string; readonly port: number };
  shutdown(): Promise<void>;
}
interface DenoServe {
  serve(options: { port: number; hostname: string; onListen?: () => void }, handler: FetchHandler): DenoServer;
}
interface BunServer {
  readonly port: number;
  stop(closeActiveConnections?: boolean): Promise<void>;
}
interface BunServe {
  serve(options: { port: number; hostname: string; development: boolean; fetch: FetchHandler }): BunServer;
}

const runtimeGlobals = globalThis as { Deno?: DenoServe; Bun?: BunServe };

// A Host header is attacker-chosen; one that would not make a valid URL
// must not make the request fail, nor move its path, so it is replaced.
const HOST = /^[A-Za-z0-9.\-]{1,253}(:\d{1,5})?$|^\[[0-9A-Fa-f:.]{2,45}\](:\d{1,5})?$/;
const FALLBACK_ORIGIN = "http://localhost";
// Normalized origins of the Host headers seen, bounded: hosts are attacker-chosen.
const origins = new Map<string, string>();
const ORIGINS_MAX = 64;

/** Where to listen. */
export interface ListenOptions {
  /** TCP port; 0 picks a free one. */
  readonly port: number;
  /** Interface to listen on, such as `127.0.0.1`. */
  readonly host: string;
}

/** A listening server. */
export interface RunningServer {
  /** The port it listens on (useful with port 0). */
  readonly port: number;
  /** Stops accepting connections and resolves once in-flight requests are answered. */
  close(): Promise<void>;
}

/**
 * Serves a handler with the current runtime's own server. A handler made by
 * `createWorkspacesHandler` is served on Node through its `answer` (see
 * {@link toNodeListener}).
 *
 * @param handler The fetch handler.
 * @param options The port and interface.
 * @returns The running server, once it listens.
 * @throws The runtime's error when it cannot listen (a port in use).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { listen } from "./listen.ts";
 * const server = await listen(async () => new Response("ok"), { port: 0, host: "127.0.0.1" });
 * assert.equal(await (await fetch(`http://127.0.0.1:${server.port}/`)).text(), "ok");
 * await server.close();
 * ```
 */
export async function listen(handler: FetchHandler | WorkspacesHandler, options: ListenOptions): Promise<RunningServer> {
  const runtime = currentRuntime();
  if (runtime === "bun") {
    const server = runtimeGlobals.Bun!.serve({ port: options.port, hostname: options.host, development: false, fetch: handler });
    return { port: server.port, close: () => server.stop(false) };
  }
  if (runtime === "deno") {
    const server = runtimeGlobals.Deno!.serve({ port: options.port, hostname: options.host, onListen: () => {} }, handler);
    return { port: server.addr.port, close: () => server.shutdown() };
  }
  const { createServer } = await import("node:http");
  const { toNodeListener } = await import("./node.ts");
  const server = createServer(toNodeListener(handler));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, resolve);
  });
  const address = server.address();
  return {
    port: typeof address === "object" && address !== null ? address.port : options.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
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
