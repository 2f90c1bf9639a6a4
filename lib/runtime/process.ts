/**
 * The process a standalone lobby runs in, on Deno, Bun or Node.js: which
 * runtime it is, its environment, its stop signals, its exit. The only
 * module besides the listeners that touches `Deno`, `Bun` or `process`.
 *
 * @module
 */

interface DenoProcess {
  env: { toObject(): Record<string, string> };
  args: readonly string[];
  addSignalListener(signal: "SIGINT" | "SIGTERM", listener: () => void): void;
  exit(code: number): never;
}
interface RejectionEvent {
  readonly reason: unknown;
  preventDefault(): void;
}
interface EventTarget {
  addEventListener(type: "unhandledrejection", listener: (event: RejectionEvent) => void): void;
}
interface NodeProcess {
  env: Record<string, string | undefined>;
  argv: readonly string[];
  on(signal: "SIGINT" | "SIGTERM", listener: () => void): void;
  exit(code: number): never;
}

const runtimeGlobals = globalThis as { Deno?: DenoProcess; Bun?: unknown; process?: NodeProcess } & Partial<EventTarget>;

/** The runtime lobby is running on. */
export type Runtime = "deno" | "bun" | "node";

/**
 * Which runtime this is. Bun and Deno both provide `process`, so they are
 * asked first.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { currentRuntime } from "./process.ts";
 * assert.ok(["deno", "bun", "node"].includes(currentRuntime()));
 * ```
 */
export function currentRuntime(): Runtime {
  if (runtimeGlobals.Bun !== undefined) return "bun";
  if (runtimeGlobals.Deno !== undefined) return "deno";
  return "node";
}

/**
 * The process environment on any runtime.
 *
 * @example
 * ```ts
 * import { processEnvironment } from "./process.ts";
 * const port = processEnvironment().PORT ?? "8080";
 * ```
 */
export function processEnvironment(): Readonly<Record<string, string | undefined>> {
  return runtimeGlobals.Deno?.env.toObject() ?? runtimeGlobals.process?.env ?? {};
}

/**
 * The command-line arguments after the program (and, on Node and Bun, after
 * the script).
 *
 * @example
 * ```ts
 * import { processArguments } from "./process.ts";
 * const [command = "serve"] = processArguments();
 * ```
 */
export function processArguments(): readonly string[] {
  const deno = currentRuntime() === "deno" ? runtimeGlobals.Deno : undefined;
  return deno?.args ?? runtimeGlobals.process?.argv.slice(2) ?? [];
}

/**
 * Calls `listener` with the signal's name on every SIGINT and SIGTERM.
 *
 * @example
 * ```ts
 * import { onStopSignal } from "./process.ts";
 * onStopSignal((signal) => console.log(`stopping on ${signal}`));
 * ```
 */
export function onStopSignal(listener: (signal: "SIGINT" | "SIGTERM") => void): void {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    if (currentRuntime() === "deno") runtimeGlobals.Deno!.addSignalListener(signal, () => listener(signal));
    else runtimeGlobals.process?.on(signal, () => listener(signal));
  }
}

/**
 * On Deno, calls `listener` with the reason of a promise rejection that
 * nothing handled, before Deno reports it with its stack and ends the
 * process; when `listener` returns `true`, the rejection counts as handled.
 * `deno serve` reports a port it cannot listen on this way, after lobby's
 * module has run. Does nothing on Node and Bun, where a listener would keep
 * every other unhandled rejection from ending the process.
 *
 * @param listener Decides, from the reason, whether it has dealt with it.
 *
 * @example
 * ```ts
 * import { onUnhandledRejection } from "./process.ts";
 * onUnhandledRejection((reason) => reason instanceof Deno.errors.AddrInUse);
 * ```
 */
export function onUnhandledRejection(listener: (reason: unknown) => boolean): void {
  if (currentRuntime() !== "deno") return;
  runtimeGlobals.addEventListener?.("unhandledrejection", (event) => {
    if (listener(event.reason)) event.preventDefault();
  });
}

/**
 * Ends the process with `code`. Only the standalone program calls this,
 * never the library.
 *
 * @example
 * ```ts
 * import { exitProcess } from "./process.ts";
 * const finish = (failed: boolean): never => exitProcess(failed ? 1 : 0);
 * ```
 */
export function exitProcess(code: number): never {
  if (currentRuntime() === "deno") return runtimeGlobals.Deno!.exit(code);
  if (runtimeGlobals.process !== undefined) return runtimeGlobals.process.exit(code);
  throw new Error(`exit ${code}`);
}
