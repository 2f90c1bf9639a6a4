/**
 * The standalone program: environment → configuration → keys → repository
 * → handler → listen → stop on a signal. What `npm start`, `deno run -A
 * mod.ts`, `deno serve -A mod.ts` and `bun run mod.ts` run. It ends the
 * process on a fatal error, so nothing here is part of the library's API.
 *
 * @module
 */
import { createStandaloneApp, type StandaloneApp } from "./app.ts";
import { ConfigError, configFromEnvironment, type ServerConfig } from "./config.ts";
import { currentRuntime, exitProcess, listen, onStopSignal, processEnvironment } from "../runtime/mod.ts";

/**
 * Reads the configuration from the process environment and builds the
 * app. A bad configuration prints one clear report and ends the process
 * with status 1.
 *
 * @example
 * ```ts
 * import { appFromEnvironment } from "./main.ts";
 * Deno.env.set("LOBBY_DATA_DIR", "memory://");
 * const { app } = await appFromEnvironment();
 * await app.close();
 * ```
 */
export async function appFromEnvironment(): Promise<{ config: ServerConfig; app: StandaloneApp }> {
  try {
    const config = configFromEnvironment(processEnvironment());
    if (config.databaseUrl === undefined && !config.dataDir.startsWith("memory://")) {
      // PGlite creates only the last directory of its path.
      const { mkdir } = await import("node:fs/promises");
      await mkdir(config.dataDir, { recursive: true });
    }
    return { config, app: await createStandaloneApp(config, { now: () => Date.now() }) };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`lobby: ${error.message}`);
    return exitProcess(1);
  }
}

/**
 * Starts the standalone server on the configured port: prints where it
 * listens (and in demo mode ready `curl` commands), and on SIGINT or
 * SIGTERM stops accepting, lets in-flight requests finish, closes the
 * database and exits.
 *
 * @example
 * ```ts
 * import { serveStandalone } from "./main.ts";
 * const start = (): Promise<void> => serveStandalone();
 * ```
 */
export async function serveStandalone(): Promise<void> {
  const started = Date.now();
  const { config, app } = await appFromEnvironment();
  const server = await listen(app.handler, { port: config.port, host: config.host });
  printBanner(app, config.host, server.port, Date.now() - started);
  stopOnSignal(async () => {
    await server.close();
    await app.close();
  });
}

/**
 * The default export of `mod.ts`, for `deno serve -A mod.ts` and `bun run
 * mod.ts`: a `fetch` configured from the environment on first use. When
 * `mod.ts` runs as the program and starts its own server (Node, Bun, `deno
 * run`), `fetch` is `undefined`, so that Bun does not serve it a second time.
 */
export interface StandaloneEntry {
  /** The standalone handler, or `undefined` once this process listens by itself. */
  readonly fetch: ((request: Request) => Promise<Response>) | undefined;
  /** Called by `deno serve` once it listens. */
  onListen(address: { hostname: string; port: number }): void;
}

let standaloneApp: Promise<StandaloneApp> | undefined;
let listensItself = false;
let servedByDenoServe = false;

function sharedApp(): Promise<StandaloneApp> {
  return standaloneApp ??= appFromEnvironment().then(({ app }) => app);
}

async function fetchStandalone(request: Request): Promise<Response> {
  return (await sharedApp()).handler(request);
}

/**
 * The default export of `mod.ts` (see {@link StandaloneEntry}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { standaloneEntry } from "./main.ts";
 * assert.equal(typeof standaloneEntry.fetch, "function");
 * ```
 */
export const standaloneEntry: StandaloneEntry = {
  get fetch() {
    return listensItself ? undefined : fetchStandalone;
  },
  onListen(address) {
    servedByDenoServe = true;
    const started = Date.now();
    void sharedApp().then((app) => {
      printBanner(app, address.hostname, address.port, Date.now() - started);
      stopOnSignal(() => app.close());
    });
  },
};

/**
 * Runs the program when `mod.ts` is the main module. On Deno, `deno run`
 * and `deno serve` both run `mod.ts` as the main module; only `deno serve`
 * calls `onListen`, right after the module has run, so the decision waits
 * one turn of the event loop.
 *
 * @example
 * ```ts
 * import { runAsProgram } from "./main.ts";
 * if (import.meta.main) runAsProgram();
 * ```
 */
export function runAsProgram(): void {
  const start = () => void serveStandalone().catch(fatal);
  if (currentRuntime() !== "deno") {
    listensItself = true;
    start();
  } else {
    setTimeout(() => {
      if (!servedByDenoServe) start();
    }, 0);
  }
}

function fatal(error: unknown): never {
  console.error("lobby: could not start:", error instanceof Error ? error.message : String(error));
  return exitProcess(1);
}

/** Runs `stop` on the first SIGINT or SIGTERM, then exits; a second signal exits at once. */
function stopOnSignal(stop: () => Promise<void>): void {
  let stopping = false;
  onStopSignal(() => {
    if (stopping) exitProcess(130);
    stopping = true;
    stop().then(() => exitProcess(0), (error) => {
      console.error("lobby: error while stopping", error);
      exitProcess(1);
    });
  });
}

/** Prints where lobby listens, what it serves from, and in demo mode the demo token with ready `curl` commands. */
function printBanner(app: StandaloneApp, host: string, port: number, startMs: number): void {
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
