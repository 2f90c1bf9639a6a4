/**
 * `npm run bench:pages`: pages, filters and name search, through the
 * repository's `listPage` in this process and end to end over HTTP, one
 * call at a time, on the `npm run bench:seed` database, system dialect,
 * English:
 *
 * - **a page**: `bench_user_5000`'s first page of 100 (`limit=100`), with
 *   and without `count=true`, and the whole listing of 5,000 beside it
 *   (the repository's `listItems`, what a request without parameters reads);
 * - **a name search**: `bench_user_10000` (10,000 memberships) with
 *   `q=nort` (the first four letters of the adjective "Northern", in lower
 *   case: the prefix is compared case-insensitively), without and with
 *   `limit=100`, and with `count=true`; how many workspaces match is
 *   counted by SQL of its own (`starts_with(lower(name), …)`);
 * - **the worst prefix**: the one letter most of that user's names start
 *   with (found by SQL; `c` on the full seed), the same three ways.
 *
 * In process: `postgresRepository` over a postgres.js client with the
 * standalone server's options. Over HTTP: the standalone server (`node
 * .bench/main.js`, as `bench/peer.ts` starts it) with `LOG_LEVEL=warn` and
 * `LISTING_CACHE_ENTRIES=0`, so every request reads its version and its
 * page, asked over one keep-alive connection by `node:http` (the harness's
 * load tools send only the bare path, never a query string). Each round
 * times every variant in turn (the order rotated each round) for at least
 * `PAGES_SLOT_MS` and 20 calls; a variant's p50 is the median over the
 * rounds of each round's p50, with its range, and `count=true`'s cost is
 * taken round by round. Each round also runs the harness's load tool
 * (autocannon or wrk, one connection, `BENCH_SECONDS`) on the whole
 * listing, as `bench/peer.ts` measures it, to check the `node:http`
 * client against it. Before anything is timed every variant's answer is
 * checked: its items, its total, the HTTP body the repository's items.
 *
 * Then `EXPLAIN (ANALYZE, BUFFERS)` of the page and search queries as a
 * prepared statement runs them after six executions (when Postgres has
 * settled on a generic plan or kept custom ones). The page must read
 * `lobby_listing_page` and the search `lobby_listing_names`; otherwise, or
 * with a sequential scan, the run exits with 1 (nothing is asserted on
 * timings).
 *
 * Writes `bench/results/<YYYY-MM-DD>-pages.json` and the section "Pages,
 * filters and name search" of `bench/REPORT.md` (in place of the one
 * there, else before "The listing query"), leaving the rest of the report
 * as it is. `npm run bench` runs it too (part `pages`). `npm run
 * bench:pages -- --report [file]` re-renders the section from the newest
 * results file (or the one named) without measuring.
 *
 * Environment: `DATABASE_URL` (default the `npm run bench:seed` database),
 * `PAGES_ROUNDS` (default 6), `PAGES_SLOT_MS` (default 500),
 * `BENCH_SECONDS` (the load tool's run, default 5), `BENCH_LOAD`.
 *
 * @module
 */
import { type IncomingHttpHeaders, Agent, request } from "node:http";
import { readdirSync, readFileSync } from "node:fs";
import postgres from "postgres";
import { listingItemFormat } from "../lib/envelope/mod.ts";
import { type ListingItemFormat, type ListingQuery, postgresRepository, type WorkspaceRepository } from "../lib/repository/mod.ts";
import { pageQuery } from "../lib/repository/_sql.ts";
import { envNumber, isMain, log, packageVersion, readJson, redact, resultDate, ROOT, writeOutput } from "./_harness/context.ts";
import { BENCH_USERS, checkSeeded, databaseUrl, postgresVersion, SEARCH_USER } from "./_harness/dataset.ts";
import { REQUEST } from "./_harness/fixtures.ts";
import { benchTokens, describeRun, load, loadCommand, type LoadGenerator, loadGenerator, type LoadRun, type Series, series } from "./_harness/load.ts";
import { loadAverage, type Machine, machine } from "./_harness/machine.ts";
import { fmt, range, table } from "./_harness/markdown.ts";
import { buildBundles, launchServer, poll, runCommand, type Server } from "./_harness/servers.ts";
import { round, summary, type Summary } from "./_harness/stats.ts";
import { closedLoops } from "./_harness/timing.ts";
import { signMany } from "./_harness/tokens.ts";

/** The search prefix: the first four letters of "Northern", in lower case (`q` is case-insensitive). */
export const SEARCH_PREFIX = "nort";

/** The section's heading, which `npm run bench:pages` finds and replaces in the report. */
export const PAGES_HEADING = "## Pages, filters and name search";

/** The targets, p50 in milliseconds, one call at a time. */
export const PAGES_TARGETS = { repositoryPageMs: 3, httpPageMs: 6, searchMs: 5 } as const;

/** Which listing a variant reads. */
const VARIANT_KEYS = ["page", "pageCount", "full", "search", "searchPage", "searchPageCount", "wide", "widePage", "widePageCount"] as const;

/** One of the measured requests (see the module documentation). */
export type VariantKey = (typeof VARIANT_KEYS)[number];

/** Where a variant is measured: the repository in this process, or the standalone server over HTTP. */
export type Where = "repository" | "http";

/** What a variant asks: its user, the repository's query (none: the whole listing), the HTTP query string. */
interface Variant {
  readonly key: VariantKey;
  readonly user: string;
  readonly query: ListingQuery | undefined;
  readonly search: string;
}

/** One variant at one place: p50, p90 and p99 over the rounds (each a median and range of the rounds' values), in ms. */
export interface PagesCell {
  readonly where: Where;
  readonly variant: VariantKey;
  /** The user whose listing it reads. */
  readonly user: string;
  /** The HTTP query string (empty: the whole listing). */
  readonly search: string;
  readonly p50: Summary;
  readonly p90: Summary;
  readonly p99: Summary;
  /** Each round's p50, in round order, for ratios and differences round by round. */
  readonly roundsP50: readonly number[];
  /** Calls timed over all rounds. */
  readonly calls: number;
  /** Items in the answer, checked before timing. */
  readonly items: number;
  /** With `count=true`: the total answered. */
  readonly total?: number;
  /** Over HTTP: the body's bytes. */
  readonly bytes?: number;
  /** Over HTTP: answers other than 200 while timed (a run with any measures nothing). */
  readonly failed?: number;
}

/** One `EXPLAIN (ANALYZE, BUFFERS)` of a page query, as a prepared statement runs it. */
export interface PagesPlan {
  readonly label: string;
  readonly variant: VariantKey;
  readonly user: string;
  /** The index the plan must read. */
  readonly expects: string;
  /** Postgres settled on the generic plan (parameters as `$n` in the plan) rather than custom ones. */
  readonly generic: boolean;
  /** The indexes the plan reads, in order of first appearance. */
  readonly indexes: readonly string[];
  readonly seqScan: boolean;
  readonly executionMs: number;
  readonly plan: string;
}

/** What {@link runPagesBench} measured; `bench/results/<date>-pages.json`. */
export interface PagesBenchResult {
  readonly date: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly machine: Machine;
  readonly loadAverageAtEnd: readonly number[];
  /** The 1-minute load average at the start of each round. */
  readonly loadAverageByRound: readonly number[];
  readonly versions: Readonly<Record<string, string>>;
  readonly settings: { readonly rounds: number; readonly slotMs: number; readonly seconds: number; readonly databaseUrl: string };
  readonly search?: {
    readonly user: string;
    readonly memberships: number;
    readonly prefix: string;
    /** Workspaces of the user whose name starts with the prefix, case-insensitively, counted by SQL. */
    readonly matches: number;
    /** The letter most of the user's names start with. */
    readonly letter: string;
    readonly letterMatches: number;
  };
  readonly cells: readonly PagesCell[];
  /** The whole listing through the harness's load tool, one connection, as `bench/peer.ts` measures it. */
  readonly loadTool?: { readonly generator: LoadGenerator; readonly command: string; readonly full: Series };
  readonly plans: readonly PagesPlan[];
  /** What made the run fail (a plan without its index, a wrong answer). */
  readonly failures: readonly string[];
  readonly commands: Readonly<Record<string, string>>;
  readonly skipped?: string;
}

/** Options of {@link runPagesBench}. */
export interface PagesBenchOptions {
  readonly databaseUrl: string;
  /** Rounds (default 6). */
  readonly rounds?: number;
  /** Least time per variant per round, in ms (default 500; and at least 20 calls). */
  readonly slotMs?: number;
  /** Length of the load tool's run per round, in s (default 5). */
  readonly seconds?: number;
  readonly log?: (line: string) => void;
}

/** The standalone server's postgres.js options (`lib/app/app.ts`). */
const CLIENT_OPTIONS = {
  max: 10,
  connect_timeout: 2,
  idle_timeout: 60,
  fetch_types: false,
  onnotice: () => {},
  connection: { application_name: "lobby-bench-pages", statement_timeout: 5000 },
} as const;

/** What the standalone server gets besides the database and the secret. */
const SERVER_ENV = { LOG_LEVEL: "warn", LISTING_CACHE_ENTRIES: "0" } as const;

/** The variants, for the search prefix and the worst letter. */
function variants(prefix: string, letter: string): Variant[] {
  const large = BENCH_USERS[5000];
  const search = SEARCH_USER.id;
  return [
    { key: "page", user: large, query: { limit: 100 }, search: "limit=100" },
    { key: "pageCount", user: large, query: { limit: 100, count: true }, search: "limit=100&count=true" },
    { key: "full", user: large, query: undefined, search: "" },
    { key: "search", user: search, query: { nameStartsWith: prefix }, search: `q=${prefix}` },
    { key: "searchPage", user: search, query: { nameStartsWith: prefix, limit: 100 }, search: `q=${prefix}&limit=100` },
    { key: "searchPageCount", user: search, query: { nameStartsWith: prefix, limit: 100, count: true }, search: `q=${prefix}&limit=100&count=true` },
    { key: "wide", user: search, query: { nameStartsWith: letter }, search: `q=${letter}` },
    { key: "widePage", user: search, query: { nameStartsWith: letter, limit: 100 }, search: `q=${letter}&limit=100` },
    { key: "widePageCount", user: search, query: { nameStartsWith: letter, limit: 100, count: true }, search: `q=${letter}&limit=100&count=true` },
  ];
}

/** An HTTP answer: its status, headers, and body (only when kept). */
interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly bytes: number;
  readonly body: string;
}

/** `GET` over one keep-alive connection, the benchmark's `Accept-Language`; the body read, and kept as text when `keep`. */
function httpGet(agent: Agent, url: string, token: string, keep: boolean): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const sent = request(url, { agent, headers: { authorization: `Bearer ${token}`, "accept-language": REQUEST.acceptLanguage } }, (response) => {
      const chunks: Buffer[] = [];
      let bytes = 0;
      response.on("data", (chunk: Buffer) => {
        bytes += chunk.length;
        if (keep) chunks.push(chunk);
      });
      response.once("error", reject);
      response.once("end", () => resolve({ status: response.statusCode ?? 0, headers: response.headers, bytes, body: keep ? Buffer.concat(chunks).toString("utf8") : "" }));
    });
    sent.once("error", reject);
    sent.end();
  });
}

/** What the repository answers a variant: the items joined, their count, the total and whether more follow. */
async function readVariant(repository: WorkspaceRepository, format: ListingItemFormat, variant: Variant) {
  if (variant.query === undefined) {
    const listed = await repository.listItems!(variant.user, format);
    return { items: listed.items.length, joined: listed.items.join(","), total: undefined, next: false };
  }
  const page = await repository.listPage!(variant.user, format, variant.query);
  return { items: page.items.length, joined: page.items.join(","), total: page.total, next: page.next !== undefined };
}

/** A text as an SQL literal (standard strings: only `'` doubles). */
function literal(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/**
 * The plan a prepared statement settles on: prepared on one connection,
 * executed six times (after five Postgres may switch to a generic plan),
 * then explained on the seventh execution.
 */
async function explainPrepared(sql: postgres.Sql, variant: Variant, format: ListingItemFormat, label: string, expects: string): Promise<PagesPlan> {
  const { text, parameters } = pageQuery(variant.user, format, variant.query ?? {});
  const reserved = await sql.reserve();
  try {
    await reserved.unsafe(`PREPARE lobby_bench_page AS ${text}`);
    const execute = `EXECUTE lobby_bench_page(${parameters.map(literal).join(", ")})`;
    for (let i = 0; i < 6; i++) await reserved.unsafe(execute);
    const rows = await reserved.unsafe<{ "QUERY PLAN": string }[]>(`EXPLAIN (ANALYZE, BUFFERS) ${execute}`);
    const lines = rows.map((row) => row["QUERY PLAN"]);
    const indexes = [...new Set(lines.flatMap((line) => /using (\w+) on/.exec(line)?.[1] ?? []))];
    return {
      label,
      variant: variant.key,
      user: variant.user,
      expects,
      generic: lines.some((line) => /Cond: .*\$1\b/.test(line)),
      indexes,
      seqScan: lines.some((line) => /Seq Scan/.test(line)),
      executionMs: Number(/Execution Time: ([\d.]+) ms/.exec(lines.join("\n"))?.[1] ?? Number.NaN),
      plan: lines.join("\n"),
    };
  } finally {
    await reserved.unsafe("DEALLOCATE lobby_bench_page").catch(() => {});
    reserved.release();
  }
}

/**
 * Runs every part (see the module documentation) and returns the results;
 * `failures` lists what makes the run fail (a wrong answer, a plan without
 * its index).
 *
 * @param options See {@link PagesBenchOptions}.
 * @returns The results, or `skipped` when the database is not seeded.
 * @throws When the standalone server does not start, or the database fails.
 *
 * @example
 * ```ts
 * import { runPagesBench } from "./pages.ts";
 * const result = await runPagesBench({ databaseUrl: "postgres://postgres@127.0.0.1:5432/lobby_bench", rounds: 1, slotMs: 100, seconds: 1 });
 * ```
 */
export async function runPagesBench(options: PagesBenchOptions): Promise<PagesBenchResult> {
  const { databaseUrl: url, rounds = 6, slotMs = 500, seconds = 5, log: say = () => {} } = options;
  const started = new Date();
  const atStart = machine();
  const generator = loadGenerator();
  const commands: Record<string, string> = {
    "server": "DATABASE_URL=… JWT_SECRET=… LOG_LEVEL=warn LISTING_CACHE_ENTRIES=0 node .bench/main.js",
    "HTTP client": `node:http, one keep-alive connection, one request at a time: GET ${REQUEST.path}?<parameters>, Accept-Language: ${REQUEST.acceptLanguage}`,
    "repository": "postgresRepository(postgres(DATABASE_URL, the server's options)).listPage(user, listingItemFormat(\"system\", \"en\"), query), one call at a time",
    "load tool": loadCommand(generator, 1, seconds),
  };
  const versions: Record<string, string> = { node: process.version.replace(/^v/, ""), postgres: await postgresVersion(url) };
  versions["postgres (npm)"] = packageVersion("postgres") ?? "unknown";
  versions[generator.name] = generator.version;
  const settings = { rounds, slotMs, seconds, databaseUrl: redact(url) };
  const base = { date: resultDate(started), startedAt: started.toISOString(), machine: atStart, versions, settings, commands };
  const database = await checkSeeded(url);
  if (!database.seeded) {
    return { ...base, finishedAt: new Date().toISOString(), loadAverageAtEnd: loadAverage(), loadAverageByRound: [], cells: [], plans: [], failures: [], skipped: database.reason ?? "not seeded" };
  }
  const sql = postgres(url, CLIENT_OPTIONS);
  const failures: string[] = [];
  try {
    // The search user and its prefixes, counted by SQL of their own, from
    // the tables themselves rather than lobby's read model.
    const [counted] = await sql<{ memberships: number; matches: number }[]>`
      SELECT count(*)::int4 AS memberships, count(*) FILTER (WHERE starts_with(lower(w.name), ${SEARCH_PREFIX}))::int4 AS matches
      FROM workspace_members AS m JOIN workspaces AS w ON w.id = m.workspace_id
      WHERE m.user_id = ${SEARCH_USER.id} AND w.deleted_at IS NULL`;
    if (counted === undefined || counted.memberships !== SEARCH_USER.memberships) {
      const skipped = `${SEARCH_USER.id} lists ${counted?.memberships ?? 0} workspaces, not ${SEARCH_USER.memberships}: run npm run bench:seed`;
      return { ...base, finishedAt: new Date().toISOString(), loadAverageAtEnd: loadAverage(), loadAverageByRound: [], cells: [], plans: [], failures: [], skipped };
    }
    const [worst] = await sql<{ letter: string; n: number }[]>`
      SELECT left(lower(w.name), 1) AS letter, count(*)::int4 AS n
      FROM workspace_members AS m JOIN workspaces AS w ON w.id = m.workspace_id
      WHERE m.user_id = ${SEARCH_USER.id} AND w.deleted_at IS NULL
      GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1`;
    const search = { user: SEARCH_USER.id, memberships: counted.memberships, prefix: SEARCH_PREFIX, matches: counted.matches, letter: worst!.letter, letterMatches: worst!.n };
    say(`q=${search.prefix} matches ${search.matches} of ${search.user}'s ${search.memberships} workspaces; q=${search.letter} matches ${search.letterMatches}`);
    const expected: Record<VariantKey, { items: number; total?: number; next: boolean }> = {
      page: { items: 100, next: true },
      pageCount: { items: 100, total: 5000, next: true },
      full: { items: 5000, next: false },
      search: { items: search.matches, next: false },
      searchPage: { items: Math.min(100, search.matches), next: search.matches > 100 },
      searchPageCount: { items: Math.min(100, search.matches), total: search.matches, next: search.matches > 100 },
      wide: { items: search.letterMatches, next: false },
      widePage: { items: Math.min(100, search.letterMatches), next: search.letterMatches > 100 },
      widePageCount: { items: Math.min(100, search.letterMatches), total: search.letterMatches, next: search.letterMatches > 100 },
    };

    const format = listingItemFormat("system", "en");
    const repository = postgresRepository(sql, { applySchema: true });
    const all = variants(search.prefix, search.letter);

    buildBundles(["mod.ts"]);
    const tokens = await benchTokens();
    const [searchToken] = await signMany(tokens.sign, 1, () => SEARCH_USER.id);
    const tokenOf = (user: string) => (user === SEARCH_USER.id ? searchToken! : tokens.large.tokens[0]!);
    const server = await launchServer(runCommand("node", "mod.ts"), { DATABASE_URL: url, JWT_SECRET: tokens.secret, ...SERVER_ENV });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const urlOf = (variant: Variant) => `${server.url}${REQUEST.path}${variant.search === "" ? "" : `?${variant.search}`}`;
      await answering(server, agent, urlOf(all[0]!), tokenOf(all[0]!.user));

      // Every answer checked before anything is timed: the repository's
      // items and total, and the server's body made of the same items.
      const checked = new Map<VariantKey, { items: number; total?: number; bytes: number }>();
      for (const variant of all) {
        const want = expected[variant.key];
        const read = await readVariant(repository, format, variant);
        const wrong = (what: string) => failures.push(`${variant.key} (${variant.search || "no parameters"}): ${what}`);
        if (read.items !== want.items) wrong(`the repository answered ${read.items} items, not ${want.items}`);
        if (read.total !== want.total) wrong(`the repository counted ${read.total}, not ${want.total}`);
        if (read.next !== want.next) wrong(`the repository ${read.next ? "said" : "did not say"} that more follow`);
        const answer = await httpGet(agent, urlOf(variant), tokenOf(variant.user), true);
        if (answer.status !== 200) wrong(`the server answered ${answer.status}`);
        if (!answer.body.endsWith(`"data":[${read.joined}]}`)) wrong("the server's items are not the repository's");
        const total = answer.headers["x-total-count"];
        if ((total === undefined ? undefined : Number(total)) !== want.total) wrong(`X-Total-Count ${total}, not ${want.total}`);
        if (want.next && variant.query?.limit !== undefined && !/rel="next"/.test(String(answer.headers.link ?? ""))) wrong("no Link to the next page");
        checked.set(variant.key, { items: read.items, ...(read.total === undefined ? {} : { total: read.total }), bytes: answer.bytes });
      }
      for (const failure of failures) say(`  wrong answer: ${failure}`);

      const failed = new Map<VariantKey, number>();
      const calls: Record<Where, (variant: Variant) => () => Promise<unknown>> = {
        repository: (variant) => () => readVariant(repository, format, variant),
        http: (variant) => {
          const target = urlOf(variant);
          const token = tokenOf(variant.user);
          return async () => {
            const answer = await httpGet(agent, target, token, false);
            if (answer.status !== 200) failed.set(variant.key, (failed.get(variant.key) ?? 0) + 1);
          };
        },
      };
      const slots = (["repository", "http"] as const).flatMap((where) => all.map((variant) => ({ where, variant, call: calls[where](variant) })));
      const slot = (call: () => Promise<unknown>, ms: number) =>
        closedLoops(call, 1, (elapsedMs, n) => (elapsedMs >= ms && n >= 20) || elapsedMs >= 10_000);
      // Warm-up: every statement prepared and past its first executions, the server's code paths hot.
      say("warming up");
      for (const s of slots) await slot(s.call, Math.min(200, slotMs));
      await load(generator, { url: server.url, tokens: tokens.large, connections: 1, seconds: Math.min(2, seconds) });
      failed.clear();

      const times = new Map<string, { p50: number[]; p90: number[]; p99: number[]; calls: number }>();
      const loadAverageByRound: number[] = [];
      const loadRuns: LoadRun[] = [];
      for (let r = 0; r < rounds; r++) {
        loadAverageByRound.push(loadAverage()[0]!);
        const shift = r % slots.length;
        const line: string[] = [];
        for (const s of [...slots.slice(shift), ...slots.slice(0, shift)]) {
          const result = await slot(s.call, slotMs);
          const key = `${s.where} ${s.variant.key}`;
          const entry = times.get(key) ?? { p50: [], p90: [], p99: [], calls: 0 };
          entry.p50.push(result.p50);
          entry.p90.push(result.p90);
          entry.p99.push(result.p99);
          entry.calls += result.calls;
          times.set(key, entry);
          if (s.variant.key === "page" || s.variant.key === "searchPage") line.push(`${s.where} ${s.variant.key} p50 ${fmt(result.p50, 2)} ms`);
        }
        const run = await load(generator, { url: server.url, tokens: tokens.large, connections: 1, seconds, pid: server.child.pid });
        loadRuns.push(run);
        say(`round ${r + 1}/${rounds} (load ${loadAverageByRound.at(-1)}): ${line.join(", ")}`);
        say(describeRun(`  whole listing, ${generator.name}`, run));
      }

      const cells: PagesCell[] = slots.map(({ where, variant }) => {
        const entry = times.get(`${where} ${variant.key}`)!;
        const seen = checked.get(variant.key)!;
        return {
          where,
          variant: variant.key,
          user: variant.user,
          search: variant.search,
          p50: summary(entry.p50, 3),
          p90: summary(entry.p90, 3),
          p99: summary(entry.p99, 3),
          roundsP50: entry.p50.map((value) => round(value, 3)),
          calls: entry.calls,
          items: seen.items,
          ...(seen.total === undefined ? {} : { total: seen.total }),
          ...(where === "http" ? { bytes: seen.bytes, failed: failed.get(variant.key) ?? 0 } : {}),
        };
      });
      for (const cell of cells) if ((cell.failed ?? 0) > 0) failures.push(`${cell.variant} over HTTP: ${cell.failed} answers other than 200 while timed`);

      say("plans");
      const byKey = (key: VariantKey) => all.find((variant) => variant.key === key)!;
      const plans = [
        await explainPrepared(sql, byKey("page"), format, `the first page of 100 (\`limit=100\`), \`${BENCH_USERS[5000]}\``, "lobby_listing_page"),
        await explainPrepared(sql, byKey("pageCount"), format, `the same with \`count=true\``, "lobby_listing_page"),
        await explainPrepared(sql, byKey("searchPage"), format, `the name search \`q=${search.prefix}&limit=100\`, \`${search.user}\``, "lobby_listing_names"),
        await explainPrepared(sql, byKey("searchPageCount"), format, `the same with \`count=true\``, "lobby_listing_names"),
        await explainPrepared(sql, byKey("widePage"), format, `the worst prefix \`q=${search.letter}&limit=100\`, \`${search.user}\``, "lobby_listing_names"),
      ];
      for (const plan of plans) {
        if (!plan.indexes.includes(plan.expects)) failures.push(`the plan of ${plan.label} does not read ${plan.expects}`);
        if (plan.seqScan) failures.push(`a sequential scan in the plan of ${plan.label}`);
      }
      return {
        ...base,
        finishedAt: new Date().toISOString(),
        loadAverageAtEnd: loadAverage(),
        loadAverageByRound,
        search,
        cells,
        loadTool: { generator, command: loadCommand(generator, 1, seconds), full: series(loadRuns) },
        plans,
        failures,
      };
    } finally {
      agent.destroy();
      await server.stop();
    }
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** Waits for a 200 to `url` (the first request applies the schema). */
async function answering(server: Server & { output(): string }, agent: Agent, url: string, token: string): Promise<void> {
  let last = "";
  const ok = await poll(async () => {
    try {
      const answer = await httpGet(agent, url, token, true);
      last = `${answer.status} ${answer.body.slice(0, 120)}`;
      return answer.status === 200 ? true : undefined;
    } catch (error) {
      last = String(error);
      return server.child.exitCode !== null ? false : undefined;
    }
  }, 250, 120_000);
  if (ok !== true) throw new Error(`${server.url} never answered 200 (last: ${last})\n${server.output()}`);
}

// ---------------------------------------------------------------------------
// The report section.

/** The medians and ranges of per-round differences `a - b` and ratios `a / b` of two cells' p50s. */
function perRound(a: PagesCell, b: PagesCell): { difference: Summary; ratio: Summary } {
  const n = Math.min(a.roundsP50.length, b.roundsP50.length);
  const at = (i: number) => [a.roundsP50[i]!, b.roundsP50[i]!] as const;
  return {
    difference: summary(Array.from({ length: n }, (_, i) => at(i)[0] - at(i)[1]), 3),
    ratio: summary(Array.from({ length: n }, (_, i) => at(i)[0] / at(i)[1]), 3),
  };
}

const ms = (value: number) => fmt(value, 2);
const ratioText = (r: Summary) => `${fmt(r.median, 2)}× (${fmt(r.min, 2)}–${fmt(r.max, 2)})`;
const met = (ok: boolean) => (ok ? "**met**" : "**not met**");

/** What each variant is, for the tables. */
function describeVariant(key: VariantKey, result: PagesBenchResult): string {
  const s = result.search;
  const prefix = `\`q=${s?.prefix}\``;
  const letter = `\`q=${s?.letter}\``;
  const text: Record<VariantKey, string> = {
    page: `first page of 100, \`${BENCH_USERS[5000]}\``,
    pageCount: "the same, `count=true`",
    full: `the whole listing (no parameters), \`${BENCH_USERS[5000]}\``,
    search: `name search ${prefix}, \`${SEARCH_USER.id}\``,
    searchPage: `${prefix}, \`limit=100\``,
    searchPageCount: `${prefix}, \`limit=100\`, \`count=true\``,
    wide: `worst prefix ${letter}, \`${SEARCH_USER.id}\``,
    widePage: `${letter}, \`limit=100\``,
    widePageCount: `${letter}, \`limit=100\`, \`count=true\``,
  };
  return text[key];
}

/**
 * The report's section: every variant in process and over HTTP, what
 * `count=true` adds, the targets, and the plans.
 *
 * @param result What {@link runPagesBench} measured.
 * @returns The section's lines, its heading first.
 *
 * @example
 * ```ts
 * import { renderPagesSection } from "./pages.ts";
 * // renderPagesSection(JSON.parse(readFileSync("bench/results/2026-12-01-pages.json", "utf8"))).join("\n");
 * ```
 */
export function renderPagesSection(result: PagesBenchResult): string[] {
  const lines: string[] = [PAGES_HEADING, ""];
  const push = (...more: string[]) => lines.push(...more);
  if (result.skipped !== undefined) {
    push(`Not measured in this run: ${result.skipped}.`, "");
    return lines;
  }
  const s = result.search!;
  const cell = (where: Where, key: VariantKey) => result.cells.find((c) => c.where === where && c.variant === key)!;
  const byRound = result.loadAverageByRound;
  push(
    `Measured by \`bench/pages.ts\` (\`npm run bench:pages\`, or the part \`pages\` of \`npm run bench\`) on ${result.date}, ${result.startedAt.slice(11, 19)}–${result.finishedAt.slice(11, 19)} UTC, ` +
      `from \`bench/results/${result.date}-pages.json\`: one call at a time, system dialect, \`Accept-Language: ${REQUEST.acceptLanguage}\`; ` +
      `${result.settings.rounds} rounds, each timing every variant in turn (the order rotated each round) for at least ${result.settings.slotMs} ms and 20 calls. ` +
      "Milliseconds: the median over the rounds of each round's p50 (range); differences and ratios are taken round by round. " +
      `${result.machine.nproc} cores (${result.machine.cpu}), a shared machine: load average ${result.machine.loadAverage.join(" / ")} at the start, ` +
      `${result.loadAverageAtEnd.join(" / ")} at the end, 1-minute ${fmt(Math.min(...byRound), 2)}–${fmt(Math.max(...byRound), 2)} at the rounds' starts. ` +
      `Node ${result.versions.node}, Postgres ${result.versions.postgres}, postgres.js ${result.versions["postgres (npm)"]}.`,
    "",
    "- **repository**: `postgresRepository` over a postgres.js client with the standalone server's options, in this process: `listPage` " +
      "(`listItems` for the whole listing), one statement: the version and the page, each item's JSON as `lobby_listing` keeps it;",
    "- **HTTP**: the standalone server on Node (`node .bench/main.js`, `LOG_LEVEL=warn`, `LISTING_CACHE_ENTRIES=0`, so every request reads its " +
      "listing version and then its page), asked over one keep-alive connection by `node:http` from this process: verification, the version " +
      "lookup, the page, the envelope, HTTP.",
    `- the search prefix \`${s.prefix}\` is the first four letters of the adjective "Northern" (workspace names are adjective, noun, suffix: ` +
      `\`bench/seed-data.ts\`), sent in lower case since \`q\` is compared case-insensitively; it matches **${fmt(s.matches)}** of ` +
      `\`${s.user}\`'s ${fmt(s.memberships)} workspaces (\`starts_with(lower(name), '${s.prefix}')\`, counted by SQL over \`workspace_members\` and \`workspaces\`, not lobby's read model). The worst one-letter ` +
      `prefix, the letter most of those names start with (found by SQL), is \`${s.letter}\`: **${fmt(s.letterMatches)}** matches.`,
    "",
    "Every answer was checked before timing: the items, the total, the `Link` to the next page, and the server's body holding exactly the " +
      `repository's items${result.failures.length > 0 ? ` — **${result.failures.length} problems**, see below` : ""}.`,
    "",
    ...table(
      ["request", "parameters", "items (total)", "body bytes", "repository p50 ms", "repository p90", "HTTP p50 ms", "HTTP p90", "HTTP − repository"],
      VARIANT_KEYS.map((key) => {
        const repository = cell("repository", key);
        const http = cell("http", key);
        return [
          describeVariant(key, result),
          repository.search === "" ? "–" : `\`${repository.search}\``,
          `${fmt(repository.items)}${repository.total === undefined ? "" : ` (${fmt(repository.total)})`}`,
          fmt(http.bytes),
          range(repository.p50, ms),
          ms(repository.p90.median),
          range(http.p50, ms),
          ms(http.p90.median),
          ms(perRound(http, repository).difference.median),
        ];
      }),
      [2, 3, 4, 5, 6, 7, 8],
    ),
    "",
  );

  const countRows: [VariantKey, VariantKey][] = [["pageCount", "page"], ["searchPageCount", "searchPage"], ["widePageCount", "widePage"]];
  push(
    "What `count=true` adds (a second pass over every match, for `X-Total-Count`), per round against the same request without it:",
    "",
    ...table(
      ["request", "counted", "repository: added ms", "repository: ratio", "HTTP: added ms", "HTTP: ratio"],
      countRows.map(([counted, plain]) => {
        const repository = perRound(cell("repository", counted), cell("repository", plain));
        const http = perRound(cell("http", counted), cell("http", plain));
        return [
          describeVariant(plain, result),
          fmt(cell("repository", counted).total),
          range(repository.difference, ms),
          ratioText(repository.ratio),
          range(http.difference, ms),
          ratioText(http.ratio),
        ];
      }),
      [1, 2, 3, 4, 5],
    ),
    "",
  );

  const full = perRound(cell("http", "full"), cell("http", "page"));
  const tool = result.loadTool;
  push(
    `A page of 100 against the whole listing of 5,000 over HTTP: the whole listing takes **${fmt(full.ratio.median, 1)}×** as long ` +
      `(${fmt(full.ratio.min, 1)}–${fmt(full.ratio.max, 1)}×, ${range(full.difference, ms)} ms more).` +
      (tool === undefined ? "" : ` The harness's load tool (${tool.generator.name} ${tool.generator.version}, one connection, ` +
        `${result.settings.seconds} s a round, after the timed calls of each round, as \`bench/peer.ts\` measures its first read) had the whole ` +
        `listing at p50 ${range(tool.full.p50, ms)} ms (${tool.generator.name === "autocannon" ? "whole milliseconds" : "wrk's microseconds"}) ` +
        `and ${range(tool.full.rps, (v) => fmt(v))} req/s, against ${ms(cell("http", "full").p50.median)} ms from the \`node:http\` client ` +
        "here, which times every other row of the table."),
    "",
  );

  const page = cell("repository", "page");
  const httpPage = cell("http", "page");
  const targets: (readonly [string, string, string])[] = [
    [`\`${BENCH_USERS[5000]}\`'s first page of 100, repository: p50 ≤ ${PAGES_TARGETS.repositoryPageMs} ms`, `${ms(page.p50.median)} ms (${ms(page.p50.min)}–${ms(page.p50.max)})`, met(page.p50.median <= PAGES_TARGETS.repositoryPageMs)],
    [`the same over HTTP on Node: p50 ≤ ${PAGES_TARGETS.httpPageMs} ms`, `${ms(httpPage.p50.median)} ms (${ms(httpPage.p50.min)}–${ms(httpPage.p50.max)})`, met(httpPage.p50.median <= PAGES_TARGETS.httpPageMs)],
  ];
  for (const key of ["search", "searchPage"] as const) {
    for (const where of ["repository", "http"] as const) {
      const c = cell(where, key);
      targets.push([
        `\`q=${s.prefix}${key === "searchPage" ? "&limit=100" : ""}\` (${fmt(s.matches)} matches), ${where === "http" ? "over HTTP" : "repository"}: p50 ≤ ${PAGES_TARGETS.searchMs} ms`,
        `${ms(c.p50.median)} ms (${ms(c.p50.min)}–${ms(c.p50.max)})`,
        met(c.p50.median <= PAGES_TARGETS.searchMs),
      ]);
    }
  }
  const reference = (key: VariantKey) => {
    const [repository, http] = [cell("repository", key), cell("http", key)];
    const over = [repository, http].some((c) => c.p50.median > PAGES_TARGETS.searchMs);
    return `${ms(repository.p50.median)} ms in process and ${ms(http.p50.median)} ms over HTTP (${over ? "**over**" : "within"} ${PAGES_TARGETS.searchMs} ms)`;
  };
  push(
    "### Targets",
    "",
    ...table(["target", "measured (range over rounds)", ""], targets),
    "",
    `Not a target, for reference: the worst prefix \`q=${s.letter}\` (${fmt(s.letterMatches)} matches) takes ${reference("wide")} without a limit, ` +
      `and ${reference("widePage")} with \`limit=100\`.`,
    "",
  );

  push(
    "### Plans",
    "",
    "`EXPLAIN (ANALYZE, BUFFERS)` of `pageQuery`'s statement (`lib/repository/_sql.ts`) as a prepared statement runs it: prepared on one " +
      "connection, executed six times, then explained (after five executions Postgres may settle on a generic plan, which the repository's " +
      "prepared statements then keep).",
    "",
    ...table(
      ["query", "plan", "indexes read", "execution ms", "sequential scan"],
      result.plans.map((p) => [p.label, p.generic ? "generic" : "custom", p.indexes.map((name) => (name === p.expects ? `**${name}**` : name)).join(", "), fmt(p.executionMs, 3), p.seqScan ? "**yes**" : "no"]),
      [3],
    ),
    "",
  );
  const searchPlan = result.plans.find((p) => p.variant === "searchPage");
  if (searchPlan !== undefined && /Index Scan using lobby_listing_names/.test(searchPlan.plan) && /top-N heapsort/.test(searchPlan.plan)) {
    push(
      "A name search is an index range of `lobby_listing_names`, which holds no items: every match is read from the table and the matches " +
        "sorted into listing order (a top-N sort) before the page is cut, so its cost grows with the matches, not with the page; `count=true` " +
        "reads them all again. A page without a search is a range of `lobby_listing_page`, which covers it: the page's entries alone.",
      "",
    );
  }
  for (const p of result.plans) push(`${p.label}:`, "", "```", p.plan, "```", "");
  if (result.failures.length > 0) push(`**This run fails:** ${result.failures.join("; ")}.`, "");
  push("Commands:", "", ...table(["part", "command"], Object.entries(result.commands).map(([part, command]) => [part, `\`${command.replaceAll("|", "\\|")}\``])), "");
  return lines;
}

/**
 * Puts the section into a report: in place of the one already there, else
 * before "## The listing query", else at the end.
 *
 * @param report The report's text.
 * @param section The section's lines, as {@link renderPagesSection} makes them.
 * @returns The report with the section.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { spliceSection } from "./pages.ts";
 * const report = "# R\n\n## Pages, filters and name search\n\nold\n\n## The listing query\n\nq\n";
 * assert.equal(spliceSection(report, ["## Pages, filters and name search", "", "new", ""]), "# R\n\n## Pages, filters and name search\n\nnew\n\n## The listing query\n\nq\n");
 * ```
 */
export function spliceSection(report: string, section: readonly string[]): string {
  const text = `${section.join("\n").trimEnd()}\n\n`;
  const start = report.indexOf(`\n${PAGES_HEADING}\n`);
  if (start !== -1) {
    const next = report.indexOf("\n## ", start + 1 + PAGES_HEADING.length);
    return next === -1 ? `${report.slice(0, start + 1)}${text.trimEnd()}\n` : `${report.slice(0, start + 1)}${text}${report.slice(next + 1)}`;
  }
  const before = report.indexOf("\n## The listing query\n");
  return before === -1 ? `${report.trimEnd()}\n\n${text.trimEnd()}\n` : `${report.slice(0, before + 1)}${text}${report.slice(before + 1)}`;
}

// `npm run bench:pages`: measures, writes the results file and the report's
// section. `npm run bench:pages -- --report [bench/results/<date>-pages.json]`
// re-renders the section from the newest results file (or the one named),
// measuring nothing.
if (isMain(import.meta, "pages")) {
  const rerender = process.argv[2] === "--report";
  let result: PagesBenchResult;
  if (rerender) {
    const file = process.argv[3]?.replace(ROOT, "") ??
      `bench/results/${readdirSync(`${ROOT}bench/results`).filter((name) => /-pages\.json$/.test(name)).sort().pop()}`;
    result = readJson<PagesBenchResult>(file);
  } else {
    result = await runPagesBench({
      databaseUrl: databaseUrl(),
      rounds: envNumber("PAGES_ROUNDS", 6),
      slotMs: envNumber("PAGES_SLOT_MS", 500),
      seconds: envNumber("BENCH_SECONDS", 5),
      log,
    });
    log(`wrote ${writeOutput(`bench/results/${result.date}-pages.json`, `${JSON.stringify(result, null, 2)}\n`)}`);
  }
  const report = readFileSync(`${ROOT}bench/REPORT.md`, "utf8");
  const written = writeOutput("bench/REPORT.md", spliceSection(report, renderPagesSection(result)));
  log(`wrote the section "${PAGES_HEADING.slice(3)}" of ${written}`);
  if (result.skipped !== undefined) log(`skipped: ${result.skipped}`);
  if (result.failures.length > 0) {
    log(`failed: ${result.failures.join("; ")}`);
    process.exitCode = 1;
  }
}
