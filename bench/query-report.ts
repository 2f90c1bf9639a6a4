/**
 * The listing query's results (what `npm run bench:query` writes to
 * `bench/results/<date>-query.json`), its section of `bench/REPORT.md`, the
 * targets it is judged by, and its plot.
 *
 * @module
 */
import type { MembershipCount } from "./_harness/dataset.ts";
import { fmt, range, table } from "./_harness/markdown.ts";
import { median, type Summary, summary } from "./_harness/stats.ts";
import { el, svgDocument } from "./_harness/svg.ts";
import type { SeedSummary } from "./seed.ts";

/** What is measured through postgres.js. */
export type QueryVariant = "select1" | "raw" | "repository";

/** One variant at one concurrency and membership count. */
export interface VariantResult {
  readonly variant: QueryVariant;
  readonly concurrency: number;
  /** The benchmark user's membership count (`SELECT 1` is measured beside each). */
  readonly memberships: MembershipCount;
  /** Queries per second, per round. */
  readonly qps: readonly number[];
  /** Median latency per round, ms. */
  readonly p50Ms: readonly number[];
  /** 99th percentile latency per round, ms. */
  readonly p99Ms: readonly number[];
  /** Queries timed in all rounds. */
  readonly queries: number;
}

/** A ratio of two variants measured in the same round, over the rounds. */
export interface RatioResult {
  readonly concurrency: number;
  readonly memberships: MembershipCount;
  /** raw / SELECT 1 queries per second. */
  readonly rawToSelect1: Summary;
  /** repository / raw queries per second. */
  readonly repositoryToRaw: Summary;
}

/** One pgbench script. */
export interface PgbenchScript {
  /** Transactions per second, per round. */
  readonly tps: readonly number[];
  /** Average latency per round, ms. */
  readonly latencyMs: readonly number[];
  readonly name: string;
  readonly description: string;
  /** The command, without connection arguments. */
  readonly command: string;
}

/** The pgbench part. */
export interface PgbenchResult {
  readonly version: string;
  readonly clients: number;
  readonly threads: number;
  readonly seconds: number;
  readonly scripts: readonly PgbenchScript[];
  /** Per script (not `select1`): its tps / `SELECT 1` tps in the same round. */
  readonly ratios: Readonly<Record<string, Summary>>;
}

/** One EXPLAIN (ANALYZE, BUFFERS) plan. */
export interface ExplainResult {
  readonly label: string;
  readonly user: string;
  readonly memberships: number;
  readonly plan: string;
  readonly seqScan: boolean;
}

/**
 * The repository's own cost, without the network: `listForUser` over a
 * stand-in client that resolves at once with real rows, against calling
 * that client directly. Nanoseconds per call, median (range) of rounds.
 */
export interface OverheadResult {
  readonly memberships: MembershipCount;
  readonly directNs: Summary;
  readonly repositoryNs: Summary;
}

/** Everything `runQueryBench` measured. */
export interface QueryBenchResults {
  readonly date: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly machine: {
    readonly cpus: number;
    readonly cpu: string;
    readonly loadAverageAtStart: readonly number[];
    readonly loadAverageAtEnd: readonly number[];
  };
  readonly versions: { readonly node: string; readonly postgres: string; readonly postgresJs: string };
  readonly database: string;
  /** The latest `npm run bench:seed` summary found in `bench/results/`. */
  readonly seed: SeedSummary | undefined;
  readonly settings: {
    readonly rounds: number;
    readonly slotMs: number;
    readonly concurrency: readonly number[];
    readonly client: string;
    readonly repository: string;
  };
  readonly variants: readonly VariantResult[];
  readonly ratios: readonly RatioResult[];
  readonly overhead: readonly OverheadResult[];
  readonly pgbench: PgbenchResult | { readonly skipped: string };
  readonly explain: readonly ExplainResult[];
  /** Table and index sizes, and how much of the read model is all-visible. */
  readonly storage: readonly { readonly relation: string; readonly bytes: number }[];
  readonly allVisible: { readonly relation: string; readonly pages: number; readonly allVisible: number };
  readonly commands: readonly string[];
  /** Why the run fails (a sequential scan for a typical user); empty when it passes. */
  readonly failures: readonly string[];
}

const spreadCell = (s: Summary, digits = 0): string => range(s, (value) => fmt(value, digits));
const msCell = (values: readonly number[]): string => fmt(median(values), median(values) < 10 ? 2 : 1);

/**
 * The listing query's section of `bench/REPORT.md`, from the results: setup,
 * commands, the postgres.js table, pgbench before and after, the targets,
 * the plans.
 *
 * @param results What `runQueryBench` (`bench/query.ts`) returned.
 * @returns Markdown, headed by `###` sections (the report puts it under its
 *   own `##` heading).
 */
export function renderQueryReport(results: QueryBenchResults): string {
  const out: string[] = [];
  const push = (...lines: string[]): void => void out.push(...lines);
  const seed = results.seed;
  push(
    `Measured ${results.startedAt.slice(0, 16).replace("T", " ")} UTC on ${results.machine.cpus} cores ` +
      `(${results.machine.cpu}), load average ${results.machine.loadAverageAtStart.join(" ")} at the start and ` +
      `${results.machine.loadAverageAtEnd.join(" ")} at the end (a shared machine: compare the ratios, measured side by ` +
      `side, rather than absolute figures). Postgres ${results.versions.postgres}, Node ${results.versions.node}, ` +
      `postgres.js ${results.versions.postgresJs}.`,
    "",
  );
  if (seed !== undefined) {
    push(
      `Data (\`npm run bench:seed\`, ${fmt(seed.seconds, 1)} s on ${seed.finishedAt.slice(0, 10)}): ` +
        `${fmt(seed.rows.institutions)} institutions, ${fmt(seed.rows.workspaces)} workspaces, ` +
        `${fmt(seed.rows.memberships)} memberships of ${fmt(seed.users)} users` +
        (seed.rows.listed !== undefined ? ` (${fmt(seed.rows.listed)} listed, in \`lobby_listing\`)` : "") +
        `; phases: ${Object.entries(seed.phases).map(([name, s]) => `${name} ${fmt(s, 1)} s`).join(", ")}.`,
      "",
    );
  }
  push("Commands:", "", "```sh", ...results.commands, "```", "");
  push(`Client: \`${results.settings.client}\`; repository: \`${results.settings.repository}\`.`, "");

  push("### postgres.js: `SELECT 1`, the raw listing SQL and the repository, side by side", "");
  push(
    `${results.settings.rounds} rounds; in each, for every concurrency and membership count, the three variants ran ` +
      `in turn (order rotated each round) for at least ${results.settings.slotMs} ms and 100 queries. ` +
      "Queries/s as median (range) over the rounds; latencies as the median of the rounds' p50 and p99; " +
      "ratios computed within each round, then median (range).",
    "",
    ...table(
      ["in flight", "memberships", "`SELECT 1` q/s", "raw q/s", "repository q/s", "raw / `SELECT 1`", "repository / raw", "p50 ms (S1 / raw / repo)", "p99 ms (S1 / raw / repo)"],
      results.ratios.flatMap((ratio) => {
        const [s1, raw, repo] = (["select1", "raw", "repository"] as const).map((variant) =>
          results.variants.find((v) => v.variant === variant && v.concurrency === ratio.concurrency && v.memberships === ratio.memberships)
        );
        if (s1 === undefined || raw === undefined || repo === undefined) return [];
        const ms = (field: "p50Ms" | "p99Ms") => [s1, raw, repo].map((v) => msCell(v[field])).join(" / ");
        return [[ratio.concurrency, fmt(ratio.memberships), ...[s1, raw, repo].map((v) => spreadCell(summary(v.qps))),
          spreadCell(ratio.rawToSelect1, 3), spreadCell(ratio.repositoryToRaw, 3), ms("p50Ms"), ms("p99Ms")]];
      }),
      [0, 1, 2, 3, 4, 5, 6, 7, 8],
    ),
    "",
    "![latency against memberships per user](results/latency-by-memberships.svg)",
    "",
  );
  if (results.overhead.length > 0) {
    push(
      "The repository's own cost, without the network (`listForUser` over a stand-in client resolving at once with " +
        "the same rows, against calling that client directly; 7 rounds, median (range)): its extra time per call, and " +
        "that time as a share of the raw query's p50 at 1 in flight.",
      "",
      ...table(["memberships", "direct ns/call", "repository ns/call", "extra", "share of the raw p50"], results.overhead.map((o) => {
        const raw = results.variants.find((v) => v.variant === "raw" && v.concurrency === 1 && v.memberships === o.memberships);
        const extra = o.repositoryNs.median - o.directNs.median;
        const share = raw === undefined ? Number.NaN : extra / (median(raw.p50Ms) * 1e6);
        return [fmt(o.memberships), spreadCell(o.directNs), spreadCell(o.repositoryNs), `${fmt(extra)} ns`, `${fmt(share * 100, 3)} %`];
      }), [0, 1, 2, 3, 4]),
      "",
    );
  }

  push("### pgbench: the listing against `SELECT 1`, before and after", "");
  if ("skipped" in results.pgbench) {
    push(`Not run: ${results.pgbench.skipped}.`, "");
  } else {
    const p = results.pgbench;
    push(
      `${p.version}, \`-M prepared -c ${p.clients} -j ${p.threads} -T ${p.seconds}\`, ${p.scripts[0]?.tps.length ?? 0} rounds, ` +
        "the scripts in turn in each round. \"Before\" is the plain join of the tables on their primary keys " +
        "(the listing until this change), run on the same database.",
      "",
      ...table(["script", "tps, median (range)", "latency ms", "tps / `SELECT 1` (same round)"], p.scripts.map((script) => {
        const ratio = p.ratios[script.name];
        return [script.description, spreadCell(summary(script.tps)), fmt(median(script.latencyMs), 3), ratio === undefined ? "1" : spreadCell(ratio, 3)];
      }), [1, 2, 3]),
      "",
      "```sh",
      ...p.scripts.map((s) => s.command),
      "```",
      "",
    );
  }

  push("### Targets", "", ...table(["target", "measured", "met"], queryTargets(results).map((t) => [t.target, t.measured, t.met ? "yes" : "**no**"])), "");

  push("### Plans", "");
  for (const e of results.explain) {
    push(`${e.label}, \`${e.user}\`${e.seqScan ? " — **sequential scan**" : ""}:`, "", "```", e.plan, "```", "");
  }
  const visible = results.allVisible;
  push(
    `Index-only scans skip the heap only for pages the visibility map marks all-visible: \`lobby_listing\` has ` +
      `${fmt(visible.allVisible)} of ${fmt(visible.pages)} pages all-visible (the seed ends with \`VACUUM (ANALYZE)\`; ` +
      "in production autovacuum keeps it so, and `Heap Fetches` in the plan shows what it costs when it lags).",
    "",
    "Sizes: " + results.storage.map((s) => `\`${s.relation}\` ${fmt(s.bytes / 2 ** 20, 1)} MB`).join(", ") + ".",
    "",
  );
  if (results.failures.length > 0) push(`**This run fails:** ${results.failures.join("; ")}.`, "");
  return out.join("\n");
}

/** One target of the listing query, as measured. */
export interface QueryTarget {
  readonly target: string;
  readonly measured: string;
  readonly met: boolean;
}

/**
 * The listing query's targets, judged from the results.
 *
 * @param results What `runQueryBench` (`bench/query.ts`) returned.
 * @returns One entry per target.
 */
export function queryTargets(results: QueryBenchResults): QueryTarget[] {
  const targets: QueryTarget[] = [];
  // Side by side over the network the ratio is within the machine's noise,
  // so the repository's own cost is also measured alone (in process): the
  // target holds when that cost is under 5% of the raw query's time for
  // every count, and the side-by-side ratios agree (their median ≥ 0.95).
  const sideBySide = summary(results.ratios.map((r) => r.repositoryToRaw.median));
  const shares = results.overhead.map((o) => {
    const raw = results.variants.find((v) => v.variant === "raw" && v.concurrency === 1 && v.memberships === o.memberships);
    return raw === undefined ? Number.NaN : (o.repositoryNs.median - o.directNs.median) / (median(raw.p50Ms) * 1e6);
  });
  const worstShare = Math.max(...shares);
  targets.push({
    target: "repository ≥ 0.95 × raw postgres.js (same SQL)",
    measured: `its own cost ≤ ${fmt(worstShare * 100, 2)} % of the raw query's p50 (every count); side by side, ` +
      `median of the rows' ratios ${fmt(sideBySide.median, 3)} (rows ${fmt(sideBySide.min, 3)}–${fmt(sideBySide.max, 3)})`,
    met: worstShare < 0.05 && sideBySide.median >= 0.95,
  });
  if (!("skipped" in results.pgbench)) {
    const random = results.pgbench.ratios["listing-random"];
    const before = results.pgbench.ratios["join-random"];
    if (random !== undefined && before !== undefined) {
      targets.push({
        target: "pgbench listing / `SELECT 1` ≥ 0.35 (a random typical user)",
        measured: `${fmt(random.median, 3)} (${fmt(random.min, 3)}–${fmt(random.max, 3)}); before: ${fmt(before.median, 3)}`,
        met: random.median >= 0.35,
      });
    }
  }
  const heavy = results.variants.find((v) => v.variant === "repository" && v.concurrency === 1 && v.memberships === 5000);
  if (heavy !== undefined) {
    const p50 = median(heavy.p50Ms);
    targets.push({
      target: "5,000 memberships: the query part of a full list, p50 (end to end ≤ 25 ms)",
      measured: `${fmt(p50, 1)} ms (repository, 1 in flight)`,
      met: p50 <= 25,
    });
  }
  targets.push({
    target: "no sequential scan for a typical user",
    measured: results.failures.length === 0 ? "index-only scan" : results.failures.join("; "),
    met: results.failures.length === 0,
  });
  return targets;
}

// ---------------------------------------------------------------------------
// The plot: latency against memberships per user, log–log.

/**
 * `bench/results/latency-by-memberships.svg`: p50 (solid) and p99 (dashed)
 * of the raw listing and the repository at 1 and 16 in flight, and `SELECT 1`
 * for reference, against memberships per user.
 *
 * @param results What `runQueryBench` (`bench/query.ts`) returned.
 * @returns The SVG document.
 */
export function renderLatencySvg(results: QueryBenchResults): string {
  const frame = { width: 720, height: 440, left: 70, right: 170, top: 40, bottom: 50 };
  const { width, height, left, right, top, bottom } = frame;
  const counts = [...new Set(results.variants.map((v) => v.memberships))].sort((a, b) => a - b);
  const all = results.variants.flatMap((v) => [median(v.p50Ms), median(v.p99Ms)]).filter((value) => value > 0);
  const yMin = 10 ** Math.floor(Math.log10(Math.min(...all)));
  const yMax = 10 ** Math.ceil(Math.log10(Math.max(...all)));
  const xMin = Math.log10(counts[0] ?? 1);
  const xMax = Math.log10(counts[counts.length - 1] ?? 10);
  const x = (count: number): string => (left + ((Math.log10(count) - xMin) / (xMax - xMin || 1)) * (width - left - right)).toFixed(1);
  const yOf = (ms: number): number =>
    top + (1 - (Math.log10(ms) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin))) * (height - top - bottom);
  const y = (ms: number): string => yOf(ms).toFixed(1);
  const parts = [el("text", { x: left, y: 22, "font-size": 14, "font-weight": "bold" }, "Listing latency against memberships per user (log–log)")];
  for (let decade = yMin; decade <= yMax; decade *= 10) {
    parts.push(
      el("line", { x1: left, x2: width - right, y1: y(decade), y2: y(decade), stroke: "#ddd" }),
      el("text", { x: left - 8, y: (yOf(decade) + 4).toFixed(1), "text-anchor": "end" }, `${decade >= 1 ? decade : decade.toPrecision(1)} ms`),
    );
  }
  for (const count of counts) {
    parts.push(
      el("line", { x1: x(count), x2: x(count), y1: top, y2: height - bottom, stroke: "#eee" }),
      el("text", { x: x(count), y: height - bottom + 18, "text-anchor": "middle" }, count.toLocaleString("en-US")),
    );
  }
  parts.push(
    el("text", { x: ((left + width - right) / 2).toFixed(0), y: height - 12, "text-anchor": "middle" }, "memberships per user"),
    el("line", { x1: left, x2: left, y1: top, y2: height - bottom, stroke: "#333" }),
    el("line", { x1: left, x2: width - right, y1: height - bottom, y2: height - bottom, stroke: "#333" }),
  );
  const palette: Record<QueryVariant, readonly [string, string]> = {
    select1: ["#999999", "#555555"],
    raw: ["#4c9be8", "#1f5fa8"],
    repository: ["#f0a04b", "#b25d00"],
  };
  let legend = top + 10;
  for (const variant of ["select1", "raw", "repository"] as const) {
    results.settings.concurrency.forEach((c, i) => {
      const color = palette[variant][Math.min(i, 1)] ?? "#000";
      const points = counts
        .map((count) => results.variants.find((v) => v.variant === variant && v.concurrency === c && v.memberships === count))
        .filter((v): v is VariantResult => v !== undefined);
      for (const [field, dash] of [["p50Ms", {}], ["p99Ms", { "stroke-dasharray": "5,4" }]] as const) {
        const d = points.map((v, j) => `${j === 0 ? "M" : "L"}${x(v.memberships)},${y(median(v[field]))}`).join(" ");
        parts.push(el("path", { d, fill: "none", stroke: color, "stroke-width": 2, ...dash }));
      }
      parts.push(
        el("line", { x1: width - right + 12, x2: width - right + 36, y1: legend, y2: legend, stroke: color, "stroke-width": 2 }),
        el("text", { x: width - right + 42, y: legend + 4 }, `${variant === "select1" ? "SELECT 1" : variant}, ${c} in flight`),
      );
      legend += 18;
    });
  }
  parts.push(el("text", { x: width - right + 12, y: legend + 10 }, "solid: p50, dashed: p99"));
  return svgDocument(frame, "white", parts);
}

