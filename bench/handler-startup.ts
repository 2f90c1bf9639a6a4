/**
 * Start-up: the time from spawning the standalone server to its first
 * successful answer (a 200 to a valid token), on Node with Postgres, and on
 * Node with embedded PGlite reopening an existing data directory.
 *
 * @module
 */
import { rmSync } from "node:fs";
import { envNumber, ROOT } from "./_harness/context.ts";
import { launchServer, poll, runCommand, type ServerEnv } from "./_harness/servers.ts";
import { median, round } from "./_harness/stats.ts";
import { hs256Signer, randomSecret, signMany } from "./_harness/tokens.ts";
import { rssMb } from "./_harness/usage.ts";

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

const COMMAND = "node .bench/main.js (the esbuild bundle of mod.ts, as npm start runs dist/main.js)";

/** Spawns the standalone server and polls every 5 ms until it answers `token` with a 200. */
async function launch(env: ServerEnv, token: string): Promise<{ ms: number; rss: number }> {
  const started = performance.now();
  const server = await launchServer(runCommand("node", "mod.ts"), env);
  try {
    const answered = await poll(async () => {
      if (server.child.exitCode !== null) return false;
      const response = await fetch(`${server.url}/api/v1/workspaces`, { headers: { authorization: `Bearer ${token}` } }).catch(() => undefined);
      await response?.arrayBuffer();
      return response?.status === 200 ? true : undefined;
    }, 5, 60_000);
    if (answered === true) return { ms: Math.round(performance.now() - started), rss: rssMb(server.child.pid) ?? 0 };
    throw new Error(`the standalone server ${answered === false ? `exited with ${server.child.exitCode}` : "did not answer 200 in 60 s"}:\n${server.output()}`);
  } finally {
    await server.stop();
  }
}

/** `count` launches with the same environment, summarized. */
async function launches(name: string, command: string, env: ServerEnv, token: string, count: number): Promise<StartupResult> {
  const runs: Array<{ ms: number; rss: number }> = [];
  for (let i = 0; i < count; i++) runs.push(await launch(env, token));
  const ms = runs.map((run) => run.ms);
  return { name, command, launchesMs: ms, medianMs: Math.round(median(ms)), rssMb: round(median(runs.map((run) => run.rss)), 1) };
}

/**
 * Measures start-up (see the module documentation); `.bench/main.js` must
 * have been built. `BENCH_LAUNCHES` (default 5) launches per configuration.
 *
 * @param databaseUrl Postgres to start against, or undefined to skip that part.
 */
export async function runStartupBench(databaseUrl: string | undefined): Promise<StartupResult[]> {
  const count = envNumber("BENCH_LAUNCHES", 5);
  const secret = randomSecret();
  const [token, demoToken] = await signMany(await hs256Signer(secret), 2, (i) => (i === 0 ? "100001" : "demo-user"));
  const results: StartupResult[] = [];
  if (databaseUrl !== undefined) {
    const env = { DATABASE_URL: databaseUrl, JWT_SECRET: secret };
    results.push(await launches("Node, Postgres", `DATABASE_URL=… JWT_SECRET=… ${COMMAND}`, env, token!, count));
  } else {
    results.push({ name: "Node, Postgres", command: COMMAND, launchesMs: [], medianMs: 0, skipped: "no seeded database" });
  }
  const dataDir = `${ROOT}.bench/pglite-startup`;
  rmSync(dataDir, { recursive: true, force: true });
  const env = { LOBBY_DATA_DIR: dataDir, JWT_SECRET: secret, DATABASE_URL: undefined };
  try {
    const first = await launch(env, demoToken!);
    const restarts = await launches("Node, embedded PGlite, restart", `LOBBY_DATA_DIR=.bench/pglite-startup JWT_SECRET=… ${COMMAND}`, env, demoToken!, count);
    results.push({ ...restarts, firstLaunchMs: first.ms });
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  return results;
}
