/**
 * lobby against the plain implementation (`bench/peer-server.ts`: Hono,
 * `hono/jwt`, postgres.js, the join) over real HTTP on the seeded
 * database, and what listing versions buy. The parts measure the uptimer
 * dialect's endpoint, `GET /api/v1/workspaces`, the one the targets name;
 * the side-by-side and 5,000-membership parts measure the system dialect's
 * too, whose items are about three times as large and whose enum labels
 * depend on the language:
 *
 * - **side by side**: the standalone server and the peer, typical users
 *   (1,000 rotating tokens), 50 connections, alternated round by round,
 *   on Node and Bun, each dialect;
 * - **304**: the same load with each token's current `ETag` in
 *   `If-None-Match`, alternated with (b), lobby over an in-process
 *   repository (`bench/handler-server.ts`, `MODE=memory`), on Node;
 * - **5,000 memberships**: one connection; the first read (the cache off,
 *   `LISTING_CACHE_ENTRIES=0`, so every request reads the listing), a
 *   repeated read of the unchanged listing (the cache on), and the peer;
 * - **changing**: side by side again on Node while, every second, a
 *   listing of 10 % of the token users changes (one of each one's
 *   workspaces touched), and a checker renames a workspace of a random
 *   token user and asks at once, counting any answer without the rename;
 * - **steady**: one long-lived server of each under the side-by-side load
 *   for 60 s in 10 s windows, on Node: throughput and memory of the first
 *   window against the last; up to three runs of each, alternated, since
 *   one window of a shared machine's noise decides a single run.
 *
 * The workspaces the changing part writes are put back as they were at
 * the end. lobby runs with `LOG_LEVEL=warn` (no access log line per
 * request; the peer writes none either).
 *
 * Run alone: `npm run bench:peer` writes `bench/results/<date>-peer.json`
 * and prints its report section; `npm run bench` runs it as the part
 * `peer` and puts the section into `REPORT.md`.
 *
 * @module
 */
import postgres from "postgres";
import { envNumber, isMain, log, resultDate, writeOutput } from "./_harness/context.ts";
import { BENCH_USERS, checkSeeded, databaseUrl } from "./_harness/dataset.ts";
import { REQUEST } from "./_harness/fixtures.ts";
import {
  alternate,
  benchTokens,
  type BenchTokens,
  describeRun,
  load,
  loadCommand,
  type LoadGenerator,
  type LoadOptions,
  loadGenerator,
  type LoadRun,
  type Series,
  series,
  tokenFile,
} from "./_harness/load.ts";
import { loadAverage, toolVersion } from "./_harness/machine.ts";
import { fmt, kilo, range, table } from "./_harness/markdown.ts";
import { buildBundles, launchServer, poll, type Runtime, runCommand, type Server, startServer } from "./_harness/servers.ts";
import { ratios, summary, type Summary } from "./_harness/stats.ts";

/** A dialect's listing endpoint, as measured. */
export type Dialect = "uptimer" | "system";

/** The path each dialect's listing is asked at. */
export const DIALECT_PATHS: Readonly<Record<Dialect, string>> = { uptimer: "/api/v1/workspaces", system: REQUEST.path };

/** The dialects measured, the one the targets name first. */
const DIALECTS: readonly Dialect[] = ["uptimer", "system"];

/** One runtime's side-by-side runs of one dialect. */
export interface SideBySide {
  readonly runtime: Runtime;
  readonly dialect: Dialect;
  readonly version: string;
  readonly lobby: Series;
  readonly peer: Series;
}

/** The 5,000-membership runs of one dialect. */
export interface LargeListing {
  readonly dialect: Dialect;
  /** The size of lobby's answer, in bytes. */
  readonly bytes: number;
  readonly first: Series;
  readonly repeated: Series;
  readonly peer: Series;
}

/** The windows of one long-lived server. */
export interface SteadyRun {
  readonly windows: readonly LoadRun[];
}

/** Everything {@link runPeerBench} measured. */
export interface PeerBenchResult {
  readonly date: string;
  readonly generator: LoadGenerator;
  readonly connections: number;
  readonly seconds: number;
  readonly rounds: number;
  readonly loadAverage: { readonly start: readonly number[]; readonly end: readonly number[] };
  readonly sideBySide: readonly SideBySide[];
  readonly notModified?: { readonly memory: Series; readonly conditional: Series };
  readonly large?: readonly LargeListing[];
  readonly changing?: {
    readonly lobby: Series;
    readonly peer: Series;
    /** Users whose listing changed per second. */
    readonly usersPerSecond: number;
    /** Freshness checks: a rename committed, then a request; `stale` answers lacked it. */
    readonly checks: { readonly lobby: number; readonly peer: number };
    readonly stale: { readonly lobby: number; readonly peer: number };
    /** Writes Postgres ended as a deadlock, retried (none expected: see `changingRuns`). */
    readonly deadlocks?: number;
  };
  /** Each server's long runs, alternated. */
  readonly steady?: { readonly windowSeconds: number; readonly lobby: readonly SteadyRun[]; readonly peer: readonly SteadyRun[] };
  readonly skipped?: readonly string[];
  readonly commands: Readonly<Record<string, string>>;
}

/** Options of {@link runPeerBench}. */
export interface PeerBenchOptions {
  readonly databaseUrl: string;
  readonly seconds?: number;
  readonly rounds?: number;
  readonly connections?: number;
  /** Runtimes of the side-by-side part (default node and bun; the other parts run on Node). */
  readonly runtimes?: readonly Runtime[];
  /** Length of the steady part, in seconds (default 60, in windows of a sixth). */
  readonly steadySeconds?: number;
  readonly log?: (line: string) => void;
}

/** What lobby's standalone server gets besides the database and the secret. */
const LOBBY_ENV = { LOG_LEVEL: "warn" } as const;

/**
 * Runs every part (see the module documentation) and returns the results.
 *
 * @example
 * ```ts
 * import { runPeerBench } from "./peer.ts";
 * const result = await runPeerBench({ databaseUrl: "postgres://postgres@127.0.0.1:5432/lobby_bench", seconds: 2, rounds: 1 });
 * ```
 */
export async function runPeerBench(options: PeerBenchOptions): Promise<PeerBenchResult> {
  const { databaseUrl: url, seconds = 5, rounds = 3, connections = 50, steadySeconds = 60, log: say = () => {} } = options;
  const started = new Date();
  const loadAtStart = loadAverage();
  const generator = loadGenerator();
  const commands = {
    "lobby": `DATABASE_URL=… JWT_SECRET=… LOG_LEVEL=warn node .bench/main.js | bun run mod.ts`,
    "peer": "DATABASE_URL=… JWT_SECRET=… node .bench/peer-server.js | bun run bench/peer-server.ts",
    "(b) memory": "MODE=memory BENCH_SECRET=… node .bench/handler-server.js",
    "first read": "the lobby command with LISTING_CACHE_ENTRIES=0",
    "load": loadCommand(generator, connections, seconds, "<path>"),
    "paths": `uptimer ${DIALECT_PATHS.uptimer}, system ${DIALECT_PATHS.system}`,
  };
  const empty = { date: resultDate(started), generator, connections, seconds, rounds, commands, sideBySide: [] };
  const database = await checkSeeded(url);
  if (!database.seeded) {
    return { ...empty, loadAverage: { start: loadAtStart, end: loadAverage() }, skipped: [database.reason ?? "not seeded"] };
  }
  buildBundles(["bench/peer-server.ts", "bench/handler-server.ts", "mod.ts"]);
  const tokens = await benchTokens();
  const env = { DATABASE_URL: url, JWT_SECRET: tokens.secret };
  const rotating = { tokens: tokens.rotating, connections, seconds };
  const uptimer = DIALECT_PATHS.uptimer;
  const measure = async (server: Server, label: string, extra: Partial<LoadOptions> = {}) => {
    const run = await load(generator, { ...rotating, path: uptimer, ...extra, url: server.url, pid: server.child.pid });
    say(describeRun(label, run));
    return run;
  };
  const warm = (server: Server, extra: Partial<LoadOptions> = {}) =>
    load(generator, { ...rotating, path: uptimer, ...extra, seconds: Math.min(2, seconds), url: server.url });
  // Started, then ready once it answers 200 (with LOG_LEVEL=warn lobby prints no "listening" line).
  const start = async (runtime: Runtime, entry: "mod.ts" | "bench/peer-server.ts", extra: Record<string, string> = {}) => {
    const server = await launchServer(runCommand(runtime, entry), { ...env, ...(entry === "mod.ts" ? LOBBY_ENV : {}), ...extra });
    try {
      await answering(server, tokens);
    } catch (error) {
      await server.stop();
      throw new Error(`${String(error)}\n${server.output()}`);
    }
    return server;
  };

  const sideBySide: SideBySide[] = [];
  for (const runtime of options.runtimes ?? (["node", "bun"] as const)) {
    say(`side by side, ${runtime}`);
    const lobby = await start(runtime, "mod.ts");
    const peer = await start(runtime, "bench/peer-server.ts");
    try {
      const parts: Record<string, (round: number) => Promise<LoadRun>> = {};
      for (const dialect of DIALECTS) {
        const path = DIALECT_PATHS[dialect];
        await warm(lobby, { path });
        await warm(peer, { path });
        parts[`lobby ${dialect}`] = (r) => measure(lobby, `lobby, ${dialect}, round ${r}`, { path });
        parts[`peer ${dialect}`] = (r) => measure(peer, `peer, ${dialect}, round ${r}`, { path });
      }
      const runs = await alternate(rounds, parts);
      for (const dialect of DIALECTS) {
        sideBySide.push({ runtime, dialect, version: toolVersion(runtime), lobby: series(runs[`lobby ${dialect}`]!), peer: series(runs[`peer ${dialect}`]!) });
      }
    } finally {
      await peer.stop();
      await lobby.stop();
    }
  }

  // 304: each token with its current tag, against (b).
  say("304 against (b), node");
  let notModified: PeerBenchResult["notModified"];
  {
    const lobby = await start("node", "mod.ts");
    const memory = await startServer(runCommand("node", "bench/handler-server.ts"), { MODE: "memory", BENCH_SECRET: tokens.secret });
    try {
      const tagged: string[] = [];
      for (const token of tokens.rotating.tokens) {
        const response = await fetch(`${lobby.url}${uptimer}`, { headers: { authorization: `Bearer ${token}`, "accept-language": REQUEST.acceptLanguage } });
        await response.arrayBuffer();
        tagged.push(`${token}\t${response.headers.get("etag") ?? ""}`);
      }
      const conditional = tokenFile("tokens-tagged.txt", tagged);
      await warm(lobby, { tokens: conditional });
      await warm(memory);
      const runs = await alternate(rounds, {
        memory: (r) => measure(memory, `(b) memory, round ${r}`),
        conditional: (r) => measure(lobby, `304, round ${r}`, { tokens: conditional }),
      });
      notModified = { memory: series(runs.memory!), conditional: series(runs.conditional!) };
      const answered = await fetch(`${lobby.url}${uptimer}`, {
        headers: { authorization: `Bearer ${tokens.rotating.tokens[0]}`, "if-none-match": tagged[0]!.split("\t")[1]! },
      });
      if (answered.status !== 304) say(`  warning: a tagged request got ${answered.status}, not 304`);
    } finally {
      await memory.stop();
      await lobby.stop();
    }
  }

  say("5,000 memberships, node");
  const large: LargeListing[] = [];
  {
    const first = await start("node", "mod.ts", { LISTING_CACHE_ENTRIES: "0" });
    const repeated = await start("node", "mod.ts");
    const peer = await start("node", "bench/peer-server.ts");
    try {
      const parts: Record<string, (round: number) => Promise<LoadRun>> = {};
      const bytes: Partial<Record<Dialect, number>> = {};
      for (const dialect of DIALECTS) {
        const one = { tokens: tokens.large, connections: 1, path: DIALECT_PATHS[dialect] };
        const answer = await fetch(`${repeated.url}${one.path}`, { headers: { authorization: `Bearer ${tokens.large.tokens[0]}`, "accept-language": REQUEST.acceptLanguage } });
        bytes[dialect] = (await answer.arrayBuffer()).byteLength;
        for (const server of [first, repeated, peer]) await warm(server, one);
        parts[`first ${dialect}`] = (r) => measure(first, `first read (cache off), ${dialect}, round ${r}`, one);
        parts[`repeated ${dialect}`] = (r) => measure(repeated, `repeated read, ${dialect}, round ${r}`, one);
        parts[`peer ${dialect}`] = (r) => measure(peer, `peer, ${dialect}, round ${r}`, one);
      }
      const runs = await alternate(rounds, parts);
      for (const dialect of DIALECTS) {
        large.push({ dialect, bytes: bytes[dialect]!, first: series(runs[`first ${dialect}`]!), repeated: series(runs[`repeated ${dialect}`]!), peer: series(runs[`peer ${dialect}`]!) });
      }
    } finally {
      for (const server of [peer, repeated, first]) await server.stop();
    }
  }

  say("changing listings, node");
  const changing = await changingRuns(url, tokens, rounds, seconds, async (writes) => {
    const lobby = await start("node", "mod.ts");
    const peer = await start("node", "bench/peer-server.ts");
    try {
      await warm(lobby);
      await warm(peer);
      const runs = await alternate(rounds, {
        lobby: (r) => writes(lobby, "lobby", () => measure(lobby, `lobby, changing, round ${r}`)),
        peer: (r) => writes(peer, "peer", () => measure(peer, `peer, changing, round ${r}`)),
      });
      return { lobby: series(runs.lobby!), peer: series(runs.peer!) };
    } finally {
      await peer.stop();
      await lobby.stop();
    }
  });

  say(`steady, ${steadySeconds} s, node`);
  const windowSeconds = Math.max(1, Math.round(steadySeconds / 6));
  const steadyRun = async (entry: "mod.ts" | "bench/peer-server.ts", label: string): Promise<SteadyRun> => {
    const server = await start("node", entry);
    try {
      // Warmed first, so that the first window is at speed and the last measures what time did to it.
      await warm(server);
      const windows: LoadRun[] = [];
      for (let w = 0; w < 6; w++) windows.push(await measure(server, `${label}, window ${w + 1}`, { seconds: windowSeconds }));
      return { windows };
    } finally {
      await server.stop();
    }
  };
  const steady = { windowSeconds, lobby: [] as SteadyRun[], peer: [] as SteadyRun[] };
  for (let run = 1; run <= Math.min(rounds, 3); run++) {
    steady.lobby.push(await steadyRun("mod.ts", `lobby, run ${run}`));
    steady.peer.push(await steadyRun("bench/peer-server.ts", `peer, run ${run}`));
  }

  return {
    ...empty,
    loadAverage: { start: loadAtStart, end: loadAverage() },
    sideBySide,
    ...(notModified ? { notModified } : {}),
    large,
    changing,
    steady,
  };
}

/** Waits for a 200 to a seeded user's token (the first request applies the schema). */
async function answering(server: Server, tokens: BenchTokens): Promise<void> {
  let last = "";
  const ok = await poll(async () => {
    try {
      const response = await fetch(`${server.url}${REQUEST.path}`, { headers: { authorization: `Bearer ${tokens.rotating.tokens[0]}` }, signal: AbortSignal.timeout(60_000) });
      last = `${response.status} ${(await response.text()).slice(0, 120)}`;
      return response.status === 200 ? true : undefined;
    } catch (error) {
      last = String(error);
      return undefined;
    }
  }, 500, 180_000);
  if (ok === undefined) throw new Error(`${server.url} never answered 200 (last: ${last})`);
}

/**
 * Runs `measure` with writers going: every second the next tenth of the
 * token users each get one workspace touched (`updated_at`), and every
 * 100 ms a checker renames a workspace of a random token user and asks the
 * server at once. Puts every workspace it wrote back as it was.
 */
async function changingRuns(
  url: string,
  tokens: BenchTokens,
  rounds: number,
  seconds: number,
  body: (writes: (server: Server, who: "lobby" | "peer", run: () => Promise<LoadRun>) => Promise<LoadRun>) => Promise<{ lobby: Series; peer: Series }>,
): Promise<NonNullable<PeerBenchResult["changing"]>> {
  const sql = postgres(url, { max: 2, onnotice: () => {} });
  const users = tokens.users;
  const perSecond = Math.max(1, Math.round(users.length / 10));
  // One workspace per token user, listed, and how it was.
  const owned = await sql<{ user_id: string; id: string; name: string; updated_at: Date }[]>`
    SELECT DISTINCT ON (m.user_id) m.user_id, w.id::text AS id, w.name, w.updated_at
    FROM workspace_members AS m JOIN workspaces AS w ON w.id = m.workspace_id
    WHERE m.user_id = ANY(${users as string[]}) AND w.deleted_at IS NULL
    ORDER BY m.user_id, w.id`;
  const workspaceOf = new Map(owned.map((row) => [row.user_id, row.id]));
  const tokenOf = new Map(users.map((user, i) => [user, tokens.rotating.tokens[i]!]));
  const checks = { lobby: 0, peer: 0 };
  // A deadlock between the two writers would be lobby's doing (they touch
  // workspaces in one order each, and lobby's versions take no lock a
  // writer waits for): retried, so that the run goes on, and counted.
  let deadlocks = 0;
  const write = async (attempt: () => Promise<unknown>): Promise<void> => {
    for (;;) {
      try {
        await attempt();
        return;
      } catch (error) {
        if ((error as { code?: unknown }).code !== "40P01") throw error;
        deadlocks++;
      }
    }
  };
  const stale = { lobby: 0, peer: 0 };
  let next = 0;
  let marker = 0;
  try {
    const result = await body(async (server, who, run) => {
      let going = true;
      const touching = (async () => {
        while (going) {
          const batch = Array.from({ length: perSecond }, () => workspaceOf.get(users[next++ % users.length]!)).filter((id): id is string => id !== undefined);
          const began = performance.now();
          await write(() => sql`UPDATE workspaces SET updated_at = clock_timestamp() WHERE id = ANY(${batch}::int8[])`);
          await new Promise((resolve) => setTimeout(resolve, Math.max(0, 1000 - (performance.now() - began))));
        }
      })();
      const checking = (async () => {
        while (going) {
          const user = users[Math.floor(Math.random() * users.length)]!;
          const id = workspaceOf.get(user);
          if (id !== undefined) {
            const name = `bench-fresh-${++marker}`;
            await write(() => sql`UPDATE workspaces SET name = ${name} WHERE id = ${id}::int8`);
            const response = await fetch(`${server.url}${DIALECT_PATHS.uptimer}`, { headers: { authorization: `Bearer ${tokenOf.get(user)}` } });
            const text = await response.text();
            checks[who]++;
            if (response.status !== 200 || !text.includes(`"${name}"`)) stale[who]++;
          }
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      })();
      try {
        return await run();
      } finally {
        going = false;
        await Promise.all([touching, checking]);
      }
    });
    return { ...result, usersPerSecond: perSecond, checks, stale, deadlocks };
  } finally {
    // Put back what the writers changed.
    for (const row of owned) await sql`UPDATE workspaces SET name = ${row.name}, updated_at = ${row.updated_at} WHERE id = ${row.id}::int8`;
    await sql.end({ timeout: 5 });
  }
}

// ---------------------------------------------------------------------------
// The report section.

/** The targets, as the issue states them. */
const TARGETS = { node: 2.0, bun: 1.5, p99: 0.5, changing: 1.5, notModified: 0.8, firstMs: 20, repeatedMs: 5, steady: 0.9 } as const;

function paired(a: Series, b: Series, value: (run: LoadRun) => number = (run) => run.rps): Summary {
  return summary(ratios(a.runs.map(value), b.runs.map(value)), 3);
}

const ratioText = (s: Summary) => `**${fmt(s.median, 2)}×** (${fmt(s.min, 2)}–${fmt(s.max, 2)})`;
const met = (ok: boolean) => (ok ? "**met**" : "**not met**");

/**
 * The report's section on listing versions and the peer.
 *
 * @example
 * ```ts
 * import { renderPeerReport } from "./peer.ts";
 * // renderPeerReport(JSON.parse(readFileSync("bench/results/2026-11-30-peer.json", "utf8")));
 * ```
 */
export function renderPeerReport(result: PeerBenchResult): string {
  const lines: string[] = [];
  const push = (...more: string[]) => lines.push(...more);
  push("## Listing versions: lobby against a plain implementation", "");
  if (result.skipped !== undefined) {
    push(`Not measured in this run: ${result.skipped.join("; ")}.`, "");
    return lines.join("\n");
  }
  push(
    `Measured ${result.date} by \`npm run bench\` (part \`peer\`, \`bench/peer.ts\`), ${result.generator.name} ${result.generator.version}, ` +
      `${result.connections} connections, ${result.seconds} s per run, ${result.rounds} alternated rounds; medians, ranges in parentheses, ratios the median of ` +
      `the per-round ratios. Load average ${result.loadAverage.start.join(" / ")} at the start, ${result.loadAverage.end.join(" / ")} at the end (a shared 2-core machine).`,
    "",
    "The peer (`bench/peer-server.ts`) is the plain implementation: Hono, `hono/jwt` (HS256), postgres.js with its defaults, the join of " +
      "`workspace_members` and `workspaces` on every request, `c.json`. lobby is the standalone server (`mod.ts`) with `LOG_LEVEL=warn`: " +
      "each request reads the user's listing version (one index range) and reads the listing only for a version it has not kept.",
    "",
    `The targets are stated for the uptimer dialect's endpoint (\`GET ${DIALECT_PATHS.uptimer}\`), which every part measures. The system dialect's ` +
      `(\`GET ${DIALECT_PATHS.system}\`, \`Accept-Language: ${REQUEST.acceptLanguage}\`), whose items are about three times as large and whose enum ` +
      "objects are built for the answer's language, is measured side by side and with 5,000 memberships too, and held to the same figures below the targets.",
    "",
    ...table(
      ["runtime", "dialect", "lobby req/s", "peer req/s", "lobby / peer", "p50 / p99 ms lobby", "p50 / p99 ms peer", "p99 lobby / peer", "CPU µs/req lobby / peer"],
      result.sideBySide.map((s) => [
        `${s.runtime} ${s.version}`,
        s.dialect,
        range(s.lobby.rps, kilo),
        range(s.peer.rps, kilo),
        ratioText(paired(s.lobby, s.peer)),
        `${fmt(s.lobby.p50.median, 1)} / ${fmt(s.lobby.p99.median, 1)}`,
        `${fmt(s.peer.p50.median, 1)} / ${fmt(s.peer.p99.median, 1)}`,
        ratioText(paired(s.lobby, s.peer, (run) => run.p99)),
        `${fmt(s.lobby.cpuUs?.median)} / ${fmt(s.peer.cpuUs?.median)}`,
      ]),
    ),
    "",
  );
  // The issue's targets (uptimer), and the same figures for the system dialect.
  const targets: (readonly [string, string, string])[] = [];
  const also: (readonly [string, string, string])[] = [];
  const listFor = (dialect: Dialect) => (dialect === "uptimer" ? targets : also);
  for (const s of result.sideBySide) {
    const want = s.runtime === "node" ? TARGETS.node : s.runtime === "bun" ? TARGETS.bun : undefined;
    if (want === undefined) continue;
    const rps = paired(s.lobby, s.peer);
    const p99 = paired(s.lobby, s.peer, (run) => run.p99);
    listFor(s.dialect).push([`${s.runtime}: lobby ≥ ${want}× the peer's req/s`, `${fmt(rps.median, 2)}×`, met(rps.median >= want)]);
    listFor(s.dialect).push([`${s.runtime}: lobby's p99 ≤ ${TARGETS.p99}× the peer's`, `${fmt(p99.median, 2)}×`, met(p99.median <= TARGETS.p99)]);
  }
  const c = result.changing;
  if (c !== undefined) {
    const rps = paired(c.lobby, c.peer);
    push(
      "### A listing changed every second for 10 % of the users (Node, uptimer)",
      "",
      `Every second ${c.usersPerSecond} of the 1,000 token users (the next tenth in turn) get one of their workspaces touched (\`updated_at\`), which changes ` +
        "the listing version of every member of it (and the system dialect's items), so lobby reads those listings again; every 100 ms a checker renames " +
        "a workspace of a random token user, and once that committed asks the server with the user's token: an answer without the new name counts as stale." +
        ` Deadlocks between the two writers: ${c.deadlocks ?? 0}.`,
      "",
      ...table(["", "req/s", "p50 / p99 ms", "freshness checks", "stale answers"], [
        ["lobby", range(c.lobby.rps, kilo), `${fmt(c.lobby.p50.median, 1)} / ${fmt(c.lobby.p99.median, 1)}`, fmt(c.checks.lobby), fmt(c.stale.lobby)],
        ["peer", range(c.peer.rps, kilo), `${fmt(c.peer.p50.median, 1)} / ${fmt(c.peer.p99.median, 1)}`, fmt(c.checks.peer), fmt(c.stale.peer)],
        ["lobby / peer", ratioText(rps), "", "", ""],
      ]),
      "",
    );
    targets.push([`changing listings, Node: lobby ≥ ${TARGETS.changing}× the peer`, `${fmt(rps.median, 2)}×`, met(rps.median >= TARGETS.changing)]);
    targets.push(["changing listings: every answer shows what committed before it was asked", `${c.stale.lobby} stale of ${c.checks.lobby}`, met(c.stale.lobby === 0 && c.checks.lobby > 0)]);
  }
  const n = result.notModified;
  if (n !== undefined) {
    const ratio = paired(n.conditional, n.memory);
    push(
      "### 304s (Node, uptimer)",
      "",
      "Every request carries its token's current `ETag` in `If-None-Match`: authentication, one version lookup, a `304` without a body. Alternated with (b), " +
        "lobby over an in-process repository of 10 workspaces (no database).",
      "",
      ...table(["", "req/s", "p50 / p99 ms", "CPU µs/req"], [
        ["(b) in-process repository", range(n.memory.rps, kilo), `${fmt(n.memory.p50.median, 1)} / ${fmt(n.memory.p99.median, 1)}`, fmt(n.memory.cpuUs?.median)],
        ["304 on Postgres", range(n.conditional.rps, kilo), `${fmt(n.conditional.p50.median, 1)} / ${fmt(n.conditional.p99.median, 1)}`, fmt(n.conditional.cpuUs?.median)],
        ["304 / (b)", ratioText(ratio), "", ""],
      ]),
      "",
    );
    targets.push([`304 path on Node ≥ ${TARGETS.notModified}× (b)`, `${fmt(ratio.median, 2)}×`, met(ratio.median >= TARGETS.notModified)]);
  }
  if (result.large !== undefined && result.large.length > 0) {
    push(
      "### 5,000 memberships (Node, one connection)",
      "",
      `\`${BENCH_USERS[5000]}\`'s listing, 5,000 workspaces. First read: the server's cache off (\`LISTING_CACHE_ENTRIES=0\`), so every ` +
        "request reads the version and the listing, each item's JSON as lobby_listing keeps it, from one covering index; repeated: the cache on, the listing unchanged.",
      "",
      ...table(["dialect", "answer", "", "req/s", "p50 ms", "p99 ms"], result.large.flatMap((l) => [
        [l.dialect, `${fmt(l.bytes / 1e6, 2)} MB`, "lobby, first read", range(l.first.rps), range(l.first.p50, (v) => fmt(v, 1)), fmt(l.first.p99.median, 1)],
        ["", "", "lobby, repeated read", range(l.repeated.rps), range(l.repeated.p50, (v) => fmt(v, 1)), fmt(l.repeated.p99.median, 1)],
        ["", "", "peer", range(l.peer.rps), range(l.peer.p50, (v) => fmt(v, 1)), fmt(l.peer.p99.median, 1)],
      ])),
      "",
    );
    for (const l of result.large) {
      listFor(l.dialect).push([`5,000 memberships, first read: p50 ≤ ${TARGETS.firstMs} ms`, `${fmt(l.first.p50.median, 1)} ms`, met(l.first.p50.median <= TARGETS.firstMs)]);
      listFor(l.dialect).push([`5,000 memberships, repeated read: p50 ≤ ${TARGETS.repeatedMs} ms`, `${fmt(l.repeated.p50.median, 1)} ms`, met(l.repeated.p50.median <= TARGETS.repeatedMs)]);
    }
  }
  const st = result.steady;
  if (st !== undefined) {
    const share = (run: SteadyRun) => run.windows.at(-1)!.rps / run.windows[0]!.rps;
    const lobbyShare = summary(st.lobby.map(share), 3);
    const row = (label: string) => (run: SteadyRun, i: number) => [
      `${label}, run ${i + 1}`,
      ...run.windows.map((w) => kilo(w.rps)),
      `**${fmt(share(run), 2)}×**`,
      `${fmt(run.windows[0]!.rssMb)} → ${fmt(run.windows.at(-1)!.rssMb)}`,
    ];
    push(
      "### Steady throughput (Node, uptimer, one long-lived server each)",
      "",
      `The side-by-side load for ${st.windowSeconds * 6} s without a restart (after a 2 s warm-up), in windows of ${st.windowSeconds} s, ` +
        `${st.lobby.length} runs of each server, alternated, each a new process; the target is the median of lobby's runs. ` +
        "The peer's client is postgres.js with its defaults, whose pool queues grow by a slot per query (`bench/postgres-queue.md`).",
      "",
      ...table(["", ...st.lobby[0]!.windows.map((_, i) => `window ${i + 1} req/s`), "last / first", "RSS MB first → last"], [
        ...st.lobby.map(row("lobby")),
        ...st.peer.map(row("peer")),
      ]),
      "",
    );
    targets.push([`steady: last window ≥ ${TARGETS.steady}× the first, Node`, `${fmt(lobbyShare.median, 2)}× (${fmt(lobbyShare.min, 2)}–${fmt(lobbyShare.max, 2)})`, met(lobbyShare.median >= TARGETS.steady)]);
  }
  push("### Targets (uptimer dialect)", "", ...table(["target", "measured", ""], targets), "");
  if (also.length > 0) push("The system dialect against the same figures:", "", ...table(["figure", "measured", ""], also), "");
  push("Commands:", "", ...table(["part", "command"], Object.entries(result.commands).map(([part, command]) => [part, `\`${command.replaceAll("|", "\\|")}\``])), "");
  return lines.join("\n");
}

if (isMain(import.meta, "peer")) {
  const seconds = envNumber("BENCH_SECONDS", 5);
  const rounds = envNumber("BENCH_ROUNDS", 3);
  const result = await runPeerBench({ databaseUrl: databaseUrl(), seconds, rounds, steadySeconds: envNumber("BENCH_STEADY_SECONDS", 60), log });
  log(`wrote ${writeOutput(`bench/results/${result.date}-peer.json`, `${JSON.stringify(result, null, 2)}\n`)}`);
  log(renderPeerReport(result));
}
