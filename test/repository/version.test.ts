// The listing version, on both drivers (PGlite and a real Postgres server):
// every kind of write that can change what a listing shows moves the
// version of the users it concerns, in the writing transaction, and no
// other write does; versions only grow, stay put across restarts and
// instances; listItems writes exactly what the envelope writes from
// listForUser's rows, with the version read in the same snapshot; and
// concurrent writers and readers never see items older than a version
// already seen.
import { getEventListeners } from "node:events";
import t, { type Test } from "tap";
import { listingItemFormat, systemSuccessJson, systemSuccessJsonOfItems, uptimerSuccessJson, uptimerSuccessJsonOfItems } from "../../lib/envelope/mod.ts";
import { DEMO_EMPTY_USER, DEMO_SYSTEM_USER, DEMO_UPTIMER_USER, DEMO_USER, seedDemoData } from "../../lib/repository/demo.ts";
import { guardedRepository, schemaFirst } from "../../lib/app/_database.ts";
import { VersionBatcher } from "../../lib/repository/_version_batch.ts";
import { replicatedRepository } from "../../lib/repository/replicas.ts";
import type { WorkspaceRepository } from "../../lib/repository/repository.ts";
import { applySchema } from "../../lib/repository/schema.ts";
import { EXTRA_SQL, EXTRA_USERS, RESET_SQL } from "./fixtures/expected.ts";
import { ID_OF, NO_CHANGE, WRITES } from "./fixtures/listing_writes.ts";
import { type VersionedDriver, versionCount, versionedDrivers } from "./fixtures/versioned_drivers.ts";

const drivers = await versionedDrivers(t);
const USERS = [DEMO_USER, DEMO_SYSTEM_USER, DEMO_UPTIMER_USER, DEMO_EMPTY_USER, ...EXTRA_USERS, "heir"];

async function reset(driver: VersionedDriver): Promise<void> {
  await driver.run(RESET_SQL);
  await seedDemoData((text) => driver.run(text));
  await driver.run(EXTRA_SQL);
}

async function versions(repository: WorkspaceRepository): Promise<Record<string, string>> {
  const all: Record<string, string> = {};
  for (const user of USERS) all[user] = await repository.listingVersion!(user);
  return all;
}

/** The bodies the handler would write from listItems, against those the envelope writes from listForUser's rows. */
async function sameBodies(t: Test, repository: WorkspaceRepository, user: string, label: string): Promise<string> {
  const rows = await repository.listForUser(user);
  let version = "";
  for (const locale of ["en", "zh-Hant", "vi"] as const) {
    const system = await repository.listItems!(user, listingItemFormat("system", locale));
    t.equal(systemSuccessJsonOfItems(system.items.join(","), locale, 1), systemSuccessJson(rows, locale, 1), `${label}: ${user} system ${locale}`);
    version = system.version;
  }
  const uptimer = await repository.listItems!(user, listingItemFormat("uptimer", "en"));
  t.equal(uptimerSuccessJsonOfItems(uptimer.items.join(",")), uptimerSuccessJson(rows), `${label}: ${user} uptimer`);
  t.equal(uptimer.version, version, `${label}: ${user} the same version from both queries`);
  return version;
}

for (const driver of drivers) {
  t.test(`${driver.name}: listingVersion is 0 without a write, equal in two instances and after a restart`, async (t) => {
    await reset(driver);
    const repository = driver.repository();
    const before = await versions(repository);
    t.match(before[DEMO_EMPTY_USER], /^\d+\.0$/, "a user who never had a listing is at 0");
    t.match(before["nobody at all"] ?? (await repository.listingVersion!("nobody at all")), /^\d+\.0$/);
    t.strictSame(await versions(repository), before, "asked again");
    t.strictSame(await versions(await driver.another()), before, "another instance");
    await applySchema((text) => driver.run(text));
    t.strictSame(await versions(repository), before, "after applySchema ran again");
    const restarted = await driver.restart();
    t.strictSame(await versions(restarted), before, "after a restart");
  });

  t.test(`${driver.name}: every kind of write moves the version of the users it concerns, and listItems shows it`, async (t) => {
    await reset(driver);
    const repository = driver.repository();
    const history: Record<string, number[]> = Object.fromEntries(USERS.map((user) => [user, []]));
    let last = await versions(repository);
    for (const user of USERS) history[user]!.push(versionCount(last[user]!));
    for (const write of WRITES) {
      await driver.run(write.sql);
      const now = await versions(repository);
      for (const user of USERS) {
        if (write.users.includes(user)) t.not(now[user], last[user], `${write.label}: ${user}'s version moved`);
        else t.equal(now[user], last[user], `${write.label}: ${user}'s version stayed`);
        history[user]!.push(versionCount(now[user]!));
      }
      const [first] = write.users;
      const listed = await repository.listItems!(first!, listingItemFormat("system", "en"));
      t.equal(listed.version, now[first!], `${write.label}: listItems reads the version it lists`);
      const text = listed.items.join(",");
      if (write.shows !== undefined) {
        const [bizId, field] = write.shows;
        const item = listed.items.find((item) => item.includes(`"${bizId}"`)) ?? "";
        // The system item has no role; the uptimer item has it.
        const uptimer = (await repository.listItems!(first!, listingItemFormat("uptimer", "en"))).items.find((item) => item.includes(`"${bizId}"`)) ?? "";
        t.ok(item.includes(field) || uptimer.includes(field), `${write.label}: ${bizId} shows ${field}`);
      }
      if (write.gone !== undefined) t.notOk(text.includes(`"${write.gone}"`), `${write.label}: ${write.gone} is gone`);
      for (const user of write.users) await sameBodies(t, repository, user, write.label);
      last = now;
    }
    for (const user of USERS) {
      const counts = history[user]!;
      t.ok(counts.every((count, i) => i === 0 || count >= counts[i - 1]!), `${user}: versions only grow (${counts.join(", ")})`);
    }
  });

  t.test(`${driver.name}: writes that change no listing move no version`, async (t) => {
    await reset(driver);
    const repository = driver.repository();
    const before = await versions(repository);
    for (const [label, sql] of NO_CHANGE) {
      await driver.run(sql);
      t.strictSame(await versions(repository), before, label);
    }
  });

  t.test(`${driver.name}: the read model's rebuild moves the versions of the rows it rewrites`, async (t) => {
    await reset(driver);
    const repository = driver.repository();
    // A write the triggers did not see, then the migration's rebuild.
    const before = await versions(repository);
    await driver.run(`ALTER TABLE workspace_members DISABLE TRIGGER lobby_listing_sync;
      INSERT INTO workspace_members (user_id, workspace_id, role) VALUES ('heir', ${ID_OF("ws_123456")}, 'member')`);
    t.equal(await repository.listingVersion!("heir"), before.heir, "unseen by the read model, unseen by the version");
    await applySchema((text) => driver.run(text));
    const rebuilt = await versions(repository);
    for (const user of USERS.filter((user) => user !== DEMO_EMPTY_USER)) {
      t.ok(versionCount(rebuilt[user]!) > versionCount(before[user]!), `${user}: moved by the rebuild`);
    }
    t.equal(rebuilt[DEMO_EMPTY_USER], before[DEMO_EMPTY_USER], "a user without rows before or after stays");
    t.ok((await repository.listItems!("heir", listingItemFormat("uptimer", "en"))).items.join().includes("ws_123456"), "the rebuilt listing");

    // lobby_listing dropped and made again by the migration: every version moves.
    await driver.run("DROP TABLE lobby_listing");
    await applySchema((text) => driver.run(text));
    const again = await versions(repository);
    for (const user of USERS.filter((user) => user !== DEMO_EMPTY_USER)) {
      t.ok(versionCount(again[user]!) > versionCount(rebuilt[user]!), `${user}: moved when lobby_listing was made again`);
    }
    // Its version triggers disabled: the migration puts them back and moves every version.
    await driver.run("ALTER TABLE lobby_listing DISABLE TRIGGER lobby_listing_versions_insert");
    await applySchema((text) => driver.run(text));
    const enabled = await versions(repository);
    t.ok(versionCount(enabled.heir!) > versionCount(again.heir!), "moved when a version trigger was found disabled");
    await applySchema((text) => driver.run(text));
    t.strictSame(await versions(repository), enabled, "and not again by the next start");
  });

  t.test(`${driver.name}: a version table made anew starts a version that no earlier one equals`, async (t) => {
    await reset(driver);
    const repository = driver.repository();
    const before = await repository.listingVersion!(DEMO_USER);
    await driver.run("DROP TABLE lobby_listing_changes");
    await applySchema((text) => driver.run(text));
    const after = await repository.listingVersion!(DEMO_USER);
    t.not(after, before, `${before} then ${after}`);
    t.equal(versionCount(after), 0, "counting from 0 again, under the new table's identity");
  });

  t.test(`${driver.name}: listItems writes what the envelope writes, in every dialect and language`, async (t) => {
    await reset(driver);
    const repository = driver.repository();
    for (const user of USERS) {
      const version = await sameBodies(t, repository, user, "demo and extra rows");
      t.equal(version, await repository.listingVersion!(user), `${user}: the version read alone`);
    }
  });

  t.test(`${driver.name}: concurrent writers and readers never see items older than a version seen`, async (t) => {
    await reset(driver);
    const repository = driver.repository();
    const readers = await Promise.all([driver.another(), driver.another(), Promise.resolve(repository)]);
    const writers = [await driver.session(), await driver.session()];
    const ROUNDS = 40;
    // Writer 1 renames one workspace n1, n2, …; writer 2 another one m1, m2, ….
    const committed = [0, 0];
    let done = false;
    const write = async (writer: number) => {
      const run = writers[writer]!;
      const [bizId, prefix] = writer === 0 ? ["ws_123456", "n"] : ["ws_789012", "m"];
      for (let k = 1; k <= ROUNDS; k++) {
        await run(`UPDATE workspaces SET name = '${prefix}${k}' WHERE biz_id = '${bizId}'`);
        committed[writer] = k;
      }
    };
    interface Seen { version: string; n: number; m: number }
    const seen: Seen[][] = readers.map(() => []);
    // Every version each reader was given, listed or alone, in order.
    const given: string[][] = readers.map(() => []);
    const wrong: string[] = [];
    const read = async (index: number) => {
      const reader = readers[index]!;
      while (!done) {
        // What had committed before this read was sent.
        const floor = [...committed];
        const listed = await reader.listItems!(DEMO_UPTIMER_USER, listingItemFormat("uptimer", "en"));
        const text = listed.items.join(",");
        const n = Number(/"name":"n(\d+)"/.exec(text)?.[1] ?? 0);
        const m = Number(/"name":"m(\d+)"/.exec(text)?.[1] ?? 0);
        if (n < floor[0]! || m < floor[1]!) wrong.push(`reader ${index}: n${n} m${m} after n${floor[0]} m${floor[1]} committed`);
        seen[index]!.push({ version: listed.version, n, m });
        given[index]!.push(listed.version, await reader.listingVersion!(DEMO_UPTIMER_USER));
      }
    };
    const reading = readers.map((_, index) => read(index));
    await Promise.all([write(0), write(1)]);
    done = true;
    await Promise.all(reading);
    t.strictSame(wrong, [], "every read shows what committed before it");
    const all = seen.flat();
    t.ok(all.length >= 6, `${all.length} reads`);
    t.ok(new Set(all.map((item) => item.version)).size >= 3, "the versions moved while the readers read");
    const byVersion = new Map<string, Seen>();
    for (const item of all) {
      const other = byVersion.get(item.version);
      if (other !== undefined && (other.n !== item.n || other.m !== item.m)) wrong.push(`version ${item.version}: two listings`);
      byVersion.set(item.version, item);
    }
    for (const [index, reads] of seen.entries()) {
      for (let i = 1; i < reads.length; i++) {
        if (reads[i]!.n < reads[i - 1]!.n || reads[i]!.m < reads[i - 1]!.m) wrong.push(`reader ${index}: ${reads[i]!.version} lists older names than ${reads[i - 1]!.version}`);
      }
    }
    for (const [index, versions] of given.entries()) {
      const left = new Set<string>();
      for (let i = 1; i < versions.length; i++) {
        if (versions[i] === versions[i - 1]) continue;
        left.add(versions[i - 1]!);
        if (left.has(versions[i]!)) wrong.push(`reader ${index}: version ${versions[i]} came back`);
      }
    }
    t.strictSame(wrong, [], "one listing per version, no read lists older names than the one before, and no version comes back");
    const final = await repository.listItems!(DEMO_UPTIMER_USER, listingItemFormat("uptimer", "en"));
    t.match(final.items.join(","), new RegExp(`"n${ROUNDS}".*"m${ROUNDS}"`), "the last writes show");
  });
  // Two transactions that change the listings of one user in two orders
  // wait for each other's workspace rows only, as they would without lobby:
  // the versions take no lock a writer waits for. (With a counter row per
  // user, locked by the first writer until it committed, the second
  // writer's statement waited for it while holding its workspace row, and
  // the first then waited for that row: a deadlock, 40P01.)
  t.test(`${driver.name}: writers changing one user's listing in two orders never deadlock on the versions`, async (t) => {
    if (!driver.concurrent) return t.pass("one connection: nothing runs concurrently");
    await reset(driver);
    const repository = driver.repository();
    const before = await repository.listingVersion!(DEMO_UPTIMER_USER);
    const [first, second] = [await driver.session(), await driver.session()];
    const rename = (bizId: string, name: string) => `UPDATE workspaces SET name = '${name}' WHERE biz_id = '${bizId}'`;
    await first("BEGIN");
    await first(rename("ws_123456", "first-a"));
    await second("BEGIN");
    const secondRename = second(rename("ws_789012", "second-b"));
    t.equal(await Promise.race([secondRename.then(() => "done"), new Promise((resolve) => setTimeout(resolve, 3000, "waiting"))]), "done",
      "the second writer's statement does not wait for the first writer");
    // Waits for the second writer's row of ws_789012, as without lobby.
    const firstRename = first(rename("ws_789012", "first-b"));
    await second("COMMIT");
    await firstRename;
    await first("COMMIT");
    const after = await repository.listItems!(DEMO_UPTIMER_USER, listingItemFormat("uptimer", "en"));
    t.not(after.version, before, "the version moved");
    t.match(after.items.join(","), /"first-a".*"first-b"/, "both of the first writer's renames, committed last, show");
    t.equal(await repository.listingVersion!(DEMO_UPTIMER_USER), after.version, "read alone, the same version");
  });
}

// ---------------------------------------------------------------------------
// What wraps a repository keeps its version reads.

t.test("replicatedRepository sends a user's version and listing to one place, and has them only when all have", async (t) => {
  const calls: string[] = [];
  const at = (where: string): WorkspaceRepository => ({
    listForUser: () => Promise.resolve([]),
    listingVersion: (user) => (calls.push(`${where} version ${user}`), Promise.resolve(`${where}.1`)),
    listItems: (user, format) => (calls.push(`${where} ${format.dialect} ${user}`), Promise.resolve({ version: `${where}.1`, items: [] })),
  });
  const healthy = () => Promise.resolve({ ok: true as const, lagSeconds: 0 });
  const replicated = replicatedRepository(at("primary"), [
    { name: "r1", repository: at("r1"), health: healthy },
    { name: "r2", repository: at("r2"), health: healthy },
  ]);
  await replicated.listingVersion!("warm-up"); // starts the health checks
  await new Promise((resolve) => setTimeout(resolve, 10));
  for (const user of ["alice", "bob", "carol", "dave"]) {
    const version = await replicated.listingVersion!(user);
    const listed = await replicated.listItems!(user, listingItemFormat("uptimer", "en"));
    t.equal(listed.version, version, `${user}: the version and the listing from ${version.split(".")[0]}`);
  }
  t.ok(calls.some((call) => call.startsWith("r1")) && calls.some((call) => call.startsWith("r2")), "users spread over both replicas");
  const partial = replicatedRepository(at("primary"), [{ name: "r1", repository: { listForUser: () => Promise.resolve([]) }, health: healthy }]);
  t.equal(partial.listingVersion, undefined, "a replica without versions: no versions");
  t.equal(partial.listItems, undefined);
});

t.test("guardedRepository and schemaFirst keep the version reads, schemaFirst after the schema", async (t) => {
  const [driver] = drivers;
  const repository = driver!.repository();
  const guarded = guardedRepository(repository, (task) => task());
  t.equal(await guarded.listingVersion!(DEMO_USER), await repository.listingVersion!(DEMO_USER));
  t.strictSame(await guarded.listItems!(DEMO_USER, listingItemFormat("uptimer", "en")), await repository.listItems!(DEMO_USER, listingItemFormat("uptimer", "en")));
  const sent: string[] = [];
  const migrated = schemaFirst(repository, (text) => Promise.resolve(sent.push(text)));
  t.equal(await migrated.listingVersion!(DEMO_USER), await repository.listingVersion!(DEMO_USER));
  t.equal(sent.length, 1, "the schema first");
  await migrated.listItems!(DEMO_USER, listingItemFormat("system", "en"));
  t.equal(sent.length, 1, "once");
  const plain: WorkspaceRepository = { listForUser: () => Promise.resolve([]) };
  t.equal(guardedRepository(plain, (task) => task()).listingVersion, undefined, "none where there were none");
  t.equal(schemaFirst(plain, () => Promise.resolve()).listItems, undefined);
});

t.test("version lookups asked together come back right, whatever the user ids", async (t) => {
  for (const driver of drivers) {
    await reset(driver);
    const repository = driver.repository();
    const odd = ["", " ", "a,b", "{x}", 'quo"te', "back\\slash", "NULL", "ünï 😀", "tab\tbed", ...USERS];
    await driver.run(`INSERT INTO workspace_members (user_id, workspace_id, role)
      SELECT u, (SELECT id FROM workspaces WHERE biz_id = 'ws_123456'), 'member'
      FROM unnest(ARRAY['a,b', 'quo"te', 'back\\slash', 'ünï 😀']) AS u`);
    const alone: string[] = [];
    for (const user of odd) alone.push(await repository.listingVersion!(user));
    const together = await Promise.all(Array.from({ length: 10 }, () => odd.map((user) => repository.listingVersion!(user))).flat());
    t.strictSame(together, Array.from({ length: 10 }, () => alone).flat(), `${driver.name}: ${together.length} lookups at once, each its own user's`);
    t.ok(versionCount(alone[2]!) > 0 && versionCount(alone[0]!) === 0, `${driver.name}: the odd ids are real users`);
  }
});

t.test("VersionBatcher: one signal passed to many lookups keeps no listener per batch", async (t) => {
  const batcher = new VersionBatcher((users) => Promise.resolve(new Map(users.map((user) => [user, `v-${user}`]))), 1);
  const session = new AbortController();
  for (let i = 0; i < 50; i++) t.equal(await batcher.lookup(`u${i % 3}`, session.signal), `v-u${i % 3}`);
  await new Promise((resolve) => setTimeout(resolve, 0));
  // The batcher's one watch of the signal, for lookups still waiting; none for the batches done.
  t.equal(getEventListeners(session.signal, "abort").length, 1, "one listener after 50 lookups");
});

t.test("VersionBatcher: one batch at a time carries every lookup that waited; an aborted wait leaves it", async (t) => {
  const sent: string[][] = [];
  let release: () => void = () => {};
  const batcher = new VersionBatcher((users) => {
    sent.push([...users]);
    return new Promise((resolve) => (release = () => resolve(new Map(users.map((user) => [user, `v-${user}`])))));
  }, 1);
  const first = batcher.lookup("a", undefined);
  const controller = new AbortController();
  const waiting = [batcher.lookup("b", undefined), batcher.lookup("c", controller.signal), batcher.lookup("b", undefined)];
  controller.abort(new Error("gave up"));
  await t.rejects(waiting[1]!, { message: "gave up" }, "aborted while waiting");
  release();
  t.equal(await first, "v-a");
  await new Promise((resolve) => setTimeout(resolve, 0));
  release();
  t.strictSame(await Promise.all([waiting[0], waiting[2]]), ["v-b", "v-b"]);
  t.strictSame(sent, [["a"], ["b"]], "the second batch: every lookup that waited, each user once");
  await t.rejects(batcher.lookup("d", controller.signal), { message: "gave up" }, "an aborted signal: refused at once");
  const failing = new VersionBatcher(() => Promise.reject(new Error("down")), 2);
  await t.rejects(Promise.all([failing.lookup("x", undefined), failing.lookup("y", undefined)]), { message: "down" });
  const missing = new VersionBatcher(() => Promise.resolve(new Map()), 2);
  await t.rejects(missing.lookup("x", undefined), /no row/);
  const throwing = new VersionBatcher(() => {
    throw new Error("sync");
  }, 2);
  await t.rejects(throwing.lookup("x", undefined), { message: "sync" });

  // A batch that never answers gives its place up at its deadline; with bypass on, each lookup goes alone at once.
  let down = false;
  const hung: string[][] = [];
  const hanging = new VersionBatcher((users) => {
    hung.push([...users]);
    return down ? Promise.reject(new Error("refused")) : new Promise(() => {});
  }, 1, () => down);
  const deadline = new AbortController();
  void hanging.lookup("p", deadline.signal).catch(() => {});
  const next = hanging.lookup("q", undefined);
  t.strictSame(hung, [["p"]], "q waits for the hung batch's place");
  deadline.abort(new DOMException("late", "TimeoutError"));
  t.strictSame(hung, [["p"], ["q"]], "sent once the hung batch's deadline passed");
  down = true;
  await t.rejects(hanging.lookup("r", undefined), { message: "refused" }, "bypassed: refused at once, though a batch is out");
  void next;
});
