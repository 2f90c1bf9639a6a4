/**
 * The standalone program: environment → configuration → listen → keys,
 * repository and handler → stop on a signal. What `npm start`, `deno run
 * -A mod.ts`, `deno serve -A mod.ts` and `bun run mod.ts` run. It ends the
 * process on a fatal error, so nothing here is part of the library's API.
 *
 * It listens before it opens the database, so a port in use is one line at
 * once rather than a failure after the embedded database has started;
 * requests that arrive meanwhile wait for it. Demo mode (no key configured)
 * listens on a loopback address only, unless `LOBBY_DEMO_PUBLIC=1`.
 *
 * On SIGINT or SIGTERM it stops accepting connections, answers the requests
 * in flight, closes idle connections, and after `SHUTDOWN_TIMEOUT` seconds
 * closes whatever is left; then it closes the database and exits. What each
 * runtime does exactly is in `../runtime/listen.ts`; under `deno serve`,
 * Deno stops its own server on those signals, and lobby waits for the
 * requests in flight.
 *
 * Exit status: 0 after a clean stop; 1 when the configuration is refused,
 * the server cannot listen, `SHUTDOWN_TIMEOUT` passed with requests still in
 * flight (their connections are closed), or the database did not close; 130
 * (SIGINT) or 143 (SIGTERM) when the same signal comes again, a second or
 * more after the first, to end the process without waiting.
 *
 * @module
 */
// Loaded when the app is built, so importing mod.ts loads no PGlite.
import type { StandaloneApp } from "./app.ts";
import { ConfigError, configFromEnvironment, type ServerConfig } from "./config.ts";
import type { PlainRequest, PlainResponse, WorkspacesHandler } from "../handler/mod.ts";
import {
  currentRuntime,
  exitProcess,
  isLoopback,
  listen,
  listenFailure,
  onStopSignal,
  onUnhandledRejection,
  processEnvironment,
  type RunningServer,
  withUsableHost,
} from "../runtime/mod.ts";

/** The database gets this long to close after the connections, whatever SHUTDOWN_TIMEOUT left of its time. */
const CLOSE_GRACE_MS = 1000;
/**
 * A second signal this soon after the first is the same request to stop:
 * a terminal's Ctrl-C reaches npm and lobby at once, and npm passes it on.
 */
const REPEAT_MS = 1000;

/**
 * Starts the standalone server configured from the environment: listens,
 * builds the app, prints where it listens (and in demo mode ready `curl`
 * commands), and stops on SIGINT or SIGTERM (see the module documentation).
 * A configuration it refuses, or an address it cannot listen on, is one
 * clear report and exit status 1.
 *
 * @returns Resolves once the server listens and its database is open.
 *
 * @example
 * ```ts
 * import { serveStandalone } from "./main.ts";
 * const start = (): Promise<void> => serveStandalone();
 * ```
 */
export async function serveStandalone(): Promise<void> {
  const started = Date.now();
  const config = configuration();
  const demoProblem = demoBeyondLoopback(config, config.host, `HOST ${config.host}`, "set HOST=127.0.0.1");
  if (demoProblem !== undefined) return fail(demoProblem);
  const gate = appGate();
  let server: RunningServer;
  try {
    server = await listen(gate.handler, {
      port: config.port,
      host: config.host,
      headersTimeoutMs: config.headersTimeoutSeconds * 1000,
      requestTimeoutMs: config.requestTimeoutSeconds * 1000,
      maxConnections: config.maxConnections,
    });
  } catch (error) {
    return fail(listenProblem(error, config));
  }
  const app = buildApp(config);
  stopOnSignal(config.shutdownTimeoutSeconds, async (timeoutMs) => {
    void app.then(logStopping);
    const drained = await server.close(timeoutMs);
    if (!drained) console.error(timeoutReport(config.shutdownTimeoutSeconds));
    await closeApp(await app, drained);
    return drained;
  });
  const ready = await app;
  gate.open(ready.handler);
  printBanner(ready, config.host, server.port, Date.now() - started);
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
// Requests the `deno serve` handler has not answered yet, and who waits for none to be left.
let inFlight = 0;
let onIdle: (() => void) | undefined;

function sharedApp(): Promise<StandaloneApp> {
  return standaloneApp ??= buildApp(configuration());
}

async function fetchStandalone(request: Request): Promise<Response> {
  inFlight++;
  try {
    return await (await sharedApp()).handler(withUsableHost(request));
  } finally {
    if (--inFlight === 0) onIdle?.();
  }
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
    const config = configuration();
    // deno serve listens where --host says, 0.0.0.0 unless told otherwise.
    const demoProblem = demoBeyondLoopback(config, address.hostname, `${address.hostname} (deno serve --host, 0.0.0.0 by default)`, "pass --host 127.0.0.1");
    if (demoProblem !== undefined) return fail(demoProblem);
    const env = processEnvironment();
    if (env.PORT !== undefined && Number(env.PORT) !== address.port) {
      console.warn(`lobby: PORT is ${env.PORT}, but deno serve listens on port ${address.port} as --port says (8000 by default)`);
    }
    if (env.HOST !== undefined && env.HOST !== address.hostname) {
      console.warn(`lobby: HOST is ${env.HOST}, but deno serve listens on ${address.hostname} as --host says (0.0.0.0 by default)`);
    }
    const app = sharedApp();
    stopOnSignal(config.shutdownTimeoutSeconds, async (timeoutMs) => {
      void app.then(logStopping);
      // Deno has stopped accepting and is answering what it has.
      const drained = await requestsAnswered(timeoutMs);
      if (!drained) console.error(timeoutReport(config.shutdownTimeoutSeconds));
      await closeApp(await app, drained);
      return drained;
    });
    void app.then((ready) => printBanner(ready, address.hostname, address.port, Date.now() - started));
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
  // The lobby command: serve by default, or token, migrate, check, openapi, --help.
  const start = () => void import("./cli.ts").then((cli) => cli.runCli()).catch(fatal);
  if (currentRuntime() !== "deno") {
    listensItself = true;
    start();
    return;
  }
  // deno serve reports an address it cannot listen on as an unhandled
  // rejection, before the turn below.
  onUnhandledRejection((reason) => {
    const failure = servedByDenoServe ? undefined : listenFailure(reason);
    if (failure === undefined) return false;
    fail(`lobby: deno serve cannot listen: ${LISTEN_FAILURES[failure]}: ` +
      (failure === "address_in_use" ? "stop the other server, or pass deno serve another --port" : "pass deno serve another --host"));
  });
  setTimeout(() => {
    if (!servedByDenoServe) start();
  }, 0);
}

const LISTEN_FAILURES = {
  address_in_use: "the address is already in use",
  address_not_available: "the address is not one of this machine's",
  permission_denied: "this process may not listen there",
  host_not_found: "the host name does not resolve",
} as const;

// A handler that serves once the app is open, and until then holds each
// request. Node's fast path (`answer`) goes straight to the app's handler
// once it is there.
function appGate(): { handler: WorkspacesHandler; open(handler: WorkspacesHandler): void } {
  let app: WorkspacesHandler | undefined;
  let open!: (handler: WorkspacesHandler) => void;
  const ready = new Promise<WorkspacesHandler>((resolve) => (open = resolve));
  const answer = (request: PlainRequest): Promise<PlainResponse> =>
    app !== undefined ? app.answer(request) : ready.then((handler) => handler.answer(request));
  const fetch = (request: Request): Promise<Response> =>
    app !== undefined ? app(request) : ready.then((handler) => handler(request));
  return {
    handler: Object.assign(fetch, { answer }),
    open(handler) {
      app = handler;
      open(handler);
    },
  };
}

// The configuration, or one report and exit status 1.
function configuration(): ServerConfig {
  try {
    return configFromEnvironment(processEnvironment());
  } catch (error) {
    if (error instanceof ConfigError) fail(`lobby: ${error.message}`);
    throw error;
  }
}

// The app, or one report and exit status 1: a key that cannot be imported,
// a data directory that cannot be used.
function buildApp(config: ServerConfig): Promise<StandaloneApp> {
  return import("./app.ts").then(({ createStandaloneApp }) => createStandaloneApp(config, { now: () => Date.now() })).catch((error) => {
    if (error instanceof ConfigError) return fail(`lobby: ${error.message}`);
    return fatal(error);
  });
}

// Demo mode hands out a random secret's tokens over demo data: it stays on
// this machine unless LOBBY_DEMO_PUBLIC=1 says otherwise.
function demoBeyondLoopback(config: ServerConfig, host: string, where: string, fix: string): string | undefined {
  if (!config.demo || isLoopback(host) || processEnvironment().LOBBY_DEMO_PUBLIC === "1") return undefined;
  return `lobby: demo mode (no JWT_SECRET, JWT_PUBLIC_KEY, JWT_JWKS or JWT_JWKS_URL) listens on this machine only, ` +
    `not on ${where}: ${fix}, configure a key, or set LOBBY_DEMO_PUBLIC=1 to serve the demo to other machines`;
}

function listenProblem(error: unknown, config: ServerConfig): string {
  const { host, port } = config;
  switch (listenFailure(error)) {
    case "address_in_use":
      return `lobby: PORT ${port} is already in use on ${host}: stop the other server, or set PORT to a free port`;
    case "address_not_available":
      return `lobby: HOST ${host} is not an address of this machine: set HOST to one of its addresses, ` +
        "such as 127.0.0.1 (this machine only) or 0.0.0.0 (every interface)";
    case "permission_denied":
      return `lobby: PORT ${port} on ${host} needs a privilege this process does not have: set PORT to 1024 or above`;
    case "host_not_found":
      return `lobby: HOST ${host} does not resolve to an address: set HOST to an IP address, such as 127.0.0.1`;
    default:
      return `lobby: cannot listen on HOST ${host}, PORT ${port}: ${describe(error)}`;
  }
}

// The log's shutdown events: stopping on the signal, stopped once the
// requests are answered (or the timeout passed), before the database closes.
function logStopping(app: StandaloneApp): void {
  app.log({ event: "server_stopping", level: "info", message: "lobby stopping: answering the requests in flight" });
}

function closeApp(app: StandaloneApp, drained: boolean): Promise<void> {
  app.log({ event: "server_stopped", level: drained ? "info" : "warn", message: "lobby stopped serving; closing the database", drained });
  return app.close();
}

function timeoutReport(seconds: number): string {
  return `lobby: SHUTDOWN_TIMEOUT (${seconds} s) passed with requests still in flight; their connections are closed`;
}

// Resolves true once the deno serve handler has answered every request, or
// false after timeoutMs.
function requestsAnswered(timeoutMs: number): Promise<boolean> {
  if (inFlight === 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    onIdle = () => {
      clearTimeout(timer);
      resolve(true);
    };
  });
}

/**
 * Runs `stop` on the first SIGINT or SIGTERM and exits with 0 when it
 * resolves `true`, else 1; a later signal exits at once (see the module
 * documentation). The process ends even if closing the database hangs.
 */
function stopOnSignal(timeoutSeconds: number, stop: (timeoutMs: number) => Promise<boolean>): void {
  let first: number | undefined;
  onStopSignal((signal) => {
    if (first !== undefined) {
      if (Date.now() - first < REPEAT_MS) return;
      console.error(`lobby: ${signal} again: exiting without waiting`);
      return exitProcess(signal === "SIGINT" ? 130 : 143);
    }
    first = Date.now();
    const timeoutMs = timeoutSeconds * 1000;
    setTimeout(() => {
      console.error(`lobby: the database did not close within ${CLOSE_GRACE_MS / 1000} s after SHUTDOWN_TIMEOUT; exiting`);
      exitProcess(1);
    }, timeoutMs + CLOSE_GRACE_MS);
    stop(timeoutMs).then((clean) => exitProcess(clean ? 0 : 1), (error) => {
      console.error(`lobby: error while stopping: ${describe(error)}`);
      exitProcess(1);
    });
  });
}

function fail(line: string): never {
  console.error(line);
  return exitProcess(1);
}

function fatal(error: unknown): never {
  return fail(`lobby: could not start: ${describe(error)}`);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Prints where lobby listens, what it serves from, and in demo mode the demo token with ready `curl` commands. */
function printBanner(app: StandaloneApp, host: string, port: number, startMs: number): void {
  const base = `http://${host.includes(":") && !host.startsWith("[") ? `[${host}]` : host}:${port}`;
  app.log({
    event: "server_ready",
    level: "info",
    message: `lobby (${currentRuntime()}) listening on ${base} with ${app.databaseLabel}, ready in ${startMs} ms`,
    url: base,
    startMs,
  });
  if (app.demo === undefined) return;
  app.log({ event: "demo_mode", level: "warn", message: "DEMO MODE: a random secret and demo data; not for real users", user: app.demo.userId });
  const bar = "=".repeat(78);
  // With JSON logs, standard output holds JSON lines only: the demo token and its commands go to standard error.
  (app.logFormat === "json" ? console.error : console.log)(
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
      "",
      "Tokens for the other demo users (the system API's example pair, the uptimer",
      "API's example pair, and a user with no workspaces):",
      "",
      ...app.demo.others.map(({ userId, token }) => `  ${userId}: ${token}`),
      bar,
    ].join("\n"),
  );
}
