// Pages, filters, name prefixes and counts (`listPage`), on both drivers
// (PGlite and a real Postgres server), against SQL the test writes itself
// over the shared tables (a join of workspace_members and workspaces, not
// lobby's read model): paging with every limit from 1 to 500 lists each
// item once, in order; writes between pages neither repeat nor skip an
// item beyond the one written; every filter, alone and combined, lists what
// the independent SQL selects; positions a repository never made are
// refused.
import t, { type Test } from "tap";
import { listingItemFormat } from "../../lib/envelope/mod.ts";
import { type ListingPage, type ListingQuery, ListingQueryError } from "../../lib/repository/repository.ts";
import { RESET_SQL } from "./fixtures/expected.ts";
import { type VersionedDriver, versionedDrivers } from "./fixtures/versioned_drivers.ts";

const drivers = await versionedDrivers(t);
const USER = "pager";
const OTHER = "someone-else";
const UPTIMER = listingItemFormat("uptimer", "en");
const SYSTEM = listingItemFormat("system", "ja");

const STATUSES = [10010701, 10010702, 10010703, 42] as const;
const KINDS = [10010801, 10010802, 7] as const;
const NAMES = ["Alpha", "alpine", "ALPS", "Beta", "beta max", "Éclair", "éclat", "Zeta", "zèta", "100% Real", "a_b", "a%b"];

/**
 * 1,000 memberships of USER over 1,100 workspaces: created times with many
 * ties (so the business id decides), infinities, roles, statuses and kinds
 * known and unknown, names that differ in case and in accents, and 100
 * soft-deleted workspaces that are never listed. OTHER is a member of
 * every tenth, so that no page of USER's ever shows theirs.
 */
function dataSql(): string {
  const rows: string[] = [];
  for (let i = 0; i < 1100; i++) {
    const created = i === 3 ? "'-infinity'" : i === 4 ? "'infinity'" : `timestamptz '2024-01-01 00:00:00+00' + interval '${Math.floor(i / 7)} minutes'`;
    const status = STATUSES[i % STATUSES.length];
    const kind = KINDS[(i >> 2) % KINDS.length];
    const name = `${NAMES[i % NAMES.length]} ${i}`.replaceAll("'", "''");
    // Business ids out of creation order, so that ties are broken by them.
    const biz = `ws_${String((i * 7919) % 1100).padStart(4, "0")}`;
    const deleted = i % 11 === 10 ? "now()" : "NULL";
    rows.push(`(${i + 1}, '${biz}', 'INST', '${name}', ${status}, ${kind}, ${created}, ${deleted})`);
  }
  return `INSERT INTO institutions (biz_id, name) VALUES ('INST', 'Institution');
INSERT INTO workspaces (id, biz_id, institution_biz_id, name, status, kind, created_at, deleted_at) VALUES ${rows.join(",\n")};
INSERT INTO workspace_members (user_id, workspace_id, role)
  SELECT '${USER}', id, CASE WHEN id % 3 = 0 THEN 'owner' ELSE 'member' END FROM workspaces;
INSERT INTO workspace_members (user_id, workspace_id, role)
  SELECT '${OTHER}', id, 'owner' FROM workspaces WHERE id % 10 = 0;`;
}

async function reset(driver: VersionedDriver): Promise<void> {
  await driver.run(RESET_SQL);
  await driver.run(dataSql());
}

/** The business ids the test's own SQL lists for USER under `where`, in listing order. */
async function expected(driver: VersionedDriver, where = "true"): Promise<string[]> {
  const rows = await driver.rows(`SELECT w.biz_id AS id FROM workspace_members AS m JOIN workspaces AS w ON w.id = m.workspace_id
    WHERE m.user_id = '${USER}' AND w.deleted_at IS NULL AND (${where})
    ORDER BY w.created_at, w.biz_id COLLATE "C"`);
  return rows.map((row) => row.id as string);
}

const ids = (page: ListingPage): string[] => page.items.map((item) => (JSON.parse(item) as { id: string }).id);

/** Every page of a query, following `next`, as one list of ids; fails on a page larger than its limit. */
async function everyPage(t: Test, driver: VersionedDriver, query: ListingQuery, between?: (page: number) => Promise<void>): Promise<string[]> {
  const repository = driver.repository();
  const all: string[] = [];
  let after: string | undefined;
  for (let page = 0; page < 5000; page++) {
    const listed = await repository.listPage!(USER, UPTIMER, after === undefined ? query : { ...query, after });
    if (query.limit !== undefined && listed.items.length > query.limit) t.fail(`a page of ${listed.items.length} items for a limit of ${query.limit}`);
    all.push(...ids(listed));
    if (listed.next === undefined) return all;
    if (listed.items.length === 0) t.fail("an empty page that says more follow");
    after = listed.next;
    await between?.(page);
  }
  throw new Error("more than 5,000 pages");
}

for (const driver of drivers) {
  t.test(`${driver.name}: without a query, listPage is listItems`, async (t) => {
    await reset(driver);
    const repository = driver.repository();
    for (const format of [UPTIMER, SYSTEM]) {
      const whole = await repository.listItems!(USER, format);
      const page = await repository.listPage!(USER, format, {});
      t.strictSame(page, { version: whole.version, items: whole.items }, `${format.dialect}: the same items and version, no next, no total`);
    }
    t.equal((await expected(driver)).length, 1000, "the data set lists 1,000 workspaces");
  });

  t.test(`${driver.name}: paging with every limit from 1 to 500, with writes between pages, lists every item once, in order`, async (t) => {
    await reset(driver);
    const before = await expected(driver);
    let mismatched = 0;
    for (let limit = 1; limit <= 500; limit++) {
      // After the first page: a workspace that sorts before the cursor (the
      // very first: -infinity, then the least business id), one after it, and
      // one of the items ahead removed; all undone after this limit.
      const removed = before[Math.min(2 * limit + 3, 990)]!;
      const paged = await everyPage(t, driver, { limit }, async (page) => {
        if (page !== 0) return;
        await driver.run(`INSERT INTO workspaces (id, biz_id, institution_biz_id, name, created_at) VALUES
            (5001, 'a_added_early', 'INST', 'Early', '-infinity'),
            (5002, 'ws_added_late', 'INST', 'Late', '2030-01-01 00:00:00+00');
          INSERT INTO workspace_members (user_id, workspace_id, role) VALUES ('${USER}', 5001, 'owner'), ('${USER}', 5002, 'owner');
          DELETE FROM workspace_members WHERE user_id = '${USER}' AND workspace_id = (SELECT id FROM workspaces WHERE biz_id = '${removed}');`);
      });
      const after = await expected(driver);
      const want = after.filter((id) => id !== "a_added_early");
      if (JSON.stringify(paged) !== JSON.stringify(want) || after[0] !== "a_added_early" || after.includes(removed)) {
        mismatched++;
        t.strictSame(paged, want, `limit ${limit}: each item once, in order; the early one not, the late one yes, the removed one not`);
      }
      await driver.run(`DELETE FROM workspaces WHERE id IN (5001, 5002);
        INSERT INTO workspace_members (user_id, workspace_id, role)
          SELECT '${USER}', id, CASE WHEN id % 3 = 0 THEN 'owner' ELSE 'member' END FROM workspaces WHERE biz_id = '${removed}';`);
    }
    t.equal(mismatched, 0, "no limit lists another sequence than the listing as the writes left it");
    t.strictSame(await expected(driver), before, "the writes were undone");
    // The system dialect's pages are the same workspaces.
    const repository = driver.repository();
    const first = await repository.listPage!(USER, SYSTEM, { limit: 25 });
    t.strictSame(first.items.map((item) => (JSON.parse(item) as { bizId: string }).bizId), before.slice(0, 25), "system dialect");
    const second = await repository.listPage!(USER, SYSTEM, { limit: 25, after: first.next! });
    t.strictSame(second.items.map((item) => (JSON.parse(item) as { bizId: string }).bizId), before.slice(25, 50), "system dialect, second page");
  });

  t.test(`${driver.name}: a workspace added before the cursor does not appear, one after it does, one removed leaves no other gap`, async (t) => {
    await reset(driver);
    const before = await expected(driver);
    const removed = before[500]!;
    const paged = await everyPage(t, driver, { limit: 37 }, async (page) => {
      if (page !== 3) return;
      // Before the cursor (148 items in): an older workspace; after it: a newer one; and one ahead removed.
      await driver.run(`INSERT INTO workspaces (id, biz_id, institution_biz_id, name, created_at) VALUES
          (5001, 'ws_added_early', 'INST', 'Early', '2024-01-01 00:00:00+00'),
          (5002, 'ws_added_late', 'INST', 'Late', '2030-01-01 00:00:00+00');
        INSERT INTO workspace_members (user_id, workspace_id, role) VALUES ('${USER}', 5001, 'owner'), ('${USER}', 5002, 'owner');
        DELETE FROM workspace_members WHERE user_id = '${USER}'
          AND workspace_id = (SELECT id FROM workspaces WHERE biz_id = '${removed}');`);
    });
    t.equal(new Set(paged).size, paged.length, "no item twice");
    t.notOk(paged.includes("ws_added_early"), "a workspace added before the cursor does not appear");
    t.ok(paged.includes("ws_added_late"), "a workspace added after the cursor appears");
    t.notOk(paged.includes(removed), "the removed workspace does not appear");
    const after = await expected(driver);
    t.ok(after.indexOf("ws_added_early") < 148, "the early one is before the cursor");
    t.strictSame(paged, after.filter((id) => id !== "ws_added_early"), "everything else, in order");
  });

  t.test(`${driver.name}: filters, name prefixes and counts select what the shared tables say`, async (t) => {
    await reset(driver);
    const unknownStatus = "(w.status IS NULL OR w.status NOT IN (10010701, 10010702, 10010703))";
    const unknownKind = "(w.kind IS NULL OR w.kind NOT IN (10010801, 10010802))";
    const cases: [string, ListingQuery, string][] = [
      ["owners", { roles: ["owner"] }, "m.role = 'owner'"],
      ["both roles", { roles: ["owner", "member"] }, "true"],
      ["active", { statuses: ["ACTIVE"] }, "w.status = 10010701"],
      ["suspended or archived", { statuses: ["SUSPENDED", "ARCHIVED"] }, "w.status IN (10010702, 10010703)"],
      ["unknown status", { statuses: ["UNKNOWN"] }, unknownStatus],
      ["active or unknown", { statuses: ["ACTIVE", "UNKNOWN"] }, `(w.status = 10010701 OR ${unknownStatus})`],
      ["live", { kinds: ["LIVE"] }, "w.kind = 10010801"],
      ["sandbox or unknown", { kinds: ["SANDBOX", "UNKNOWN"] }, `(w.kind = 10010802 OR ${unknownKind})`],
      ["prefix alp, any case", { nameStartsWith: "alp" }, "starts_with(lower(w.name), 'alp')"],
      ["prefix ALP", { nameStartsWith: "ALP" }, "starts_with(lower(w.name), lower('ALP'))"],
      ["prefix with a space", { nameStartsWith: "beta m" }, "starts_with(lower(w.name), 'beta m')"],
      ["prefix with LIKE's wildcards", { nameStartsWith: "a%" }, "starts_with(lower(w.name), 'a%')"],
      ["prefix a_", { nameStartsWith: "a_" }, "starts_with(lower(w.name), 'a_')"],
      ["accented prefix", { nameStartsWith: "éc" }, "starts_with(lower(w.name), lower('éc'))"],
      ["prefix matching nothing", { nameStartsWith: "zzz" }, "false"],
      ["owners, active, live", { roles: ["owner"], statuses: ["ACTIVE"], kinds: ["LIVE"] }, "m.role = 'owner' AND w.status = 10010701 AND w.kind = 10010801"],
      ["members named beta, unknown kind", { roles: ["member"], kinds: ["UNKNOWN"], nameStartsWith: "BETA" }, `m.role = 'member' AND ${unknownKind} AND starts_with(lower(w.name), 'beta')`],
    ];
    const repository = driver.repository();
    for (const [label, query, where] of cases) {
      const want = await expected(driver, where);
      const whole = await repository.listPage!(USER, UPTIMER, { ...query, count: true });
      t.strictSame(ids(whole), want, `${label}: the whole filtered listing`);
      t.equal(whole.total, want.length, `${label}: the count`);
      t.equal(whole.next, undefined, `${label}: no next page without a limit`);
      for (const limit of [1, 7, 100]) {
        t.strictSame(await everyPage(t, driver, { ...query, limit }), want, `${label}: pages of ${limit}`);
      }
      const page = await repository.listPage!(USER, UPTIMER, { ...query, limit: 3, count: true });
      t.equal(page.total, want.length, `${label}: the count on a page is of every match`);
    }
  });

  t.test(`${driver.name}: a page never shows another user's rows, and positions it did not make are refused`, async (t) => {
    await reset(driver);
    const repository = driver.repository();
    const mine = await repository.listPage!(USER, UPTIMER, { limit: 10 });
    const theirs = await repository.listPage!(OTHER, UPTIMER, { limit: 1000, after: mine.next! });
    const all = (await driver.rows(`SELECT w.biz_id AS id FROM workspace_members AS m JOIN workspaces AS w ON w.id = m.workspace_id
      WHERE m.user_id = '${OTHER}' AND w.deleted_at IS NULL`)).map((row) => row.id as string);
    t.ok(ids(theirs).every((id) => all.includes(id)), "another user's position only moves through their own listing");
    for (const after of ["", ".", "x.1", "1", "12.", "99999999999999999999.10000000000000000000000a", "5.9", "5.4", `5.1${"0".repeat(20)}2`]) {
      await t.rejects(repository.listPage!(USER, UPTIMER, { limit: 5, after }), ListingQueryError, `position ${JSON.stringify(after)}`);
    }
    const error = await repository.listPage!(USER, UPTIMER, { after: "nonsense" }).catch((error: unknown) => error);
    t.equal((error as ListingQueryError).parameter, "cursor", "the error names the cursor");
  });
}
