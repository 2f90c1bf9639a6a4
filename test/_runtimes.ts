/**
 * Starting the real standalone server on Node (an esbuild bundle), Deno and
 * Bun from a tap test, and stopping it: the one place the cross-runtime
 * smoke tests spawn servers.
 *
 * @module
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createServer } from "node:net";

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
