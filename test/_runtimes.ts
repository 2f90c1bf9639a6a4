/**
 * Starting the real standalone server on Node (an esbuild bundle), Deno and
 * Bun from a tap test, and stopping it: the one place the cross-runtime
 * smoke tests spawn servers.
 *
 * @module
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import type { Test } from "tap";

/** The repository's root, with a trailing slash. */
export const ROOT: string = new URL("..", import.meta.url).pathname;
const BIN = `${ROOT}node_modules/.bin/`;

/** How to start the standalone server on one runtime. */
export interface Runtime {
  readonly name: string;
  /** The command line; `main` is the Node bundle to run. */
  readonly command: (port: number, main: string) => readonly string[];
}

/** Node (the bundle), `deno run`, `deno serve` and `bun run`. */
export const RUNTIMES: readonly Runtime[] = [
  { name: "node", command: (_, main) => ["node", main] },
  { name: "deno run", command: () => [`${BIN}deno`, "run", "-A", "mod.ts"] },
  { name: "deno serve", command: (port) => [`${BIN}deno`, "serve", "-A", "--host", "127.0.0.1", "--port", String(port), "mod.ts"] },
  { name: "bun", command: () => [`${BIN}bun`, "run", "mod.ts"] },
];

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address !== null ? address.port : 0));
    });
  });
}

/**
 * Bundles mod.ts for Node as the standalone entry point (what `npm run
 * build` makes as dist/main.js) into `outfile`, so that tests running at
 * the same time never read a bundle another one is writing.
 *
 * @returns The esbuild exit status and its error output.
 */
export function bundle(outfile: string): { status: number | null; stderr: string } {
  const result = spawnSync(
    `${BIN}esbuild`,
    [
      "mod.ts",
      "--bundle",
      "--platform=node",
      "--format=esm",
      "--target=node20",
      "--packages=external",
      "--log-level=warning",
      "--define:import.meta.main=true",
      `--outfile=${outfile}`,
    ],
    { cwd: ROOT, encoding: "utf8" },
  );
  return { status: result.status, stderr: result.stderr };
}

/** Starts a runtime and resolves once it says it listens; rejects if it exits first or takes 60 s. */
export function start(
  runtime: Runtime,
  port: number,
  env: Record<string, string>,
  main = "dist/main.js",
): Promise<{ child: ChildProcess; output: () => string }> {
  const [command, ...args] = runtime.command(port, main);
  const child = spawn(command!, args, {
    cwd: ROOT,
    env: { ...process.env, ...env, NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${runtime.name} did not start in 60 s:\n${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (/listening on http/.test(output)) {
        clearTimeout(timer);
        resolve({ child, output: () => output });
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${runtime.name} exited with ${code} before listening:\n${output}`));
    });
  });
}

/** SIGTERM, then SIGKILL after 10 s; resolves with the exit code. */
export function stop(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve(code);
    });
    child.kill("SIGTERM");
  });
}

// Processes spawned in a process group of their own.
const detached = new WeakSet<ChildProcess>();

/** A process started by {@link spawnProcess}: its output so far, and its end. */
export interface SpawnedProcess {
  readonly child: ChildProcess;
  /** Standard output and error so far, interleaved. */
  readonly output: () => string;
  /** Standard error so far. */
  readonly stderr: () => string;
  /** Resolves with the exit code (or the signal's name) and when it came, in `Date.now()` milliseconds. */
  readonly exited: Promise<{ code: number | null; signal: string | null; at: number }>;
  /** Resolves once the output matches `pattern`; rejects when the process exits first or `timeoutMs` passes. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
}

/**
 * Spawns a command in the repository with `env` added to this process's
 * environment. `detached` puts it in a process group of its own, as a
 * terminal's job is: `process.kill(-child.pid, signal)` then reaches every
 * process in it, as Ctrl-C does. The caller stops it; {@link killAll} is the
 * teardown that makes sure.
 */
export function spawnProcess(
  command: readonly string[],
  env: Record<string, string>,
  options: { detached?: boolean } = {},
): SpawnedProcess {
  const [file, ...args] = command;
  const child = spawn(file!, args, {
    cwd: ROOT,
    env: { ...process.env, ...env, NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
    detached: options.detached ?? false,
  });
  if (options.detached) detached.add(child);
  let output = "";
  let stderr = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => {
    output += chunk.toString();
    stderr += chunk.toString();
  });
  const exited = new Promise<{ code: number | null; signal: string | null; at: number }>((resolve) => {
    child.once("exit", (code, signal) => resolve({ code, signal, at: Date.now() }));
  });
  return {
    child,
    output: () => output,
    stderr: () => stderr,
    exited,
    waitFor(pattern, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => finish(new Error(`${command.join(" ")}: no ${pattern} in ${timeoutMs} ms:\n${output}`)), timeoutMs);
        const check = () => {
          if (pattern.test(output)) finish();
        };
        const onExit = () => finish(new Error(`${command.join(" ")} exited before printing ${pattern}:\n${output}`));
        function finish(error?: Error) {
          clearTimeout(timer);
          child.stdout!.off("data", check);
          child.stderr!.off("data", check);
          child.off("exit", onExit);
          if (error === undefined) resolve();
          else reject(error);
        }
        child.stdout!.on("data", check);
        child.stderr!.on("data", check);
        child.once("exit", onExit);
        check();
      });
    },
  };
}

/**
 * Kills what {@link spawnProcess} started and may still run: the whole
 * process group of a detached one, else the process. For a test's teardown.
 */
export async function killAll(processes: readonly SpawnedProcess[]): Promise<void> {
  for (const { child, exited } of processes) {
    if (child.pid === undefined) continue;
    const running = child.exitCode === null && child.signalCode === null;
    try {
      // The group may outlive its first process (a shell's child, reparented).
      if (detached.has(child)) process.kill(-child.pid, "SIGKILL");
      else if (running) child.kill("SIGKILL");
    } catch {
      // Already gone.
    }
    if (running) await exited;
  }
}

/** The command line of a runtime, from {@link RUNTIMES}, by name. */
export function runtimeNamed(name: string): Runtime {
  const runtime = RUNTIMES.find((candidate) => candidate.name === name);
  if (runtime === undefined) throw new Error(`no runtime ${name}`);
  return runtime;
}

/**
 * Bundles the Node entry point for one test file, into a directory of its
 * own under .lobby/ (git-ignored, and in the repository, where the bundle's
 * bare imports resolve), removed when `t` ends.
 *
 * @returns The bundle's path, for {@link Runtime.command}.
 */
export function testBundle(t: Test, name: string): string {
  mkdirSync(join(ROOT, ".lobby"), { recursive: true });
  const outDir = mkdtempSync(join(ROOT, ".lobby", `${name}-`));
  t.teardown(() => rmSync(outDir, { recursive: true, force: true }));
  const main = join(outDir, "main.js");
  const built = bundle(main);
  t.equal(built.status, 0, `esbuild: ${built.stderr}`);
  return main;
}

/**
 * Starts the standalone server on `runtime` on a free port of 127.0.0.1
 * (PORT and HOST, or deno serve's --port and --host), killed when `t` ends;
 * resolves once it says it listens.
 */
export async function serveFor(
  t: Test,
  runtime: Runtime,
  main: string,
  env: Record<string, string>,
): Promise<{ server: SpawnedProcess; port: number }> {
  const port = await freePort();
  const server = spawnProcess(runtime.command(port, main), { PORT: String(port), HOST: "127.0.0.1", ...env });
  t.teardown(() => killAll([server]));
  await server.waitFor(/listening on http/);
  return { server, port };
}
