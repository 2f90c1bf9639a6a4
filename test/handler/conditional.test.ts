// Conditional requests and the memory of encoded listings, on both drivers
// (PGlite and a real Postgres server): every 200 carries a weak ETag made
// from the dialect, the language and the user's listing version; a
// matching If-None-Match gets a 304 after authentication at the cost of
// one version lookup; an unchanged listing is answered without reading
// it; every kind of write changes the ETag and shows in the next answer;
// the tag is the same across requests, instances and restarts; and
// concurrent writers and readers never get a body older than what
// committed before their request.
import t from "tap";
import { createStandaloneApp } from "../../lib/app/app.ts";
import { configFromEnvironment } from "../../lib/app/config.ts";
import { secretKeys } from "../../lib/auth/keys.ts";
import { listingItemFormat, systemSuccessJson, uptimerSuccessJson } from "../../lib/envelope/mod.ts";
import { createWorkspacesHandler, type WorkspacesHandlerOptions } from "../../lib/handler/handler.ts";
import { DEMO_EMPTY_USER, DEMO_SYSTEM_USER, DEMO_UPTIMER_USER, DEMO_USER, seedDemoData } from "../../lib/repository/demo.ts";
import type { ListingItemFormat, ListOptions, WorkspaceRepository } from "../../lib/repository/repository.ts";
import { EXTRA_SQL, RESET_SQL } from "../repository/fixtures/expected.ts";
import { WRITES } from "../repository/fixtures/listing_writes.ts";
import { type VersionedDriver, versionCount, versionedDrivers } from "../repository/fixtures/versioned_drivers.ts";
import { signToken } from "../_tokens.ts";

const SECRET = "conditional-test-secret-of-more-than-32-bytes";
const SYSTEM = "http://lobby.test/web/v1/system/workspaces/mine";
const UPTIMER = "http://lobby.test/api/v1/workspaces";
const drivers = await versionedDrivers(t);
const keys = await secretKeys(SECRET);

let clock = 1_800_000_000_000;
const tokens = new Map<string, string>();
async function bearer(user: string): Promise<string> {
  let token = tokens.get(user);
  if (token === undefined) {
    const now = Math.floor(clock / 1000);
    token = await signToken({ secret: SECRET, payload: { sub: user, exp: now + 86_400, iat: now - 10 } });
    tokens.set(user, token);
  }
  return `Bearer ${token}`;
}

/** The repository's calls, counted by method. */
interface Counted extends WorkspaceRepository {
  readonly calls: { listForUser: number; listingVersion: number; listItems: number };
}

function counted(repository: WorkspaceRepository): Counted {
  const calls = { listForUser: 0, listingVersion: 0, listItems: 0 };
  return {
    calls,
    listForUser: (userId: string, options?: ListOptions) => (calls.listForUser++, repository.listForUser(userId, options)),
    listingVersion: (userId: string, options?: ListOptions) => (calls.listingVersion++, repository.listingVersion!(userId, options)),
    listItems: (userId: string, format: ListingItemFormat, options?: ListOptions) => (calls.listItems++, repository.listItems!(userId, format, options)),
  };
}

function handlerOver(repository: WorkspaceRepository, overrides: Partial<WorkspacesHandlerOptions> = {}) {
  return createWorkspacesHandler({ repository, auth: { keys }, now: () => clock, log: () => {}, ...overrides });
}

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

async function ask(handler: (request: Request) => Promise<Response>, url: string, user: string, headers: Record<string, string> = {}, method = "GET"): Promise<Answer> {
  const response = await handler(new Request(url, { method, headers: { authorization: await bearer(user), ...headers } }));
  return { status: response.status, headers: Object.fromEntries(response.headers), body: await response.text() };
}

async function reset(driver: VersionedDriver): Promise<void> {
  await driver.run(RESET_SQL);
  await seedDemoData((text) => driver.run(text));
  await driver.run(EXTRA_SQL);
}

const WEAK_TAG = /^W\/"[\x21\x23-\x7e]+"$/;

for (const driver of drivers) {
  t.test(`${driver.name}: a 200 carries a weak ETag; a matching If-None-Match gets a 304 in both dialects`, async (t) => {
    await reset(driver);
    const repository = counted(driver.repository());
    const handler = handlerOver(repository, { cors: { origins: ["https://app.example.com"] } });
    for (const url of [SYSTEM, UPTIMER]) {
      const first = await ask(handler, url, DEMO_USER);
      t.equal(first.status, 200, `${url}: 200`);
      const etag = first.headers.etag!;
      t.match(etag, WEAK_TAG, `${url}: a weak tag`);
      const opaque = etag.slice(2);
      for (const condition of [etag, opaque, `"nope", ${etag}`, `${opaque},"other"`, "*", ` W/"x" ,  ${etag} `]) {
        const calls = { ...repository.calls };
        const answer = await ask(handler, url, DEMO_USER, { "if-none-match": condition, origin: "https://app.example.com" });
        t.equal(answer.status, 304, `${url} If-None-Match: ${condition}`);
        t.equal(answer.body, "", "no body");
        t.equal(answer.headers.etag, etag, "the ETag");
        t.equal(answer.headers["cache-control"], "private, no-cache");
        t.equal(answer.headers.vary, "Authorization, Accept-Language, Origin");
        t.match(answer.headers["x-request-id"], /\S/, "the request id");
        t.equal(answer.headers["access-control-allow-origin"], "https://app.example.com", "CORS");
        t.equal(answer.headers["content-type"], undefined, "no representation headers");
        t.strictSame(
          { version: repository.calls.listingVersion - calls.listingVersion, items: repository.calls.listItems - calls.listItems, rows: repository.calls.listForUser - calls.listForUser },
          { version: 1, items: 0, rows: 0 },
          "one version lookup, no listing",
        );
      }
      const head = await ask(handler, url, DEMO_USER, { "if-none-match": etag }, "HEAD");
      t.equal(head.status, 304, "HEAD with a current tag: 304");
      const plainHead = await ask(handler, url, DEMO_USER, {}, "HEAD");
      t.equal(plainHead.status, 200, "HEAD without a condition: 200");
      t.equal(plainHead.body, "");
      t.equal(plainHead.headers.etag, etag, "HEAD carries the ETag");
      t.equal(Number(plainHead.headers["content-length"]), new TextEncoder().encode(first.body).length, "and the length of the body");
      for (const condition of ['W/"1s.en.x.1.1"', `"${opaque.slice(1, -2)}"`, `W/${opaque}x`, "**", `${etag}`.replace("W/", "w/"), `${etag} junk`]) {
        t.equal((await ask(handler, url, DEMO_USER, { "if-none-match": condition })).status, 200, `${url} If-None-Match: ${condition} does not match`);
      }
    }
  });

  t.test(`${driver.name}: authentication and request checks come before the condition`, async (t) => {
    await reset(driver);
    const handler = handlerOver(driver.repository());
    const { headers } = await ask(handler, SYSTEM, DEMO_USER);
    const condition = { "if-none-match": headers.etag! };
    const noToken = await handler(new Request(SYSTEM, { headers: { "if-none-match": "*" } }));
    t.equal(noToken.status, 401, "no token: 401, even with *");
    const bad = await handler(new Request(SYSTEM, { headers: { ...condition, authorization: "Bearer not.a.token" } }));
    t.equal(bad.status, 401, "a bad token: 401");
    t.equal((await ask(handler, `${SYSTEM}?page=2`, DEMO_USER, condition)).status, 400, "an unknown query parameter: 400");
    t.equal((await ask(handler, `${SYSTEM}?limit=0`, DEMO_USER, condition)).status, 400, "a bad value of a known one: 400");
    // A filtered listing is another listing: the whole listing's tag does not match it.
    t.equal((await ask(handler, `${SYSTEM}?role=owner`, DEMO_USER, condition)).status, 200, "a filter: 200, not the whole listing's 304");
    t.equal((await ask(handler, SYSTEM, DEMO_USER, { ...condition, "x-workspace-id": "bad id!" })).status, 400, "a malformed header: 400");
    // Another user's tag never matches, though both may be at the same version.
    const other = await ask(handler, SYSTEM, DEMO_EMPTY_USER);
    const mine = await ask(handler, SYSTEM, DEMO_EMPTY_USER.replace("empty", "other-empty"));
    t.equal(versionCount(other.headers.etag!.split(".").slice(-2).join(".").slice(0, -1)), 0);
    t.not(other.headers.etag, mine.headers.etag, "two users at version 0 have different tags");
    t.equal((await ask(handler, SYSTEM, DEMO_EMPTY_USER, { "if-none-match": mine.headers.etag! })).status, 200, "another user's tag: 200");
    // The tag is of the dialect and the language.
    const uptimer = await ask(handler, UPTIMER, DEMO_USER);
    t.not(uptimer.headers.etag, headers.etag, "another dialect, another tag");
    t.equal((await ask(handler, UPTIMER, DEMO_USER, condition)).status, 200, "the system tag on the uptimer route: 200");
    const japanese = await ask(handler, SYSTEM, DEMO_USER, { "accept-language": "ja" });
    t.not(japanese.headers.etag, headers.etag, "another language, another tag");
    t.equal((await ask(handler, SYSTEM, DEMO_USER, { ...condition, "accept-language": "ja" })).status, 200, "the English tag in Japanese: 200");
  });

  t.test(`${driver.name}: the ETag is the same across requests, instances and restarts while nothing is written`, async (t) => {
    await reset(driver);
    const first = handlerOver(driver.repository());
    const tags = async (handler: ReturnType<typeof handlerOver>) => {
      const seen: string[] = [];
      for (const user of [DEMO_USER, DEMO_SYSTEM_USER, DEMO_EMPTY_USER]) {
        for (const url of [SYSTEM, UPTIMER]) seen.push((await ask(handler, url, user)).headers.etag!);
      }
      return seen;
    };
    const before = await tags(first);
    clock += 60_000;
    t.strictSame(await tags(first), before, "asked again, a minute later");
    t.strictSame(await tags(handlerOver(await driver.another())), before, "another instance");
    t.strictSame(await tags(handlerOver(await driver.another(), { cache: false })), before, "another instance without the cache");
    t.strictSame(await tags(handlerOver(await driver.restart())), before, "after a restart");
  });

  t.test(`${driver.name}: every kind of write changes the ETag, and a stale tag gets the new body`, async (t) => {
    await reset(driver);
    const repository = driver.repository();
    const handler = handlerOver(repository);
    for (const write of WRITES) {
      const user = write.users[0]!;
      const before = await Promise.all([SYSTEM, UPTIMER].map((url) => ask(handler, url, user)));
      await driver.run(write.sql);
      const rows = await repository.listForUser(user);
      for (const [i, url] of [SYSTEM, UPTIMER].entries()) {
        const stale = before[i]!.headers.etag!;
        const answer = await ask(handler, url, user, { "if-none-match": stale });
        t.equal(answer.status, 200, `${write.label}: ${url} with the stale tag: 200`);
        t.not(answer.headers.etag, stale, `${write.label}: a new tag`);
        t.equal(answer.body, url === SYSTEM ? systemSuccessJson(rows, "en", clock) : uptimerSuccessJson(rows), `${write.label}: the new body`);
        t.equal((await ask(handler, url, user, { "if-none-match": answer.headers.etag! })).status, 304, `${write.label}: the new tag is current`);
      }
    }
  });

  t.test(`${driver.name}: an unchanged listing is answered from memory, its timestamp the time of the answer`, async (t) => {
    await reset(driver);
    const repository = counted(driver.repository());
    const handler = handlerOver(repository);
    const first = await ask(handler, SYSTEM, DEMO_USER);
    t.equal(repository.calls.listItems, 1, "read once");
    clock += 1234;
    const second = await ask(handler, SYSTEM, DEMO_USER);
    t.equal(repository.calls.listItems, 1, "not read again");
    t.equal(repository.calls.listingVersion, 1, "no lookup for the first request (nothing kept, no tag: the listing brings its version), one for the second");
    t.equal(JSON.parse(second.body).timestamp, clock, "the timestamp is the time of the answer");
    t.equal(second.body, first.body.replace(String(clock - 1234), String(clock)), "the same listing");
    t.equal(second.headers.etag, first.headers.etag);
    await ask(handler, SYSTEM, DEMO_USER, { "accept-language": "zh" });
    await ask(handler, UPTIMER, DEMO_USER);
    t.equal(repository.calls.listItems, 3, "each dialect and language read once");
    await ask(handler, UPTIMER, DEMO_USER);
    t.equal(repository.calls.listItems, 3);
    await driver.run("UPDATE workspaces SET name = 'Fresh' WHERE biz_id = 'WS_SANDBOX_001'");
    const changed = await ask(handler, UPTIMER, DEMO_USER);
    t.equal(repository.calls.listItems, 4, "a new version is read");
    t.match(changed.body, /"name":"Fresh"/);
    t.equal(repository.calls.listForUser, 0, "rows are never read");

    // Off: every request reads the listing, and ETags still work.
    const uncached = counted(driver.repository());
    const off = handlerOver(uncached, { cache: false });
    const tagged = await ask(off, SYSTEM, DEMO_USER);
    await ask(off, SYSTEM, DEMO_USER);
    t.equal(uncached.calls.listItems, 2, "cache: false reads every time");
    t.equal((await ask(off, SYSTEM, DEMO_USER, { "if-none-match": tagged.headers.etag! })).status, 304);
    const zero = counted(driver.repository());
    const none = handlerOver(zero, { cache: { entries: 0 } });
    await ask(none, SYSTEM, DEMO_USER);
    await ask(none, SYSTEM, DEMO_USER);
    t.equal(zero.calls.listItems, 2, "entries: 0 turns it off");

    // Bounded: two entries, three users.
    const small = counted(driver.repository());
    const bounded = handlerOver(small, { cache: { entries: 2 } });
    for (const user of [DEMO_USER, DEMO_SYSTEM_USER, DEMO_UPTIMER_USER, DEMO_USER]) await ask(bounded, UPTIMER, user);
    t.equal(small.calls.listItems, 4, "the least recently used was dropped");
    await ask(bounded, UPTIMER, DEMO_UPTIMER_USER);
    t.equal(small.calls.listItems, 4, "the more recent kept");
    // A listing larger than a quarter of the bytes is not kept.
    const tiny = counted(driver.repository());
    const bytes = handlerOver(tiny, { cache: { bytes: 400 } });
    await ask(bytes, SYSTEM, DEMO_USER);
    await ask(bytes, SYSTEM, DEMO_USER);
    t.equal(tiny.calls.listItems, 2, "too large to keep");
    await ask(bytes, UPTIMER, DEMO_EMPTY_USER);
    await ask(bytes, UPTIMER, DEMO_EMPTY_USER);
    t.equal(tiny.calls.listItems, 3, "a small one is kept");
  });

  t.test(`${driver.name}: concurrent writers and readers never get a body older than what committed before the request`, async (t) => {
    await reset(driver);
    const instances = [handlerOver(driver.repository()), handlerOver(await driver.another())];
    const writers = [await driver.session(), await driver.session()];
    const ROUNDS = 30;
    const committed = [0, 0];
    let done = false;
    const write = async (writer: number) => {
      const [bizId, prefix] = writer === 0 ? ["ws_123456", "n"] : ["ws_789012", "m"];
      for (let k = 1; k <= ROUNDS; k++) {
        // The second writer also adds and removes a membership, in one transaction with its rename.
        const membership = writer === 1
          ? (k % 2 === 1
            ? `INSERT INTO workspace_members (user_id, workspace_id, role) SELECT '${DEMO_UPTIMER_USER}', id, 'member' FROM workspaces WHERE biz_id = 'WS_SANDBOX_001';`
            : `DELETE FROM workspace_members WHERE user_id = '${DEMO_UPTIMER_USER}' AND workspace_id = (SELECT id FROM workspaces WHERE biz_id = 'WS_SANDBOX_001');`)
          : "";
        await writers[writer]!(`${membership}UPDATE workspaces SET name = '${prefix}${k}' WHERE biz_id = '${bizId}'`);
        committed[writer] = k;
      }
    };
    const wrong: string[] = [];
    const byTag = new Map<string, string>();
    let answers = 0;
    const read = async (reader: number) => {
      const handler = instances[reader % instances.length]!;
      let last = { n: 0, m: 0 };
      while (!done) {
        const floor = [...committed];
        const answer = await ask(handler, UPTIMER, DEMO_UPTIMER_USER);
        answers++;
        const n = Number(/"name":"n(\d+)"/.exec(answer.body)?.[1] ?? 0);
        const m = Number(/"name":"m(\d+)"/.exec(answer.body)?.[1] ?? 0);
        const sandbox = answer.body.includes("WS_SANDBOX_001");
        if (answer.status !== 200) wrong.push(`reader ${reader}: ${answer.status}`);
        if (n < floor[0]! || m < floor[1]!) wrong.push(`reader ${reader}: n${n} m${m} after n${floor[0]} m${floor[1]} committed`);
        if (n < last.n || m < last.m) wrong.push(`reader ${reader}: n${n} m${m} after it saw n${last.n} m${last.m}`);
        if (sandbox !== (m % 2 === 1)) wrong.push(`reader ${reader}: the membership and the rename of one transaction apart (m${m})`);
        const other = byTag.get(answer.headers.etag!);
        if (other !== undefined && other !== answer.body) wrong.push(`reader ${reader}: two bodies under ${answer.headers.etag}`);
        byTag.set(answer.headers.etag!, answer.body);
        last = { n, m };
      }
    };
    const reading = [0, 1, 2, 3].map(read);
    await Promise.all([write(0), write(1)]);
    done = true;
    await Promise.all(reading);
    t.strictSame(wrong, [], `${answers} answers: never older than what committed before, one body per tag`);
    const final = await ask(instances[0]!, UPTIMER, DEMO_UPTIMER_USER);
    t.match(final.body, new RegExp(`"n${ROUNDS}".*"m${ROUNDS}"`), "the last writes show");
  });
}

t.test("the standalone server answers ETags and 304s, on Postgres and embedded, with LISTING_CACHE_ENTRIES=0 too", async (t) => {
  const server = drivers.find((driver) => driver.url !== undefined);
  const environments: Record<string, string>[] = [{ LOBBY_DATA_DIR: "memory://" }];
  if (server !== undefined) {
    await reset(server);
    environments.push({ DATABASE_URL: server.url!, JWT_SECRET: SECRET }, { DATABASE_URL: server.url!, JWT_SECRET: SECRET, LISTING_CACHE_ENTRIES: "0" });
  }
  for (const env of environments) {
    const app = await createStandaloneApp(configFromEnvironment(env), { now: () => clock, log: () => {} });
    t.teardown(() => app.close());
    const authorization = app.demo === undefined ? await bearer(DEMO_USER) : `Bearer ${app.demo.token}`;
    const get = (headers: Record<string, string> = {}) => app.handler(new Request(SYSTEM, { headers: { authorization, ...headers } }));
    const first = await get();
    const label = Object.keys(env).join(", ");
    t.equal(first.status, 200, `${label}: 200`);
    const etag = first.headers.get("etag") ?? "";
    t.match(etag, WEAK_TAG, `${label}: an ETag`);
    t.equal((await get({ "if-none-match": etag })).status, 304, `${label}: 304`);
  }
});

t.test("a repository without listing versions gets no ETag and no 304", async (t) => {
  const rows: WorkspaceRepository = { listForUser: () => Promise.resolve([]) };
  const handler = handlerOver(rows);
  const answer = await ask(handler, SYSTEM, DEMO_USER, { "if-none-match": "*" });
  t.equal(answer.status, 200);
  t.equal(answer.headers.etag, undefined);
  // Half of the pair is not enough either.
  const half = handlerOver({ ...rows, listingVersion: () => Promise.resolve("1") });
  t.equal((await ask(half, SYSTEM, DEMO_USER, { "if-none-match": "*" })).status, 200);
});

t.test("a repository of one's own gets ETags and the cache from listingVersion and listItems", async (t) => {
  let version = 1;
  let listed = 0;
  const handler = handlerOver({
    listForUser: () => Promise.resolve([]),
    listingVersion: () => Promise.resolve(`v ${version}`), // not a tag's characters: hashed into it
    listItems: (_user, format) => {
      listed++;
      return Promise.resolve({ version: `v ${version}`, items: format.dialect === "uptimer" ? ['{"id":"ws_1","name":"One","role":"owner","kind":"workspace"}'] : [] });
    },
  });
  const first = await ask(handler, UPTIMER, DEMO_USER);
  t.equal(first.body, '{"result":[{"id":"ws_1","name":"One","role":"owner","kind":"workspace"}],"error":null,"meta":null}');
  t.match(first.headers.etag, WEAK_TAG);
  t.equal((await ask(handler, UPTIMER, DEMO_USER, { "if-none-match": first.headers.etag! })).status, 304);
  await ask(handler, UPTIMER, DEMO_USER);
  t.equal(listed, 1);
  version = 2;
  t.equal((await ask(handler, UPTIMER, DEMO_USER, { "if-none-match": first.headers.etag! })).status, 200);
  t.equal(listed, 2);
  t.equal(listingItemFormat("uptimer", "en").dialect, "uptimer");
});

t.test("a version lookup that fails or times out answers as a listing would", async (t) => {
  // With a tag from the client the version is looked up first.
  const tagged = { "if-none-match": 'W/"1s.en.x.1"' };
  const down: WorkspaceRepository = {
    listForUser: () => Promise.resolve([]),
    listingVersion: () => Promise.reject(new Error("boom")),
    listItems: () => Promise.reject(new Error("unreached")),
  };
  t.equal((await ask(handlerOver(down), SYSTEM, DEMO_USER, tagged)).status, 500, "an error: 500");
  const slow: WorkspaceRepository = {
    listForUser: () => Promise.resolve([]),
    listingVersion: (_user, options) => new Promise((_, reject) => options?.signal?.addEventListener("abort", () => reject(options.signal!.reason))),
    listItems: () => Promise.reject(new Error("unreached")),
  };
  t.equal((await ask(handlerOver(slow, { timeoutMs: 50 }), SYSTEM, DEMO_USER, tagged)).status, 503, "no answer in time: 503");
  // Without one, and nothing kept, the listing is read at once: its failures answer the same.
  t.equal((await ask(handlerOver(down), SYSTEM, DEMO_USER)).status, 500, "a listing read that fails: 500");
  const stuck: WorkspaceRepository = {
    ...slow,
    listItems: (_user, _format, options) => new Promise((_, reject) => options?.signal?.addEventListener("abort", () => reject(options.signal!.reason))),
  };
  t.equal((await ask(handlerOver(stuck, { timeoutMs: 50 }), SYSTEM, DEMO_USER)).status, 503, "a listing read out of time: 503");
});

t.test("createWorkspacesHandler checks the cache option", async (t) => {
  const repository: WorkspaceRepository = { listForUser: () => Promise.resolve([]) };
  for (const cache of [true, { entries: -1 }, { entries: 1.5 }, { bytes: "1" }, { size: 1 }]) {
    t.throws(() => handlerOver(repository, { cache } as never), {
      name: "TypeError",
      message: /^createWorkspacesHandler: options\.cache/,
    }, JSON.stringify(cache));
  }
  t.doesNotThrow(() => handlerOver(repository, { cache: { entries: 10, bytes: 1000 } }));
});
