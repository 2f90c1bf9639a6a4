/**
 * Where a Node server's CPU goes under load: the V8 sampling profile of
 * lobby's server, summarized by self time. This is the evidence behind the
 * report's "what bounds it" for each target that is not met.
 *
 * Three profiles, each a server started with `node --cpu-prof` and loaded
 * like `bench/handler.ts` loads it (same tokens, generator and path):
 *
 * - **(b) memory**: `MODE=memory node .bench/handler-server.js`, 50
 *   connections rotating 1,000 tokens: the handler and the adapter alone;
 * - **(c) postgres**: `node .bench/main.js` on the seeded database, the
 *   same load;
 * - **5,000 memberships**: the same server, 1 connection asking for the
 *   heaviest user.
 *
 * Each summary gives the share of the busy (non-idle) samples per part
 * (lobby's bundled code, postgres.js, Node's internals, native code such as
 * the socket syscalls, the garbage collector) and the functions with the
 * most self time. Sampling slows the server a little; the shares, not the
 * request rates, are the point.
 *
 * @module
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { envNumber, ROOT } from "./_harness/context.ts";
import { REQUEST } from "./_harness/fixtures.ts";
import { table } from "./_harness/markdown.ts";
import { benchTokens, load, loadGenerator, type TokenFile } from "./_harness/load.ts";
import { runCommand, type Server, startServer } from "./_harness/servers.ts";

/** One function's share of the busy samples. */
export interface ProfileEntry {
  readonly name: string;
  /** Where it is: a file and line, or `native`. */
  readonly where: string;
  readonly part: string;
  readonly percent: number;
}

/** One profiled scenario. */
export interface ProfileResult {
  readonly name: string;
  readonly command: string;
  readonly connections: number;
  readonly seconds: number;
  readonly rps: number;
  /** Share of all samples in which the thread was idle (waiting for I/O). */
  readonly idlePercent: number;
  /** Share of the busy samples per part, largest first. */
  readonly parts: readonly { readonly part: string; readonly percent: number }[];
  /** The functions with the most self time. */
  readonly top: readonly ProfileEntry[];
  readonly skipped?: string;
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}
interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** Which part of the process a profiled function belongs to. */
export function partOf(frame: ProfileNode["callFrame"]): string {
  const { functionName: name, url } = frame;
  if (name === "(garbage collector)") return "garbage collector";
  if (name === "(program)" || name === "(root)") return "V8 (compiler, runtime)";
  if (url === "") return "native (syscalls, builtins)";
  if (url.includes("node_modules/postgres/")) return "postgres.js";
  if (url.includes("node_modules/")) return "other dependencies";
  if (url.startsWith("node:")) return "Node.js (http, net, streams, timers)";
  if (url.includes("/.bench/") || url.includes("/dist/")) return "lobby (lib/, bundled)";
  return "other";
}

/**
 * Sums a `.cpuprofile` by self time.
 *
 * @param profile The parsed profile.
 * @param top How many functions to list.
 */
export function summarize(profile: Profile, top = 12): Pick<ProfileResult, "idlePercent" | "parts" | "top"> {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = profile.timeDeltas[i] ?? 0;
    selfUs.set(profile.samples[i]!, (selfUs.get(profile.samples[i]!) ?? 0) + delta);
    total += delta;
  }
  let idle = 0;
  const functions = new Map<string, { name: string; where: string; part: string; us: number }>();
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)!.callFrame;
    if (frame.functionName === "(idle)") {
      idle += us;
      continue;
    }
    const file = frame.url === "" ? "native" : `${frame.url.replace(/^file:\/\//, "").replace(ROOT, "")}:${frame.lineNumber + 1}`;
    const key = `${frame.functionName}@${file}`;
    const entry = functions.get(key) ?? { name: frame.functionName || "(anonymous)", where: file, part: partOf(frame), us: 0 };
    entry.us += us;
    functions.set(key, entry);
  }
  const busy = total - idle;
  const percent = (us: number) => Math.round((1000 * us) / Math.max(1, busy)) / 10;
  const parts = new Map<string, number>();
  for (const entry of functions.values()) parts.set(entry.part, (parts.get(entry.part) ?? 0) + entry.us);
  return {
    idlePercent: Math.round((1000 * idle) / Math.max(1, total)) / 10,
    parts: [...parts].sort((a, b) => b[1] - a[1]).map(([part, us]) => ({ part, percent: percent(us) })),
    top: [...functions.values()].sort((a, b) => b.us - a.us).slice(0, top)
      .map(({ name, where, part, us }) => ({ name, where, part, percent: percent(us) })),
  };
}

/** Options of {@link runProfiles}. */
export interface ProfileOptions {
  /** The seeded database; the two Postgres profiles are skipped without it. */
  readonly databaseUrl?: string;
  /** Seconds of load per profile (default `BENCH_SECONDS`, else 5). */
  readonly seconds?: number;
  readonly log?: (line: string) => void;
}

/** Profiles the three scenarios, one server process each. */
export async function runProfiles(options: ProfileOptions): Promise<ProfileResult[]> {
  const seconds = options.seconds ?? envNumber("BENCH_SECONDS", 5);
  const log = options.log ?? (() => {});
  const generator = loadGenerator();
  const { secret, rotating, large } = await benchTokens();
  const postgres = { DATABASE_URL: options.databaseUrl ?? "", JWT_SECRET: secret };
  const scenarios: { name: string; entry: string; env: Record<string, string>; tokens: TokenFile; connections: number }[] = [
    { name: "(b) memory", entry: "bench/handler-server.ts", env: { MODE: "memory", BENCH_SECRET: secret }, tokens: rotating, connections: 50 },
    { name: "(c) postgres", entry: "mod.ts", env: postgres, tokens: rotating, connections: 50 },
    { name: "5,000 memberships", entry: "mod.ts", env: postgres, tokens: large, connections: 1 },
  ];
  const work = mkdtempSync(`${tmpdir()}/lobby-profile-`);
  const results: ProfileResult[] = [];
  try {
    for (const scenario of scenarios) {
      const dir = `${work}/${results.length}`;
      const command = runCommand("node", scenario.entry, ["--cpu-prof"]).join(" ");
      const base = { name: scenario.name, command, connections: scenario.connections, seconds, rps: 0, idlePercent: 0, parts: [], top: [] };
      if ("DATABASE_URL" in scenario.env && !options.databaseUrl) {
        results.push({ ...base, skipped: "no seeded database" });
        continue;
      }
      log(`  ${scenario.name}`);
      let server: Server | undefined;
      try {
        server = await startServer(runCommand("node", scenario.entry, ["--cpu-prof", `--cpu-prof-dir=${dir}`]), scenario.env);
        const run = { url: server.url, tokens: scenario.tokens, connections: scenario.connections };
        await load(generator, { ...run, seconds: Math.min(2, seconds) });
        const measured = await load(generator, { ...run, seconds });
        await server.stop();
        server = undefined;
        const file = readdirSync(dir).find((name) => name.endsWith(".cpuprofile"));
        if (file === undefined) throw new Error("node wrote no profile");
        const summary = summarize(JSON.parse(readFileSync(`${dir}/${file}`, "utf8")) as Profile);
        results.push({ ...base, rps: measured.rps, ...summary });
        log(`    ${measured.rps} req/s; busy: ${summary.parts.slice(0, 4).map((p) => `${p.part} ${p.percent}%`).join(", ")}`);
      } catch (error) {
        results.push({ ...base, skipped: error instanceof Error ? error.message.split("\n")[0]! : String(error) });
      } finally {
        await server?.stop();
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return results;
}

/** The report's section for the profiles. */
export function renderProfiles(profiles: readonly ProfileResult[]): string {
  const out = [
    "## Where the CPU goes (Node, V8 sampling profiles)",
    "",
    `Self time as a share of the server's busy samples (idle excluded), \`bench/profile.ts\`: the server runs under \`node --cpu-prof\` with the load of the tables above. Path \`${REQUEST.path}\`.`,
    "",
  ];
  for (const p of profiles) {
    out.push(`### ${p.name}`, "");
    if (p.skipped !== undefined) {
      out.push(`Skipped: ${p.skipped}.`, "");
      continue;
    }
    out.push(
      `\`${p.command}\`, ${p.connections} connection${p.connections === 1 ? "" : "s"}, ${p.seconds} s: ${p.rps.toLocaleString("en-US")} req/s under the profiler; idle ${p.idlePercent}% of the time.`,
      "",
      ...table(["part", "share of busy time"], p.parts.map((part) => [part.part, `${part.percent}%`])),
      "",
      ...table(["function", "where", "part", "self"], p.top.map((entry) => [`\`${entry.name}\``, entry.where, entry.part, `${entry.percent}%`])),
      "",
    );
  }
  return out.join("\n");
}
