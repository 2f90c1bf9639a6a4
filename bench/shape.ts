/**
 * Rows shaped by Postgres: the listing read three ways and made into the
 * system dialect's body, on postgres.js (the seeded database) and on
 * PGlite (the same users' rows copied in), for users with 10, 100, 500 and
 * 5,000 memberships, one call at a time, the variants alternated round by
 * round:
 *
 * - **rows**: `LISTING_SQL`, rows of typed columns (times parsed into
 *   `Date`s), the body written by `systemSuccessJson` (lobby before this);
 * - **columns**: the columns the envelope needs already formatted by
 *   Postgres (times as the API's text, enum values as integers, extra data
 *   as stored), the body written around them in JavaScript;
 * - **items**: `ITEMS_SQL.system`, each item's JSON as one column (and the
 *   version in the same statement), joined with commas (what lobby keeps):
 *   the JSON `lobby_listing` keeps for each row, written by a trigger when
 *   the row is, around the status and kind objects of the answer's
 *   language, read from one covering index.
 *
 * Every variant's body is checked against the first's, and each driver's
 * against the other's, before anything is timed. Writes
 * `bench/results/<date>-shape.json`; `renderShapeReport` makes the
 * report's section. Run alone: `npm run bench:shape`.
 *
 * @module
 */
import { PGlite } from "@electric-sql/pglite";
import postgres from "postgres";
import { listingItemFormat, systemSuccessJson, systemSuccessJsonOfItems } from "../lib/envelope/mod.ts";
import { parseTimestamptz } from "../lib/repository/_timestamptz.ts";
import { ITEMS_SQL, itemsParameters, LISTING_SQL } from "../lib/repository/_sql.ts";
import { applySchema } from "../lib/repository/schema.ts";
import type { WorkspaceMembership } from "../lib/repository/workspace.ts";
import { envNumber, isMain, log, resultDate, writeOutput } from "./_harness/context.ts";
import { BENCH_USERS, checkSeeded, databaseUrl } from "./_harness/dataset.ts";
import { loadAverage } from "./_harness/machine.ts";
import { fmt, range, table } from "./_harness/markdown.ts";
import { percentile, ratios, summary, type Summary } from "./_harness/stats.ts";

/** The counts measured. */
const COUNTS = [10, 100, 500, 5000] as const;
const VARIANTS = ["rows", "columns", "items"] as const;
type Variant = (typeof VARIANTS)[number];

/** A variant's times at one count on one driver: per round, the median of its calls; in ms. */
export interface ShapeCell {
  readonly driver: "postgres.js" | "pglite";
  readonly memberships: number;
  readonly variant: Variant;
  readonly p50: Summary;
  readonly p90: Summary;
  /** items / rows and items / columns, per round. */
  readonly perRound: readonly number[];
}

/** What {@link runShapeBench} measured. */
export interface ShapeBenchResult {
  readonly date: string;
  readonly rounds: number;
  readonly callsPerRound: number;
  readonly loadAverage: { readonly start: readonly number[]; readonly end: readonly number[] };
  readonly cells: readonly ShapeCell[];
  readonly identical: boolean;
  readonly skipped?: string;
}

// The columns variant: the envelope's fields formatted by Postgres. The
// times use to_char alone (the seeded times are all years 1-9999; lobby's
// ITEMS_SQL also writes the infinities, BC years and years past 9999).
const TIME = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`;
const COLUMNS_PART = (oversized: string) => `SELECT l.biz_id AS "bizId", l.institution_biz_id AS "institutionBizId",
  l.entity_biz_id AS "entityBizId", l.name AS "name", l.timezone AS "timezone", l.status::int4 AS "status", l.kind::int4 AS "kind",
  l.extra_data AS "extraData", ${TIME("l.created_at")} AS "createdText", ${TIME("l.updated_at")} AS "updatedText",
  l.created_at AS "createdAt"
FROM lobby_listing AS l WHERE l.user_id = $1 AND ${oversized}`;
const COLUMNS_SQL = `SELECT x."bizId", x."institutionBizId", x."entityBizId", x."name", x."timezone", x."status", x."kind", x."extraData",
  x."createdText", x."updatedText"
FROM (${COLUMNS_PART("NOT l.oversized")} UNION ALL ${COLUMNS_PART("l.oversized")}) AS x
ORDER BY x."createdAt", x."bizId" COLLATE "C"`;

type ColumnRow = readonly [string, string, string | null, string, string, number, number, string | null, string, string];

/** The body from formatted columns, as a careful JavaScript writer makes it. */
function bodyOfColumns(rows: readonly ColumnRow[], status: ReadonlyMap<number, string>, kind: ReadonlyMap<number, string>): string {
  const string = JSON.stringify;
  let data = "";
  for (let i = 0; i < rows.length; i++) {
    const [bizId, institution, entity, name, timezone, s, k, extra, created, updated] = rows[i]!;
    data += `${i === 0 ? "" : ","}{"bizId":${string(bizId)},"institutionBizId":${string(institution)},"entityBizId":${entity === null ? "null" : string(entity)},` +
      `"workspaceName":${string(name)},"workspaceTimezone":${string(timezone)},"workspaceStatus":${status.get(s) ?? "null"},"workspaceKind":${kind.get(k) ?? "null"},` +
      `"extraData":${extra === null ? "null" : string(extra)},"createdAt":"${created}","updatedAt":"${updated}"}`;
  }
  return systemSuccessJsonOfItems(data, "en", 0);
}

/** One driver: a query returning rows as objects or as arrays. */
interface Driver {
  readonly name: "postgres.js" | "pglite";
  objects<T>(text: string, parameters: readonly unknown[]): Promise<readonly T[]>;
  arrays<T>(text: string, parameters: readonly unknown[]): Promise<readonly T[]>;
}

/**
 * Runs the comparison (see the module documentation).
 *
 * @example
 * ```ts
 * import { runShapeBench } from "./shape.ts";
 * const result = await runShapeBench({ databaseUrl: "postgres://postgres@127.0.0.1:5432/lobby_bench", rounds: 2 });
 * ```
 */
export async function runShapeBench(options: { databaseUrl: string; rounds?: number; calls?: number; log?: (line: string) => void }): Promise<ShapeBenchResult> {
  const { databaseUrl: url, rounds = 6, calls = 20, log: say = () => {} } = options;
  const start = loadAverage();
  const date = resultDate();
  const seeded = await checkSeeded(url);
  if (!seeded.seeded) return { date, rounds, callsPerRound: calls, loadAverage: { start, end: loadAverage() }, cells: [], identical: false, skipped: seeded.reason ?? "not seeded" };
  const users = COUNTS.map((count) => BENCH_USERS[count as keyof typeof BENCH_USERS]);
  const sql = postgres(url, { max: 2, onnotice: () => {} });
  sql.options.parsers[1184] = parseTimestamptz;
  const db = await PGlite.create();
  try {
    // The benchmark users' rows, copied into PGlite through lobby's own schema and triggers.
    await applySchema((text) => db.exec(text));
    const workspaces = await sql.unsafe(`SELECT DISTINCT w.id::int8::text AS id, w.biz_id, w.institution_biz_id, w.entity_biz_id, w.name, w.timezone,
      w.status, w.kind, w.extra_data, w.created_at::text AS created_at, w.updated_at::text AS updated_at
      FROM workspace_members AS m JOIN workspaces AS w ON w.id = m.workspace_id WHERE m.user_id = ANY($1::text[])`, [`{${users.join(",")}}`]);
    const memberships = await sql.unsafe(`SELECT user_id, workspace_id::int8::text AS workspace_id, role FROM workspace_members WHERE user_id = ANY($1::text[])`, [`{${users.join(",")}}`]);
    await db.query(`INSERT INTO institutions (biz_id, name) SELECT DISTINCT institution_biz_id, institution_biz_id
      FROM json_to_recordset($1::json) AS x (institution_biz_id text)`, [JSON.stringify(workspaces)]);
    await db.query(`INSERT INTO workspaces (id, biz_id, institution_biz_id, entity_biz_id, name, timezone, status, kind, extra_data, created_at, updated_at)
      SELECT id::int8, biz_id, institution_biz_id, entity_biz_id, name, timezone, status, kind, extra_data, created_at::timestamptz, updated_at::timestamptz
      FROM json_to_recordset($1::json) AS x (id text, biz_id text, institution_biz_id text, entity_biz_id text, name text, timezone text,
        status int, kind int, extra_data text, created_at text, updated_at text)`, [JSON.stringify(workspaces)]);
    await db.query(`INSERT INTO workspace_members (user_id, workspace_id, role)
      SELECT user_id, workspace_id::int8, role FROM json_to_recordset($1::json) AS x (user_id text, workspace_id text, role text)`, [JSON.stringify(memberships)]);
    const pgliteParsers = { 23: (value: string) => +value, 1184: parseTimestamptz };
    const drivers: Driver[] = [
      {
        name: "postgres.js",
        objects: async (text, parameters) => Array.from(await sql.unsafe(text, parameters as string[], { prepare: true })) as never,
        arrays: async (text, parameters) => (await sql.unsafe(text, parameters as string[], { prepare: true }).values()) as never,
      },
      {
        name: "pglite",
        objects: async (text, parameters) => (await db.query(text, parameters as unknown[], { parsers: pgliteParsers })).rows as never,
        arrays: async (text, parameters) => (await db.query(text, parameters as unknown[], { rowMode: "array", parsers: pgliteParsers })).rows as never,
      },
    ];
    const format = listingItemFormat("system", "en");
    const status = new Map(format.dialect === "system" ? [[10010701, format.status.ACTIVE], [10010702, format.status.SUSPENDED], [10010703, format.status.ARCHIVED]] : []);
    const kind = new Map(format.dialect === "system" ? [[10010801, format.kind.LIVE], [10010802, format.kind.SANDBOX]] : []);
    const bodies: Record<Variant, (driver: Driver, user: string) => Promise<string>> = {
      rows: async (driver, user) => systemSuccessJson(await driver.objects<WorkspaceMembership>(LISTING_SQL, [user]), "en", 0),
      columns: async (driver, user) => bodyOfColumns(await driver.arrays<ColumnRow>(COLUMNS_SQL, [user]), status, kind),
      items: async (driver, user) => {
        const rows = await driver.arrays<[string]>(ITEMS_SQL.system, itemsParameters(user, format));
        const items = new Array<string>(rows.length - 1);
        for (let i = 1; i < rows.length; i++) items[i - 1] = rows[i]![0];
        return systemSuccessJsonOfItems(items.join(","), "en", 0);
      },
    };
    // The same bytes from every variant and both drivers.
    let identical = true;
    for (const user of users) {
      const reference = await bodies.rows(drivers[0]!, user);
      for (const driver of drivers) {
        for (const variant of VARIANTS) {
          if ((await bodies[variant](driver, user)) !== reference) {
            identical = false;
            say(`  ${driver.name} ${variant} ${user}: a different body`);
          }
        }
      }
    }
    const times = new Map<string, number[]>();
    for (let round = 0; round < rounds; round++) {
      for (const driver of drivers) {
        for (const [c, user] of users.entries()) {
          const order = VARIANTS.map((_, i) => VARIANTS[(i + round) % VARIANTS.length]!);
          for (const variant of order) {
            const took: number[] = [];
            const n = COUNTS[c]! >= 5000 ? Math.max(3, Math.round(calls / 4)) : calls;
            for (let i = 0; i < n; i++) {
              const began = performance.now();
              await bodies[variant](driver, user);
              took.push(performance.now() - began);
            }
            took.sort((a, b) => a - b);
            const key = `${driver.name} ${COUNTS[c]} ${variant}`;
            times.set(`${key} p50`, [...(times.get(`${key} p50`) ?? []), percentile(took, 0.5)]);
            times.set(`${key} p90`, [...(times.get(`${key} p90`) ?? []), percentile(took, 0.9)]);
          }
        }
      }
      say(`  round ${round + 1} of ${rounds}`);
    }
    const cells: ShapeCell[] = [];
    for (const driver of drivers) {
      for (const count of COUNTS) {
        const p50 = (variant: Variant) => times.get(`${driver.name} ${count} ${variant} p50`)!;
        for (const variant of VARIANTS) {
          cells.push({
            driver: driver.name,
            memberships: count,
            variant,
            p50: summary(p50(variant), 3),
            p90: summary(times.get(`${driver.name} ${count} ${variant} p90`)!, 3),
            perRound: variant === "items" ? ratios(p50("items"), p50("rows")) : variant === "columns" ? ratios(p50("columns"), p50("rows")) : [],
          });
        }
      }
    }
    return { date, rounds, callsPerRound: calls, loadAverage: { start, end: loadAverage() }, cells, identical };
  } finally {
    await db.close();
    await sql.end({ timeout: 5 });
  }
}

/**
 * The report's section on row shaping.
 *
 * @example
 * ```ts
 * import { renderShapeReport } from "./shape.ts";
 * // renderShapeReport(JSON.parse(readFileSync("bench/results/2026-11-30-shape.json", "utf8")));
 * ```
 */
export function renderShapeReport(result: ShapeBenchResult): string {
  const lines = ["## Rows shaped by Postgres", ""];
  if (result.skipped !== undefined) return [...lines, `Not measured in this run: ${result.skipped}.`, ""].join("\n");
  const cell = (driver: string, count: number, variant: Variant) => result.cells.find((c) => c.driver === driver && c.memberships === count && c.variant === variant)!;
  lines.push(
    `Measured ${result.date} by \`npm run bench:shape\` (\`bench/shape.ts\`): one call at a time from Node, the listing read and made into the system ` +
      `dialect's body; ${result.rounds} rounds of ${result.callsPerRound} calls per variant (a quarter of that at 5,000), the variants' order rotated ` +
      `each round. Milliseconds per call: median over the rounds of each round's median (range); the ratio is per round against **rows**. ` +
      `Load average ${result.loadAverage.start.join(" / ")} at the start, ${result.loadAverage.end.join(" / ")} at the end. ` +
      `Every variant wrote ${result.identical ? "the same bytes on both drivers" : "**different bytes** (see the log)"}.`,
    "",
    "- **rows**: `LISTING_SQL`, typed columns (times parsed into `Date`s), the body written by `systemSuccessJson` (lobby before);",
    "- **columns**: the fields formatted by Postgres (times as the API's text, enum values as integers, extra data as stored), the body written around them;",
    "- **items**: `ITEMS_SQL.system`, each item's JSON text as one column, joined (what lobby keeps): the JSON " +
      "`lobby_listing` keeps for each row, written by a trigger when the row is, around the status and kind of the " +
      "answer's language, read from one covering index.",
    "",
    ...table(
      ["driver", "memberships", "rows ms", "columns ms", "items ms", "columns / rows", "items / rows"],
      result.cells.filter((c) => c.variant === "rows").map((c) => {
        const columns = cell(c.driver, c.memberships, "columns");
        const items = cell(c.driver, c.memberships, "items");
        const ratio = (s: readonly number[]) => range(summary(s, 3), (v) => `${fmt(v, 2)}×`);
        return [c.driver, fmt(c.memberships), range(c.p50, (v) => fmt(v, 2)), range(columns.p50, (v) => fmt(v, 2)), range(items.p50, (v) => fmt(v, 2)),
          ratio(columns.perRound), ratio(items.perRound)];
      }),
      [1, 2, 3, 4],
    ),
    "",
  );
  return lines.join("\n");
}

if (isMain(import.meta, "shape")) {
  const result = await runShapeBench({ databaseUrl: databaseUrl(), rounds: envNumber("SHAPE_ROUNDS", 6), calls: envNumber("SHAPE_CALLS", 20), log });
  log(`wrote ${writeOutput(`bench/results/${result.date}-shape.json`, `${JSON.stringify(result, null, 2)}\n`)}`);
  log(renderShapeReport(result));
}
