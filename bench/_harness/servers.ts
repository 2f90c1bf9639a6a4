/**
 * Servers under test: the command that runs an entry file on Node, Deno or
 * Bun, the Node bundles, and a child process started, awaited and stopped.
 *
 * @module
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { createServer, type AddressInfo } from "node:net";
import { BIN, ROOT } from "./context.ts";

/** A runtime lobby runs on. */
export type Runtime = "node" | "deno" | "bun";

/** Every runtime, in the order the reports list them. */
export const RUNTIMES: readonly Runtime[] = ["node", "deno", "bun"];

/** The Node bundle of an entry file: `bench/x.ts` is `.bench/x.js`, `mod.ts` is `.bench/main.js`. */
export function bundlePath(entry: string): string {
  return entry === "mod.ts" ? ".bench/main.js" : entry.replace(/^bench\//, ".bench/").replace(/\.ts$/, ".js");
}

/**
 * The command that runs an entry file (relative to the repository root) on
 * a runtime: Node its bundle (Node 20 cannot run TypeScript), Deno and Bun
 * the file itself.
 */
export function runCommand(runtime: Runtime, entry: string, nodeFlags: readonly string[] = []): string[] {
  if (runtime === "node") return ["node", ...nodeFlags, bundlePath(entry)];
  if (runtime === "deno") return [`${BIN}deno`, "run", "-A", entry];
  return [`${BIN}bun`, "run", entry];
}

/** Bundles entry files for Node into `.bench/` (`mod.ts` as the standalone server, as `npm run build` does). */
export function buildBundles(entries: readonly string[]): void {
  for (const entry of entries) {
    const result = spawnSync(`${BIN}esbuild`, [
      entry, "--bundle", "--platform=node", "--format=esm", "--target=node20", "--packages=external", "--log-level=warning",
      ...(entry === "mod.ts" ? ["--define:import.meta.main=true"] : []), `--outfile=${bundlePath(entry)}`,
    ], { cwd: ROOT, encoding: "utf8" });
    if (result.status !== 0) throw new Error(`esbuild ${entry} failed:\n${result.stderr}`);
  }
}

/** Runs a command to its end and parses the JSON object it prints on its last line. */
export function runForJson<T>(command: readonly string[], env: Record<string, string> = {}): T {
  const [file, ...args] = command;
  const result = spawnSync(file!, args, { cwd: ROOT, env: { ...process.env, ...env }, encoding: "utf8", maxBuffer: 1 << 24 });
  const last = result.stdout?.trim().split("\n").pop() ?? "";
  if (result.status !== 0 || !last.startsWith("{")) throw new Error(`${command.join(" ")} failed:\n${result.stderr}`);
  return JSON.parse(last) as T;
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const probe = createServer().listen(0, "127.0.0.1");
  await once(probe, "listening");
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** A server process under test, on 127.0.0.1. */
export interface Server {
  readonly child: ChildProcess;
  readonly port: number;
  readonly url: string;
  /** Stops the process (see {@link stopProcess}). */
  stop(): Promise<void>;
}

/** A server's environment on top of this process's: `undefined` removes a variable. */
export type ServerEnv = Readonly<Record<string, string | undefined>>;

/**
 * Spawns a server on a free port (`PORT` and `HOST` set for it) and
 * returns at once. Its output is read and kept, or a chatty server would
 * block on a full pipe.
 */
export async function launchServer(command: readonly string[], env: ServerEnv): Promise<Server & { output(): string }> {
  const port = await freePort();
  const [file, ...args] = command;
  const merged = { ...process.env, NO_COLOR: "1", PORT: String(port), HOST: "127.0.0.1", ...env };
  const child = spawn(file!, args, {
    cwd: ROOT,
    env: Object.fromEntries(Object.entries(merged).filter(([, value]) => value !== undefined)),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const keep = (chunk: Buffer) => void (output = `${output}${chunk}`.slice(-20_000));
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  return { child, port, url: `http://127.0.0.1:${port}`, stop: () => stopProcess(child), output: () => output };
}

/** Spawns a server and resolves once it prints `listening`; rejects when it exits first or takes longer than `timeoutMs`. */
export async function startServer(command: readonly string[], env: ServerEnv, timeoutMs = 60_000): Promise<Server> {
  const server = await launchServer(command, env);
  const listening = await poll(() => (/listening/.test(server.output()) ? true : server.child.exitCode !== null ? false : undefined), 20, timeoutMs);
  if (listening === true) return server;
  await server.stop();
  throw new Error(`${command.join(" ")} ${listening === false ? `exited with ${server.child.exitCode}` : "did not start"}:\n${server.output()}`);
}

/** Calls `attempt` every `everyMs` until it gives a value other than undefined, or `timeoutMs` have passed (then undefined). */
export async function poll<T>(attempt: () => T | undefined | Promise<T | undefined>, everyMs: number, timeoutMs: number): Promise<T | undefined> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const result = await attempt();
    if (result !== undefined || performance.now() >= deadline) return result;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** Sends SIGTERM, then SIGKILL after 10 s; resolves when the process is gone. */
export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  const exited = once(child, "exit");
  child.kill("SIGTERM");
  await exited;
  clearTimeout(timer);
}
