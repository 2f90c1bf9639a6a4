/**
 * Start-up: the time from spawning the standalone server to its first
 * successful answer (a 200 to a valid token), on Node with Postgres, and on
 * Node with embedded PGlite reopening an existing data directory.
 *
 * @module
 */
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { freePort, rssMb, stopProcess } from "./handler.ts";
import { signMany } from "./handler-tokens.ts";

/** The launches of one configuration, in milliseconds from spawn to first 200. */
export interface StartupResult {
  readonly name: string;
  readonly command: string;
  readonly launchesMs: readonly number[];
  readonly medianMs: number;
  /** RSS right after the first answer, in MB (median). */
  readonly rssMb?: number;
  /** A first launch not counted (it created the data directory). */
  readonly firstLaunchMs?: number;
  readonly skipped?: string;
}

const ROOT = new URL("../", new URL(import.meta.url.includes("/.bench/") ? "../bench/" : "./", import.meta.url)).pathname;

async function launch(env: Record<string, string>, token: string): Promise<{ ms: number; rss: number | undefined }> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn("node", [".bench/main.js"], {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: String(port), HOST: "127.0.0.1", NO_COLOR: "1" },
    stdio: ["ignore", "ignore", "ignore"],
  });
  try {
    const deadline = started + 60_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}`);
      if (performance.now() > deadline) throw new Error("no answer in 60 s");
      try {
        const response = await fetch(`http://127.0.0.1:${port}/api/v1/workspaces`, {
          headers: { authorization: `Bearer ${token}` },
        });
        await response.arrayBuffer();
        if (response.status === 200) return { ms: Math.round(performance.now() - started), rss: rssMb(child.pid) };
      } catch {
        // Not listening yet.
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  } finally {
    await stopProcess(child);
  }
}

function _median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/**
 * Measures start-up (see the module documentation); `node .bench/main.js`
 * must have been built.
 *
 * @param databaseUrl Postgres to start against, or undefined to skip that part.
 * @param launches How many launches to take the median of.
 */
export async function runStartupBench(databaseUrl: string | undefined, launches = 5): Promise<StartupResult[]> {
  const secret = Array.from(crypto.getRandomValues(new Uint8Array(32)), (b) => b.toString(16).padStart(2, "0")).join("");
  const [token, demoToken] = await Promise.all([
    signMany(new TextEncoder().encode(secret), 1, () => "100001").then((t) => t[0]!),
    signMany(new TextEncoder().encode(secret), 1, () => "demo-user").then((t) => t[0]!),
  ]);
  const results: StartupResult[] = [];
  const command = "node .bench/main.js (the esbuild bundle of mod.ts, as npm start runs dist/main.js)";
  if (databaseUrl !== undefined) {
    const runs: Array<{ ms: number; rss: number | undefined }> = [];
    for (let i = 0; i < launches; i++) runs.push(await launch({ DATABASE_URL: databaseUrl, JWT_SECRET: secret }, token));
    results.push({
      name: "Node, Postgres",
      command: `DATABASE_URL=… JWT_SECRET=… ${command}`,
      launchesMs: runs.map((r) => r.ms),
      medianMs: _median(runs.map((r) => r.ms)),
      rssMb: Math.round(_median(runs.map((r) => r.rss ?? 0)) * 10) / 10,
    });
  } else {
    results.push({ name: "Node, Postgres", command, launchesMs: [], medianMs: 0, skipped: "no seeded database" });
  }
  const dataDir = `${ROOT}.bench/pglite-startup`;
  rmSync(dataDir, { recursive: true, force: true });
  const env = { LOBBY_DATA_DIR: dataDir, JWT_SECRET: secret, DATABASE_URL: "" };
  const first = await launch(env, demoToken);
  const runs: Array<{ ms: number; rss: number | undefined }> = [];
  for (let i = 0; i < launches; i++) runs.push(await launch(env, demoToken));
  rmSync(dataDir, { recursive: true, force: true });
  results.push({
    name: "Node, embedded PGlite, restart",
    command: `LOBBY_DATA_DIR=.bench/pglite-startup JWT_SECRET=… ${command}`,
    launchesMs: runs.map((r) => r.ms),
    medianMs: _median(runs.map((r) => r.ms)),
    rssMb: Math.round(_median(runs.map((r) => r.rss ?? 0)) * 10) / 10,
    firstLaunchMs: first.ms,
  });
  return results;
}
