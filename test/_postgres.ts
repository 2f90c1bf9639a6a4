/**
 * A throwaway Postgres database per caller, for tests that need a real
 * server.
 *
 * The server is `TEST_DATABASE_URL` (default
 * `postgres://postgres@127.0.0.1:5432/test`); its role must be allowed to
 * create databases. When it cannot be reached, the calling test is skipped
 * with the reason, except under CI (`CI` set), where it fails: CI must
 * never pass by skipping.
 *
 * @module
 */
import postgres from "postgres";
import type { Test } from "tap";

/** The default of `TEST_DATABASE_URL`: a local server, user postgres with trust auth, database test. */
const DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/test";

/**
 * A fresh, empty database: no schema, no rows.
 *
 * @example
 * ```ts
 * import type { TestDatabase } from "./_postgres.ts";
 * const env = (db: TestDatabase) => ({ DATABASE_URL: db.url });
 * ```
 */
export interface TestDatabase {
  /** Its connection URL, for a server or client started by the test. */
  readonly url: string;
  /** A postgres.js client on it, ended at teardown. */
  readonly sql: postgres.Sql;
}

/**
 * Creates a database named `lobby_test_<random>` on the test server and
 * drops it (and ends the client) when `t` ends. Call it again for another
 * one.
 *
 * @param t The test that owns the database: its teardown drops it, and it
 *   records the skip (or, under CI, the failure) when the server is down.
 * @returns The database, or `undefined` when the server cannot be reached;
 *   then return from the test: the skip or failure is already recorded.
 *
 * @example
 * ```ts
 * import t from "tap";
 * import { testDatabase } from "./_postgres.ts";
 * t.test("needs Postgres", async (t) => {
 *   const db = await testDatabase(t);
 *   if (db === undefined) return;
 *   t.same(await db.sql`SELECT 1 AS one`, [{ one: 1 }]);
 * });
 * ```
 */
export async function testDatabase(t: Test): Promise<TestDatabase | undefined> {
  const serverUrl = process.env.TEST_DATABASE_URL || DEFAULT_URL;
  const admin = postgres(serverUrl, { max: 1, connect_timeout: 5, onnotice: () => {} });
  const name = `lobby_test_${crypto.randomUUID().replaceAll("-", "")}`;
  try {
    await admin`CREATE DATABASE ${admin(name)}`;
  } catch (error) {
    await admin.end({ timeout: 0 });
    const reason = `Postgres at ${redact(serverUrl)} is unreachable (${describe(error)}); ` +
      "start it or set TEST_DATABASE_URL";
    if (process.env.CI) t.fail(`${reason}. CI is set, so this fails instead of skipping.`);
    else t.skip(reason, () => {});
    return undefined;
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const sql = postgres(url.href, { max: 4, onnotice: () => {} });
  t.teardown(async () => {
    await sql.end({ timeout: 5 });
    await admin`DROP DATABASE IF EXISTS ${admin(name)} WITH (FORCE)`;
    await admin.end({ timeout: 5 });
  });
  return { url: url.href, sql };
}

/** The URL without its password, for messages. */
function redact(serverUrl: string): string {
  try {
    const url = new URL(serverUrl);
    if (url.password !== "") url.password = "***";
    return url.href;
  } catch {
    return "TEST_DATABASE_URL (not a URL)";
  }
}

/** An error's code when it has one (ECONNREFUSED, 28P01…), else its text. */
function describe(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : String(error);
}
