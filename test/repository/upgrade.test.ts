// A database migrated by an earlier lobby (schema steps 1–13: the read model
// and the versions, without the items' JSON and the page indexes), on both
// drivers: the current migration brings it up to date in place, every row
// gets its JSON, the listings stay what they were, byte for byte, every
// user's version moves (so no ETag or cache entry of the old lobby is taken
// for the new answer), and pages work.
import t from "tap";
import { listingItemFormat, systemSuccessJson, systemSuccessJsonOfItems, uptimerSuccessJson, uptimerSuccessJsonOfItems } from "../../lib/envelope/mod.ts";
import { seedDemoData } from "../../lib/repository/demo.ts";
import { applySchema, SCHEMA_STEPS } from "../../lib/repository/schema.ts";
import { DEMO_USERS, EXTRA_SQL, EXTRA_USERS } from "./fixtures/expected.ts";
import { versionedDrivers } from "./fixtures/versioned_drivers.ts";

const drivers = await versionedDrivers(t);
const USERS = [...DEMO_USERS, ...EXTRA_USERS];
/** The schema an earlier lobby applied: its thirteen steps, under the same lock. */
const EARLIER_SCHEMA = ["SELECT pg_advisory_xact_lock(4210947631529118003)", ...SCHEMA_STEPS.slice(0, 13), ""].join(";\n");

for (const driver of drivers) {
  t.test(`${driver.name}: an earlier lobby's database is brought up to date in place`, async (t) => {
    await driver.run(`DROP TABLE IF EXISTS workspace_members, workspaces, institutions, lobby_listing, lobby_listing_versions, lobby_listing_changes CASCADE;
      DROP FUNCTION IF EXISTS lobby_listing_format(), lobby_listing_key(timestamptz, text), lobby_prefix_end(text) CASCADE`);
    await driver.run(EARLIER_SCHEMA);
    t.strictSame(await driver.rows("SELECT to_regclass('lobby_listing_page') AS page"), [{ page: null }], "the earlier schema has no page index");
    await seedDemoData((text) => driver.run(text));
    await driver.run(EXTRA_SQL);
    // The versions as the earlier lobby read them: the table's identity and the user's counter.
    const before = await driver.rows(`SELECT user_id, 'lobby_listing_versions'::regclass::oid::text || '.' || version AS version
      FROM lobby_listing_versions ORDER BY user_id`);

    await applySchema((text) => driver.run(text));
    const repository = await driver.restart();
    t.strictSame(await driver.rows("SELECT count(*)::int AS n FROM lobby_listing WHERE uptimer_item IS NULL OR system_head IS NULL OR system_tail IS NULL OR listing_key IS NULL"), [{ n: 0 }], "every row has its JSON and its key");
    const after = new Map<string, string>();
    for (const row of before) after.set(row.user_id as string, await repository.listingVersion!(row.user_id as string));
    t.ok(before.length > 0, "the earlier lobby kept versions");
    for (const row of before) t.not(after.get(row.user_id as string), row.version, `${row.user_id}'s version moved`);

    for (const user of USERS) {
      const rows = await repository.listForUser(user);
      const system = await repository.listItems!(user, listingItemFormat("system", "zh-Hant"));
      t.equal(systemSuccessJsonOfItems(system.items.join(","), "zh-Hant", 1), systemSuccessJson(rows, "zh-Hant", 1), `${user}: the system listing, byte for byte`);
      const uptimer = await repository.listItems!(user, listingItemFormat("uptimer", "en"));
      t.equal(uptimerSuccessJsonOfItems(uptimer.items.join(",")), uptimerSuccessJson(rows), `${user}: the uptimer listing, byte for byte`);
      const first = await repository.listPage!(user, listingItemFormat("uptimer", "en"), { limit: 1, count: true });
      t.equal(first.total, rows.length, `${user}: the count`);
      t.strictSame(first.items, uptimer.items.slice(0, 1), `${user}: the first page`);
    }
    const changes = await driver.rows("SELECT count(*)::int AS n FROM lobby_listing_changes");
    await applySchema((text) => driver.run(text));
    t.strictSame(await driver.rows("SELECT count(*)::int AS n FROM lobby_listing_changes"), changes, "applied again: nothing more to do");
    for (const row of before) t.equal(await repository.listingVersion!(row.user_id as string), after.get(row.user_id as string), `${row.user_id}: the same version`);
  });
}
