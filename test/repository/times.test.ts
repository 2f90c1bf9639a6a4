// Times that JSON cannot state as Postgres stores them: infinity and
// -infinity, BC years, years past 9999 and past the last instant a Date
// holds. parseTimestamptz against Postgres's own text; then, on both drivers
// (PGlite and a real server), the repository's rows and the handler's bodies
// in both dialects: 200, the documented rendering, Postgres's order, and the
// same bytes from both drivers.
import { PGlite } from "@electric-sql/pglite";
import postgres from "postgres";
import t from "tap";
import { secretKeys } from "../../lib/auth/keys.ts";
import { systemSuccess } from "../../lib/envelope/system.ts";
import { uptimerSuccess } from "../../lib/envelope/uptimer.ts";
import { createWorkspacesHandler } from "../../lib/handler/handler.ts";
import { parseTimestamptz } from "../../lib/repository/_timestamptz.ts";
import { pgliteRepository } from "../../lib/repository/pglite.ts";
import { postgresRepository } from "../../lib/repository/postgres.ts";
import type { WorkspaceRepository } from "../../lib/repository/repository.ts";
import { applySchema } from "../../lib/repository/schema.ts";
import type { WorkspaceMembership } from "../../lib/repository/workspace.ts";
import { testDatabase } from "../_postgres.ts";
import { signToken } from "../_tokens.ts";

/** The last instant a Date holds, in epoch milliseconds; the first is its negation. */
const LAST_MS = 8.64e15;
const DAY_MICROS = 86_400_000_000n;
const SECRET = "times-test-secret-of-more-than-32-bytes";
const NOW = 1709337600000;
const USER = "time-user";
const SYSTEM = "http://lobby.test/web/v1/system/workspaces/mine";
const UPTIMER = "http://lobby.test/api/v1/workspaces";

// ---------------------------------------------------------------------------
// parseTimestamptz.

t.test("parseTimestamptz reads the ISO DateStyle, BC years, LMT offsets and the infinities", async (t) => {
  const cases: readonly (readonly [string, number])[] = [
    ["2026-03-22 10:30:00+00", Date.parse("2026-03-22T10:30:00Z")],
    ["2026-03-22 16:00:00.999999+05:30", Date.parse("2026-03-22T10:30:00.999Z")],
    ["2026-03-22 03:30:00.5-07", Date.parse("2026-03-22T10:30:00.500Z")],
    ["1969-12-31 23:59:59.9999+00", -1],
    ["1800-01-01 00:17:30+00:17:30", Date.parse("1800-01-01T00:00:00Z")],
    ["1883-11-18 11:03:58-04:56:02", Date.parse("1883-11-18T16:00:00Z")],
    ["0001-01-01 00:00:00+00", Date.parse("0001-01-01T00:00:00Z")],
    ["0099-12-31 23:59:59+00", Date.parse("0099-12-31T23:59:59Z")],
    ["0001-01-01 00:00:00+00 BC", Date.parse("0000-01-01T00:00:00Z")],
    ["0044-03-15 12:00:00+00 BC", Date.parse("-000043-03-15T12:00:00Z")],
    ["4714-11-24 00:17:30+00:17:30 BC", Date.parse("-004713-11-24T00:00:00Z")],
    ["10000-01-01 00:00:00+00", Date.parse("+010000-01-01T00:00:00Z")],
    ["275760-09-13 00:00:00+00", LAST_MS],
    ["275760-09-13 00:00:00.001+00", LAST_MS],
    ["294276-12-31 23:59:59.999999+00", LAST_MS],
    ["294277-01-01 00:59:59.999999+01", LAST_MS],
    ["infinity", LAST_MS],
    ["-infinity", -LAST_MS],
  ];
  for (const [text, ms] of cases) t.equal(parseTimestamptz(text).getTime(), ms, text);
  // Other DateStyles are left to the engine's parser, as before.
  for (const text of ["03/22/2026 10:30:00 UTC", "Sun Mar 22 10:30:00 2026 UTC", "22.03.2026 10:30:00 UTC", "", "2026"]) {
    t.ok(Object.is(parseTimestamptz(text).getTime(), new Date(text).getTime()), JSON.stringify(text));
  }
});

t.test("parseTimestamptz gives the Date new Date(text) gave for every time that read right", async (t) => {
  // Years 100-9999 in the ISO DateStyle, offsets in hours and minutes (the
  // engine's parser makes offsets with seconds invalid), 0-6 fractional digits.
  let seed = 20260322;
  const next = () => (seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0) / 2 ** 32;
  const offsets = [0, 330, -420, 840, -765, 20, -297];
  const wrong: string[] = [];
  for (let i = 0; i < 20_000; i++) {
    // 0100-01-02 to 9999-12-31, so that no offset takes the local date out of years 100-9999.
    const ms = Math.floor(-59_011_372_800_000 + next() * (253_402_214_400_000 + 59_011_372_800_000));
    const text = postgresText(ms, Math.floor(next() * 1000), offsets[i % offsets.length]!);
    if (parseTimestamptz(text).getTime() !== new Date(text).getTime()) wrong.push(text);
  }
  t.strictSame(wrong, []);
});

/** A time as Postgres writes it in the ISO DateStyle at an offset in minutes. */
function postgresText(ms: number, extraMicros: number, offsetMinutes: number): string {
  const offsetSeconds = offsetMinutes * 60;
  const local = new Date(ms + offsetSeconds * 1000).toISOString();
  const micros = `${local.slice(20, 23)}${String(extraMicros).padStart(3, "0")}`.replace(/0+$/, "");
  const size = Math.abs(offsetSeconds);
  const parts = [Math.floor(size / 3600), Math.floor(size / 60) % 60];
  if (parts[1] === 0) parts.pop();
  const zone = `${offsetSeconds < 0 ? "-" : "+"}${parts.map((part) => String(part).padStart(2, "0")).join(":")}`;
  return `${local.slice(0, 10)} ${local.slice(11, 19)}${micros === "" ? "" : `.${micros}`}${zone}`;
}

// ---------------------------------------------------------------------------
// The drivers.

interface Driver {
  readonly name: string;
  /** Runs a SQL text as one message. */
  readonly run: (text: string) => Promise<unknown>;
  /** Runs one query with text parameters in a transaction whose time zone is `zone`, and returns its rows. */
  readonly rowsIn: (zone: string, text: string, params: readonly string[]) => Promise<readonly Record<string, unknown>[]>;
  /** A repository whose session has the time zone `zone`. */
  readonly repository: (zone: string) => Promise<WorkspaceRepository>;
}

const embedded = await PGlite.create();
t.teardown(() => embedded.close());
await applySchema((text) => embedded.exec(text));
const pglite: Driver = {
  name: "pglite",
  run: (text) => embedded.exec(text),
  rowsIn: (zone, text, params) =>
    embedded.transaction(async (tx) => {
      await tx.query("SELECT set_config('TimeZone', $1, true)", [zone]);
      return (await tx.query<Record<string, unknown>>(text, [...params])).rows;
    }),
  // PGlite has one session: its time zone changes for all that follows.
  repository: async (zone) => {
    await embedded.query("SELECT set_config('TimeZone', $1, false)", [zone]);
    return pgliteRepository(embedded);
  },
};

const server = await testDatabase(t);
if (server !== undefined) await applySchema((text) => server.sql.unsafe(text));
const serverDriver: Driver | undefined = server && {
  name: "postgres",
  run: (text) => server.sql.unsafe(text),
  rowsIn: (zone, text, params) =>
    server.sql.begin(async (tx) => {
      await tx.unsafe("SELECT set_config('TimeZone', $1, true)", [zone]);
      return Array.from(await tx.unsafe(text, [...params]));
    }),
  repository: (zone) => {
    const sql = postgres(server.url, { max: 2, onnotice: () => {}, connection: { TimeZone: zone } });
    t.teardown(() => sql.end({ timeout: 5 }));
    return Promise.resolve(postgresRepository(sql));
  },
};
const drivers: Driver[] = serverDriver === undefined ? [pglite] : [pglite, serverDriver];

t.test("parseTimestamptz reads what each driver's Postgres writes, in any session time zone", async (t) => {
  // Epoch microseconds from Postgres's first instant (4714-11-24 BC) to
  // past its last (294276 AD), with the ends themselves.
  const first = -210_866_803_200_000_000n;
  const last = 9_224_318_015_999_999_999n;
  let seed = 4714;
  const next = () => BigInt((seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0));
  const micros = [first, last, 0n, -1n, 8_640_000_000_000_000_000n, 8_639_999_999_999_999_999n];
  for (let i = 0; i < 2000; i++) micros.push(first + ((next() << 32n) | next()) % (last - first + 1n));
  const days = micros.map((us) => us / DAY_MICROS - (us % DAY_MICROS < 0n ? 1n : 0n));
  const expected = micros.map((us) => {
    const ms = Number(us / 1000n - (us % 1000n < 0n ? 1n : 0n));
    return Math.min(ms, LAST_MS);
  });
  for (const driver of drivers) {
    for (const zone of ["UTC", "Asia/Kolkata", "Europe/Amsterdam", "America/St_Johns", "Pacific/Kiritimati"]) {
      // Days and microseconds apart: an interval holds at most 2^63 microseconds.
      const rows = await driver.rowsIn(
        zone,
        `SELECT ((timestamp 'epoch' + (d || ' days')::interval + (u || ' microseconds')::interval)
          AT TIME ZONE 'UTC')::text AS text
        FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS g (d, u, n) ORDER BY n`,
        [`{${days.join(",")}}`, `{${micros.map((us, i) => us - days[i]! * DAY_MICROS).join(",")}}`],
      );
      const wrong = rows.filter((row, i) => parseTimestamptz(row.text as string).getTime() !== expected[i]);
      t.strictSame(wrong, [], `${driver.name}, ${zone}: ${rows.length} times`);
    }
  }
});

// ---------------------------------------------------------------------------
// Repository and handler, on both drivers.

// Workspaces with the times other systems may write, in listing order:
// bizId, created_at and updated_at as written, then as the system dialect
// writes them. ws_zz_beyond sorts before the infinities though it is written
// as infinity is: the listing keeps Postgres's order.
const TIMES: readonly (readonly [string, string, string, string, string])[] = [
  ["ws_since_ever", "-infinity", "2026-03-22 10:30:00+00", "-271821-04-20T00:00:00Z", "2026-03-22T10:30:00Z"],
  ["ws_first_day", "4714-11-24 00:00:00+00 BC", "0001-01-01 00:00:00.999+00", "-004713-11-24T00:00:00Z", "0001-01-01T00:00:00Z"],
  ["ws_ides", "0044-03-15 12:00:00+00 BC", "0001-01-01 00:00:00+00 BC", "-000043-03-15T12:00:00Z", "0000-01-01T00:00:00Z"],
  ["ws_year_one", "0001-01-01 00:00:00+00", "0099-12-31 23:59:59.999999+00", "0001-01-01T00:00:00Z", "0099-12-31T23:59:59Z"],
  ["ws_lmt", "1800-01-01 00:00:00+00", "1800-01-01 00:00:00+00", "1800-01-01T00:00:00Z", "1800-01-01T00:00:00Z"],
  ["ws_updated_forever", "2026-03-22 10:30:00+00", "infinity", "2026-03-22T10:30:00Z", "+275760-09-13T00:00:00Z"],
  ["ws_far", "10000-01-01 00:00:00+00", "275760-09-12 23:59:59.999+00", "+010000-01-01T00:00:00Z", "+275760-09-12T23:59:59Z"],
  ["ws_zz_beyond", "294276-12-31 23:59:59.999999+00", "275760-09-13 00:00:00.001+00", "+275760-09-13T00:00:00Z", "+275760-09-13T00:00:00Z"],
  ["ws_forever_a", "infinity", "-infinity", "+275760-09-13T00:00:00Z", "-271821-04-20T00:00:00Z"],
  ["ws_forever_b", "infinity", "infinity", "+275760-09-13T00:00:00Z", "+275760-09-13T00:00:00Z"],
];

/** TIMES written in reverse, and every workspace given to {@link USER}. */
const SEED_SQL = `INSERT INTO institutions (biz_id, name) VALUES ('INST_T', 'Times');
INSERT INTO workspaces (biz_id, institution_biz_id, name, created_at, updated_at) VALUES
${[...TIMES].reverse().map(([bizId, created, updated]) => `('${bizId}', 'INST_T', '${bizId}', '${created}', '${updated}')`).join(",\n")};
INSERT INTO workspace_members (user_id, workspace_id, role) SELECT '${USER}', id, 'member' FROM workspaces`;

/** The listing: bizId, createdAt and updatedAt as the system dialect writes them, in order. */
const LISTED = TIMES.map(([bizId, , , createdAt, updatedAt]) => [bizId, createdAt, updatedAt]);

/** Each driver's rows and bodies, compared across drivers at the end. */
const seen = new Map<string, { rows: readonly WorkspaceMembership[]; system: string; uptimer: string }>();

for (const driver of drivers) {
  t.test(`${driver.name}: timestamptz values JSON cannot state list with 200 in both dialects`, async (t) => {
    await driver.run("TRUNCATE workspace_members, workspaces, institutions RESTART IDENTITY CASCADE");
    await driver.run(SEED_SQL);
    const repository = await driver.repository("UTC");
    const rows = await repository.listForUser(USER);
    t.strictSame(rows.map((row) => row.bizId), LISTED.map(([bizId]) => bizId), "Postgres's order: createdAt, then bizId");
    for (const row of rows) {
      t.ok(!Number.isNaN(row.createdAt.getTime()) && !Number.isNaN(row.updatedAt.getTime()), `${row.bizId}: valid Dates`);
    }
    t.equal(rows[0]?.createdAt.getTime(), -LAST_MS, "-infinity is the first instant a Date holds");
    t.equal(rows.at(-1)?.createdAt.getTime(), LAST_MS, "infinity is the last");

    // The same rows whatever the session's time zone, local mean time included.
    for (const zone of ["Europe/Amsterdam", "America/St_Johns"]) {
      const zoned = await (await driver.repository(zone)).listForUser(USER);
      t.strictSame(zoned, rows, `session time zone ${zone}`);
    }
    if (driver === pglite) await driver.repository("UTC"); // its one session back to UTC

    const handler = createWorkspacesHandler({
      repository,
      auth: { keys: await secretKeys(SECRET) },
      now: () => NOW,
      log: () => {},
    });
    const token = await signToken({ secret: SECRET, payload: { sub: USER, exp: NOW / 1000 + 600, iat: NOW / 1000 - 10 } });
    const headers = { authorization: `Bearer ${token}` };

    const system = await handler(new Request(SYSTEM, { headers }));
    t.equal(system.status, 200, "system dialect: 200");
    const systemText = await system.text();
    const body = JSON.parse(systemText) as { success: boolean; data: { bizId: string; createdAt: string; updatedAt: string }[] };
    t.equal(body.success, true);
    t.strictSame(body.data.map((item) => [item.bizId, item.createdAt, item.updatedAt]), LISTED, "the documented rendering");
    t.equal(systemText, JSON.stringify(systemSuccess(rows, "en", NOW)), "the fast writer and the object builder agree");

    const uptimer = await handler(new Request(UPTIMER, { headers }));
    t.equal(uptimer.status, 200, "uptimer dialect: 200");
    const uptimerText = await uptimer.text();
    t.equal(uptimerText, JSON.stringify(uptimerSuccess(rows)));
    t.strictSame(JSON.parse(uptimerText).result.map((item: { id: string }) => item.id), LISTED.map(([bizId]) => bizId));

    seen.set(driver.name, { rows, system: systemText, uptimer: uptimerText });
  });
}

if (serverDriver !== undefined) {
  t.test("pglite and postgres give deep-equal rows and byte-identical bodies for these times", async (t) => {
    const [embeddedSeen, serverSeen] = [seen.get("pglite"), seen.get("postgres")];
    t.ok(embeddedSeen && serverSeen, "both drivers listed");
    if (embeddedSeen === undefined || serverSeen === undefined) return;
    t.strictSame(embeddedSeen.rows, serverSeen.rows, "rows");
    t.equal(embeddedSeen.system, serverSeen.system, "system body");
    t.equal(embeddedSeen.uptimer, serverSeen.uptimer, "uptimer body");
  });
}
