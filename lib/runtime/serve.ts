/**
 * Runtime glue: listen on Deno, Bun or Node.js, read the environment, stop
 * on SIGINT/SIGTERM. The only module that touches `Deno`, `Bun` or `process`.
 *
 * @module
 */
import { ConfigError, configFromEnvironment, type ServerConfig } from "../app/config.ts";
import type { FetchHandler, HandlerEvent } from "../handler/handler.ts";
import { createStandaloneApp, type StandaloneApp } from "../app/app.ts";

interface _DenoServer {
  readonly addr: { readonly hostname: string; readonly port: number };
  shutdown(): Promise<void>;
}
interface _Deno {
  serve(
    options: { port: number; hostname: string; onListen?: () => void },
    handler: FetchHandler,
  ): _DenoServer;
  env: { toObject(): Record<string, string> };
  addSignalListener(signal: "SIGINT" | "SIGTERM", listener: () => void): void;
  exit(code: number): never;
}
interface _BunServer {
  readonly port: number;
  stop(closeActiveConnections?: boolean): Promise<void>;
}
interface _Bun {
  serve(options: { port: number; hostname: string; development: boolean; fetch: FetchHandler }): _BunServer;
}
interface _Process {
  env: Record<string, string | undefined>;
  on(signal: "SIGINT" | "SIGTERM", listener: () => void): void;
  exit(code: number): never;
}

const _global = globalThis as { Deno?: _Deno; Bun?: _Bun; process?: _Process };

/** The runtime lobby is running on. */
export type Runtime = "deno" | "bun" | "node";

/**
 * Which runtime this is. Bun and Deno both provide `process`, so they are
 * asked first.
 *
 * @example
 * ```ts
 * import { currentRuntime } from "./serve.ts";
 * console.log(currentRuntime());
 * ```
 */
export function currentRuntime(): Runtime {
  if (_global.Bun !== undefined) return "bun";
  if (_global.Deno !== undefined) return "deno";
  return "node";
}

/**
 * The process environment on any runtime.
 *
 * @example
 * ```ts
 * import { runtimeEnvironment } from "./serve.ts";
 * runtimeEnvironment().PORT;
 * ```
 */
export function runtimeEnvironment(): Readonly<Record<string, string | undefined>> {
  return _global.Deno?.env.toObject() ?? _global.process?.env ?? {};
}

/** A listening server. */
export interface RunningServer {
  /** The port it listens on (useful with port 0). */
  readonly port: number;
  /** Stops accepting connections and resolves once in-flight requests are answered. */
  close(): Promise<void>;
}

/**
 * Serves a fetch handler with the current runtime's own server: `Deno.serve`,
 * `Bun.serve`, or `node:http` through {@link toNodeListener}.
 *
 * @example
 * ```ts
 * import { serve } from "./serve.ts";
 * const server = await serve(async () => new Response("ok"), { port: 0, host: "127.0.0.1" });
 * await server.close();
 * ```
 */
export async function serve(handler: FetchHandler, options: { port: number; host: string }): Promise<RunningServer> {
  const { Deno, Bun } = _global;
  if (Bun !== undefined) {
    const server = Bun.serve({ port: options.port, hostname: options.host, development: false, fetch: handler });
    return { port: server.port, close: () => server.stop(false) };
  }
  if (Deno !== undefined) {
    const server = Deno.serve({ port: options.port, hostname: options.host, onListen: () => {} }, handler);
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
 * Reads the configuration from the environment and builds the app, or
 * prints what is wrong with the configuration and exits with status 1.
 *
 * @example
 * ```ts
 * import { appFromEnvironment } from "./serve.ts";
 * const { app } = await appFromEnvironment();
 * ```
 */
export async function appFromEnvironment(): Promise<{ config: ServerConfig; app: StandaloneApp }> {
  let config: ServerConfig;
  try {
    config = configFromEnvironment(runtimeEnvironment());
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`lobby: ${error.message}`);
    return _exit(1);
  }
  if (config.databaseUrl === undefined && !config.dataDir.startsWith("memory://")) {
    // PGlite creates only the last directory of its path.
    const { mkdir } = await import("node:fs/promises");
    await mkdir(config.dataDir, { recursive: true });
  }
  let app: StandaloneApp;
  try {
    app = await createStandaloneApp(config, { now: () => Date.now(), log: _log });
  } catch (error) {
    // A key that parses but cannot be imported is found only here.
    if (!(error instanceof ConfigError)) throw error;
    console.error(`lobby: ${error.message}`);
    return _exit(1);
  }
  return { config, app };
}

/**
 * Starts the standalone server from the environment: what `npm start`,
 * `deno run -A mod.ts` run. Prints where it listens (and in demo mode a ready
 * `curl`), and on SIGINT or SIGTERM lets in-flight requests finish, closes
 * the database and exits.
 *
 * @example
 * ```ts
 * import { startStandalone } from "./serve.ts";
 * await startStandalone();
 * ```
 */
export async function startStandalone(): Promise<RunningServer> {
  const started = Date.now();
  const { config, app } = await appFromEnvironment();
  const server = await serve(app.handler, { port: config.port, host: config.host });
  printBanner(app, config.host, server.port, Date.now() - started);
  onShutdown(async () => {
    await server.close();
    await app.close();
  });
  return server;
}

/**
 * Prints where lobby listens, what it serves from, and in demo mode the
 * demo token with ready `curl` commands.
 *
 * @example
 * ```ts
 * import { appFromEnvironment, printBanner } from "./serve.ts";
 * const { app } = await appFromEnvironment();
 * printBanner(app, "127.0.0.1", 8080, 0);
 * ```
 */
export function printBanner(app: StandaloneApp, host: string, port: number, startMs: number): void {
  const base = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  const database = app.database === "embedded" ? "embedded PGlite" : "Postgres (DATABASE_URL)";
  console.log(`lobby (${currentRuntime()}) listening on ${base} with ${database}, ready in ${startMs} ms`);
  if (app.demo === undefined) return;
  const bar = "=".repeat(78);
  console.log(
    [
      bar,
      "DEMO MODE: no key is configured (JWT_SECRET, JWT_PUBLIC_KEY, JWT_JWKS or",
      "JWT_JWKS_URL), so lobby made a random secret that lives only in this process.",
      "Do not put this in front of real users. A token for the demo user",
      `"${app.demo.userId}" (valid until ${new Date(app.demo.expiresAt * 1000).toISOString()}):`,
      "",
      `  TOKEN=${app.demo.token}`,
      "",
      `  curl -H "Authorization: Bearer $TOKEN" ${base}/web/v1/system/workspaces/mine`,
      `  curl -H "Authorization: Bearer $TOKEN" -H "Accept-Language: ja" ${base}/api/v1/workspaces`,
      bar,
    ].join("\n"),
  );
}

/**
 * Runs `stop` once on the first SIGINT or SIGTERM, then exits (status 0, or
 * 1 if stopping failed). A second signal exits at once.
 *
 * @example
 * ```ts
 * import { onShutdown } from "./serve.ts";
 * onShutdown(async () => console.log("bye"));
 * ```
 */
export function onShutdown(stop: () => Promise<void>): void {
  let stopping = false;
  const listener = () => {
    if (stopping) _exit(130);
    stopping = true;
    stop().then(() => _exit(0), (error) => {
      console.error("lobby: error while stopping", error);
      _exit(1);
    });
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    if (_global.Deno !== undefined && _global.Bun === undefined) _global.Deno.addSignalListener(signal, listener);
    else _global.process?.on(signal, listener);
  }
}

function _exit(code: number): never {
  if (_global.Deno !== undefined && _global.Bun === undefined) return _global.Deno.exit(code);
  if (_global.process !== undefined) return _global.process.exit(code);
  throw new Error(`exit ${code}`);
}

function _log(event: HandlerEvent): void {
  if (event.event === "internal_error") console.error("lobby: internal error", event.error);
  else if (event.event === "repository_unavailable") {
    const cause = (event.error as { cause?: { code?: unknown } } | undefined)?.cause;
    console.error(`lobby: database unavailable (${String(cause?.code ?? "unknown")})`);
  } else if (event.event === "key_source_problem") {
    const detail = event.detail === undefined ? "" : ` ${event.detail}`;
    console.error(`lobby: key source problem: ${event.reason}${detail} (${event.source}); cached keys stay in use`);
  }
}
