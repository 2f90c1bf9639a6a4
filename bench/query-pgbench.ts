/**
 * The listing under pgbench (`-M prepared -c 16`), when it is installed:
 * `SELECT 1`, the listing, and the plain join it replaced (before and
 * after on the same database), for a random regular user and for
 * `bench_user_10`, in turn each round. `bench/query.ts` runs it.
 *
 * @module
 */
import { execFile, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { LISTING_SQL } from "../lib/repository/_sql.ts";
import { BENCH_USERS, SEED_PROFILE } from "./_harness/dataset.ts";
import { machine } from "./_harness/machine.ts";
import { ratios, type Summary, summary } from "./_harness/stats.ts";
import type { PgbenchResult } from "./query-report.ts";

/**
 * The listing as it was before lobby's read model: the plain join of the
 * tables on their primary keys. Kept to measure before and after side by
 * side on the same database.
 */
export const JOIN_LISTING_SQL: string = `SELECT
  w.biz_id::text AS "bizId",
  w.institution_biz_id::text AS "institutionBizId",
  w.entity_biz_id::text AS "entityBizId",
  w.name::text AS "name",
  w.timezone::text AS "timezone",
  w.status::int4 AS "status",
  w.kind::int4 AS "kind",
  w.extra_data::text AS "extraData",
  w.created_at::timestamptz AS "createdAt",
  w.updated_at::timestamptz AS "updatedAt",
  m.role::text AS "role"
FROM workspace_members AS m
JOIN workspaces AS w ON w.id = m.workspace_id
WHERE m.user_id = $1
  AND w.deleted_at IS NULL
ORDER BY w.created_at, w.biz_id COLLATE "C"`;

const run = promisify(execFile);

/** pgbench's path: `configured` (`none` for none), else found on `PATH` or in `/usr/lib/postgresql/<version>/bin`. */
export function findPgbench(configured: string | undefined): string | undefined {
  if (configured === "none") return undefined;
  if (configured !== undefined && configured !== "") return configured;
  const onPath = spawnSync("sh", ["-c", "command -v pgbench"], { encoding: "utf8" }).stdout?.trim() ?? "";
  if (onPath !== "") return onPath;
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root) ? readdirSync(root).sort().reverse() : [];
  return versions.map((version) => `${root}/${version}/bin/pgbench`).find((candidate) => existsSync(candidate));
}

/** A listing text as a pgbench script: `$1` becomes the variable `:uid`, a random regular user unless `uid` is given. */
function script(text: string, uid: string | undefined): string {
  const last = SEED_PROFILE.firstUserId + SEED_PROFILE.users - 1;
  return `${uid === undefined ? `\\set uid random(${SEED_PROFILE.firstUserId}, ${last})\n` : ""}${text.replaceAll("$1", ":uid")};\n`;
}

/** Runs every script `rounds` times for `seconds` each, in turn, against the database at `url`. */
export async function runPgbench(path: string, url: string, seconds: number, rounds: number, log: (line: string) => void): Promise<PgbenchResult> {
  const target = new URL(url);
  const connection = ["-h", target.hostname || "127.0.0.1", "-p", target.port || "5432", "-U", decodeURIComponent(target.username || "postgres")];
  const database = decodeURIComponent(target.pathname.slice(1));
  const env = { ...process.env, ...(target.password !== "" ? { PGPASSWORD: decodeURIComponent(target.password) } : {}) };
  const options = { env, maxBuffer: 1 << 22, timeout: 120_000 };
  const version = (await run(path, ["--version"], options)).stdout.trim();
  const clients = 16;
  const threads = Math.min(clients, machine().nproc);
  const typical = BENCH_USERS[10];
  const scripts = [
    { name: "select1", description: "`SELECT 1`", text: "SELECT 1;\n" },
    { name: "listing-random", description: "listing (read model), a random regular user each time", text: script(LISTING_SQL, undefined) },
    { name: "join-random", description: "plain join (before), a random regular user each time", text: script(JOIN_LISTING_SQL, undefined) },
    { name: "listing-10", description: `listing (read model), always \`${typical}\``, text: script(LISTING_SQL, typical) },
    { name: "join-10", description: `plain join (before), always \`${typical}\``, text: script(JOIN_LISTING_SQL, typical) },
  ].map((s) => ({ ...s, tps: [] as number[], latencyMs: [] as number[], command: "" }));
  const directory = mkdtempSync(join(tmpdir(), "lobby-pgbench-"));
  try {
    for (const s of scripts) writeFileSync(join(directory, `${s.name}.sql`), s.text);
    for (let round = 1; round <= rounds; round++) {
      for (const s of scripts) {
        const defines = s.name.endsWith("-10") ? ["-D", `uid=${typical}`] : [];
        const args = ["-n", "-M", "prepared", "-c", String(clients), "-j", String(threads), "-T", String(seconds), ...defines, "-f", join(directory, `${s.name}.sql`)];
        s.command = `pgbench ${args.join(" ").replace(directory, "<tmp>")} <connection> ${database}`;
        const { stdout } = await run(path, [...args, ...connection, database], options);
        const tps = Number(/^tps = ([0-9.]+)/m.exec(stdout)?.[1]);
        if (!Number.isFinite(tps)) throw new Error(`Cannot read pgbench's output for ${s.name}:\n${stdout}`);
        s.tps.push(tps);
        s.latencyMs.push(Number(/^latency average = ([0-9.]+) ms/m.exec(stdout)?.[1]));
        log(`  pgbench round ${round} ${s.name}: ${tps.toFixed(0)} tps`);
      }
    }
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
  const perScript: Record<string, Summary> = {};
  for (const s of scripts.slice(1)) perScript[s.name] = summary(ratios(s.tps, scripts[0]!.tps));
  return {
    version,
    clients,
    threads,
    seconds,
    scripts: scripts.map(({ name, description, tps, latencyMs, command }) => ({ name, description, tps, latencyMs, command })),
    ratios: perScript,
  };
}
