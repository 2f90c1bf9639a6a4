/**
 * The benchmark data set as the benchmarks know it: where it lives, its
 * shape, its benchmark users, and whether a database holds it.
 *
 * @module
 */
import postgres from "postgres";
import { envNumber, redact } from "./context.ts";

/** The database the benchmarks use when `DATABASE_URL` is not set. */
export const BENCH_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/lobby_bench";

/** `DATABASE_URL`, or {@link BENCH_DATABASE_URL}. */
export function databaseUrl(): string {
  return process.env.DATABASE_URL || BENCH_DATABASE_URL;
}

/** The membership counts the benchmarks measure, one user each. */
export const MEMBERSHIP_COUNTS = [1, 10, 100, 500, 5000] as const;

/** One of {@link MEMBERSHIP_COUNTS}. */
export type MembershipCount = (typeof MEMBERSHIP_COUNTS)[number];

/**
 * The benchmark users: each lists exactly as many workspaces as its key
 * (its memberships are all in workspaces that are not soft-deleted), spread
 * over the table like everyone else's.
 */
export const BENCH_USERS: Readonly<Record<MembershipCount, string>> = {
  1: "bench_user_1",
  10: "bench_user_10",
  100: "bench_user_100",
  500: "bench_user_500",
  5000: "bench_user_5000",
};

/**
 * The user whose name search the page benchmark measures: 10,000
 * memberships, written by the seed after the benchmark users (so theirs
 * stay as they were).
 */
export const SEARCH_USER = { id: "bench_user_10000", memberships: 10_000 } as const;

// `BENCH_SEED_SCALE` shrinks the data set for a quick check (the benchmark
// users keep their exact counts); every process of one run must see the same.
const SCALE = envNumber("BENCH_SEED_SCALE", 1);

/**
 * The data set's shape. Regular users' ids are the decimal strings
 * `firstUserId` … `firstUserId + users - 1`, so pgbench can pick a random
 * one (`\set uid random(…)`) and still run the listing's exact text.
 */
export const SEED_PROFILE: {
  readonly seed: number;
  readonly institutions: number;
  readonly workspaces: number;
  readonly users: number;
  readonly firstUserId: number;
  readonly deletedShare: number;
} = {
  seed: 20260322,
  institutions: Math.max(10, Math.round(1_000 * SCALE)),
  workspaces: Math.max(6_000, Math.round(200_000 * SCALE)),
  users: Math.max(1_000, Math.round(100_000 * SCALE)),
  firstUserId: 100_001,
  deletedShare: 0.03,
};

/** `count` regular users spread evenly over the id range: the users the rotating tokens speak for. */
export function benchUserIds(count = 1000): string[] {
  const stride = Math.floor(SEED_PROFILE.users / count);
  return Array.from({ length: count }, (_, i) => String(SEED_PROFILE.firstUserId + i * stride));
}

/** Whether the database holds the `npm run bench:seed` data, and why not. */
export async function checkSeeded(url: string): Promise<{ seeded: boolean; reason?: string }> {
  const sql = postgres(url, { max: 1, connect_timeout: 3, onnotice: () => {} });
  try {
    const [row] = await sql<{ n: number }[]>`
      SELECT count(*)::int4 AS n FROM workspace_members WHERE user_id = ${BENCH_USERS[5000]}`;
    if (row?.n !== 5000) return { seeded: false, reason: `${redact(url)} is not seeded: run npm run bench:seed` };
    return { seeded: true };
  } catch (error) {
    const code = (error as { code?: string }).code;
    const reason = code === "42P01" ? "has no lobby tables" : `cannot be reached (${code ?? String(error)})`;
    return { seeded: false, reason: `${redact(url)} ${reason}: run npm run bench:seed against a running Postgres` };
  } finally {
    await sql.end({ timeout: 1 });
  }
}

/** The server's version (`SHOW server_version`), or `unreachable`. */
export async function postgresVersion(url: string): Promise<string> {
  const sql = postgres(url, { max: 1, connect_timeout: 3, onnotice: () => {} });
  try {
    const [row] = await sql<{ server_version: string }[]>`SHOW server_version`;
    return row?.server_version ?? "unknown";
  } catch {
    return "unreachable";
  } finally {
    await sql.end({ timeout: 1 });
  }
}
