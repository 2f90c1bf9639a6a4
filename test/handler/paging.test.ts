// The listing's query parameters through the handler, over an in-memory
// repository with pages: paging through every item with several page
// sizes and filters (each item once, in order, by following Link), the
// uptimer meta, counts, filters and the name prefix, ETags per parameters
// and 304s for pages, the memory of pages, HEAD, CORS, every refusal in
// every language in both dialects, hostile parameters, and the listing
// without parameters unchanged to the byte.
import t from "tap";
import { createWorkspacesHandler, type HandlerEvent, type WorkspacesHandlerOptions } from "../../lib/handler/handler.ts";
import { secretKeys } from "../../lib/auth/keys.ts";
import { encodeCursor, filtersFingerprint } from "../../lib/handler/_cursor.ts";
import { LISTING_PARAMETERS, type ListingParameter } from "../../lib/envelope/mod.ts";
import { CATALOGUES, type Locale, LOCALES } from "../../lib/locale/mod.ts";
import { ListingQueryError, RepositoryUnavailableError, type WorkspaceRepository } from "../../lib/repository/repository.ts";
import { kindCode, statusCode, type WorkspaceMembership } from "../../lib/repository/workspace.ts";
import { signToken } from "../_tokens.ts";
import { type PagedRepository, pagedRepository } from "./_paged_repository.ts";

const SECRET = "paging-test-secret-of-more-than-32-bytes";
const NOW = 1709337600000;
const NOW_S = NOW / 1000;
const BASE = "http://lobby.test";
const SYSTEM = "/web/v1/system/workspaces/mine";
const UPTIMER = "/api/v1/workspaces";
const APP = "https://app.example.com";

function row(bizId: string, name: string, day: number, extra: Partial<WorkspaceMembership> = {}): WorkspaceMembership {
  const at = new Date(Date.UTC(2026, 0, day, 9));
  return {
    bizId, institutionBizId: "INST_001", entityBizId: null, name, timezone: "UTC", status: 10010701, kind: 10010801,
    extraData: null, createdAt: at, updatedAt: at, role: "member", ...extra,
  };
}

// Alice's 23 memberships: roles, statuses and kinds mixed (unknown values
// too), names that differ in case and script, and creation times shared by
// several workspaces, so that the business id decides their order.
const ALICE: WorkspaceMembership[] = [
  row("ws_10", "Acme Production", 1, { role: "owner" }),
  row("ws_02", "acme staging", 1),
  row("ws_01", "ACME sandbox", 1, { kind: 10010802 }),
  row("ws_03", "Beta", 2, { status: 10010702, role: "owner" }),
  row("ws_04", "Ärzte Portal", 3, { status: 10010703 }),
  row("ws_05", "ärzte intern", 3, { status: 42, kind: 7 }),
  row("ws_06", "Zeta", 4, { role: "owner", kind: 10010802 }),
  row("ws_07", "ワークスペース東京", 5),
  row("ws_08", "ワーク大阪", 5, { role: "owner" }),
  row("ws_09", "Gamma \"quoted\"", 6, { status: 10010702 }),
  row("ws_11", "acmeless", 7, { role: "owner", status: 99 }),
  row("ws_12", "Delta", 8),
  row("ws_13", "Epsilon", 8, { kind: 10010802 }),
  row("ws_14", "Eta", 8, { role: "owner" }),
  row("ws_15", "Theta", 9, { status: 10010703, kind: 10010802 }),
  row("ws_16", "Iota", 10),
  row("ws_17", "Kappa", 11, { role: "owner" }),
  row("ws_18", "Lambda", 12),
  row("ws_19", "Mu", 13, { kind: 3 }),
  row("ws_20", "Nu", 14, { role: "owner" }),
  row("ws_21", "Xi", 15),
  row("ws_22", "Omicron", 16, { status: 10010702 }),
  row("ws_23", "Pi", 17, { role: "owner", kind: 10010802 }),
];
const BOB: WorkspaceMembership[] = [row("bob_1", "Acme Bob", 1, { role: "owner" }), row("bob_2", "Bobby", 30)];

function fixture(): PagedRepository {
  return pagedRepository({ alice: ALICE, bob: BOB });
}

async function makeHandler(repository: WorkspaceRepository, overrides: Partial<WorkspacesHandlerOptions> = {}) {
  const events: HandlerEvent[] = [];
  const handler = createWorkspacesHandler({
    repository,
    auth: { keys: await secretKeys(SECRET) },
    now: () => NOW,
    log: (event) => events.push(event),
    ...overrides,
  });
  return { handler, events };
}

const tokens = new Map<string, string>();
async function bearer(user: string): Promise<string> {
  if (!tokens.has(user)) tokens.set(user, await signToken({ secret: SECRET, payload: { sub: user, exp: NOW_S + 600, iat: NOW_S - 10 } }));
  return `Bearer ${tokens.get(user)}`;
}

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly text: string;
  // deno-lint-ignore no-explicit-any
  readonly body: any;
}

async function ask(handler: (request: Request) => Promise<Response>, target: string, user = "alice", headers: Record<string, string> = {}, method = "GET"): Promise<Answer> {
  const response = await handler(new Request(BASE + target, { method, headers: { authorization: await bearer(user), ...headers } }));
  const text = await response.text();
  const all = Object.fromEntries(response.headers);
  return { status: response.status, headers: all, text, body: text === "" ? undefined : JSON.parse(text) };
}

const idsOf = (answer: Answer, path: string): string[] =>
  path === SYSTEM ? answer.body.data.map((item: { bizId: string }) => item.bizId) : answer.body.result.map((item: { id: string }) => item.id);

// The expected listing, from the rows and plain predicates: the order and
// the filters written here once more, apart from the fake repository's.
function expected(rows: readonly WorkspaceMembership[], keep: (row: WorkspaceMembership) => boolean = () => true): string[] {
  return rows
    .filter(keep)
    .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.bizId < b.bizId ? -1 : 1))
    .map((item) => item.bizId);
}

const startsWith = (prefix: string) => (item: WorkspaceMembership) => item.name.toLowerCase().startsWith(prefix.toLowerCase());
const FILTERS: ReadonlyArray<readonly [string, (item: WorkspaceMembership) => boolean]> = [
  ["", () => true],
  ["role=owner", (item) => item.role === "owner"],
  ["status=ACTIVE,UNKNOWN", (item) => ["ACTIVE", "UNKNOWN"].includes(statusCode(item.status))],
  ["kind=SANDBOX", (item) => kindCode(item.kind) === "SANDBOX"],
  ["kind=UNKNOWN", (item) => kindCode(item.kind) === "UNKNOWN"],
  ["q=acme", startsWith("acme")],
  ["q=%C3%A4rzte", startsWith("ärzte")],
  [`q=${encodeURIComponent("ワーク")}`, startsWith("ワーク")],
  ["role=member&kind=LIVE&q=a", (item) => item.role === "member" && kindCode(item.kind) === "LIVE" && startsWith("a")(item)],
  ["q=zzz", () => false],
];

t.test("without parameters the answer is today's, byte for byte, and never a page", async (t) => {
  const paged = fixture();
  const { listPage: _, ...withoutPages } = fixture();
  const { handler } = await makeHandler(paged);
  const { handler: before } = await makeHandler(withoutPages);
  for (const path of [SYSTEM, UPTIMER]) {
    for (const target of [path, `${path}?`, `${path}#frag`]) {
      for (const method of ["GET", "HEAD"]) {
        const now = await ask(handler, target, "alice", { "accept-language": "ja" }, method);
        const then = await ask(before, target, "alice", { "accept-language": "ja" }, method);
        t.equal(now.status, 200, `${method} ${target}`);
        t.equal(now.text, then.text, `${method} ${target}: the same body`);
        const { "x-request-id": _a, ...nowHeaders } = now.headers;
        const { "x-request-id": _b, ...thenHeaders } = then.headers;
        t.strictSame(nowHeaders, thenHeaders, `${method} ${target}: the same headers`);
        t.equal(now.headers.link, undefined);
        t.equal(now.headers["x-total-count"], undefined);
      }
    }
    const answer = await ask(handler, path);
    t.strictSame(idsOf(answer, path), expected(ALICE), "every membership, in listing order");
    if (path === UPTIMER) t.equal(answer.body.meta, null);
  }
  t.equal(paged.calls.listPage, 0, "listPage is never asked without parameters");
});

t.test("paging through every item with several page sizes and filters yields each once, in order", async (t) => {
  const { handler } = await makeHandler(fixture());
  for (const path of [SYSTEM, UPTIMER]) {
    for (const [filter, keep] of FILTERS) {
      const want = expected(ALICE, keep);
      for (const limit of [1, 2, 3, 5, 7, 22, 23, 24, 500]) {
        const seen: string[] = [];
        let target: string | undefined = `${path}?${filter}${filter ? "&" : ""}limit=${limit}`;
        let pages = 0;
        while (target !== undefined) {
          const answer = await ask(handler, target);
          if (answer.status !== 200) {
            t.fail(`${target}: ${answer.status} ${answer.text}`);
            break;
          }
          pages++;
          const ids = idsOf(answer, path);
          seen.push(...ids);
          const link = answer.headers.link;
          const next = link === undefined ? undefined : /^<([^>]+)>; rel="next"$/.exec(link)?.[1];
          if (link !== undefined && next === undefined) t.fail(`a malformed Link: ${link}`);
          if (next !== undefined) {
            if (ids.length !== limit) t.fail(`${target}: a page before the last has ${ids.length} items, not ${limit}`);
            t.ok(next.startsWith(`${path}?`), "the link keeps the path");
          }
          if (path === UPTIMER) {
            const cursor = next === undefined ? null : new URL(next, BASE).searchParams.get("cursor");
            if (JSON.stringify(answer.body.meta) !== JSON.stringify({ next_cursor: cursor, has_more: next !== undefined })) {
              t.fail(`${target}: meta ${JSON.stringify(answer.body.meta)} does not match the link`);
            }
          } else if (JSON.stringify(Object.keys(answer.body)) !== JSON.stringify(["version", "timestamp", "success", "code", "message", "data"])) {
            t.fail("the system envelope changed");
          }
          target = next;
          if (pages > 40) {
            t.fail("never ends");
            break;
          }
        }
        t.strictSame(seen, want, `${path} ${filter || "no filter"}, limit ${limit}: ${pages} pages`);
        t.equal(pages, Math.max(1, Math.ceil(want.length / limit)), `${path} ${filter} ${limit}: no empty last page`);
      }
    }
  }
});

t.test("the next page's Link keeps the request's parameters in their order; a cursor alone keeps its page size", async (t) => {
  const { handler } = await makeHandler(fixture());
  const first = await ask(handler, `${UPTIMER}?status=UNKNOWN,ACTIVE&count=true&limit=2&role=member,member`);
  const cursor = first.body.meta.next_cursor as string;
  t.match(cursor, /^[A-Za-z0-9_-]+$/);
  t.equal(first.headers.link, `<${UPTIMER}?status=UNKNOWN,ACTIVE&count=true&limit=2&role=member,member&cursor=${cursor}>; rel="next"`);
  t.strictSame(Object.keys(first.body.meta), ["next_cursor", "has_more", "total_count"], "meta's fields in order");
  const want = expected(ALICE, (item) => item.role === "member" && ["ACTIVE", "UNKNOWN"].includes(statusCode(item.status)));
  t.ok(want.length > 8, "enough for four pages");
  t.equal(first.body.meta.total_count, want.length);
  t.equal(first.headers["x-total-count"], String(want.length));

  const alone = await ask(handler, `${UPTIMER}?cursor=${cursor}&status=ACTIVE,UNKNOWN&role=member`);
  t.strictSame(idsOf(alone, UPTIMER), want.slice(2, 4), "the cursor's page size");
  t.equal(alone.body.meta.total_count, undefined, "no count unless asked");
  t.equal(alone.headers["x-total-count"], undefined);
  const wider = await ask(handler, `${UPTIMER}?role=member&cursor=${cursor}&limit=3&status=UNKNOWN,ACTIVE`);
  t.strictSame(idsOf(wider, UPTIMER), want.slice(2, 5), "the request's page size");
  const next = /<([^>]+)>/.exec(wider.headers.link!)![1]!;
  t.match(next, new RegExp(`^${UPTIMER}\\?role=member&cursor=[A-Za-z0-9_-]+&limit=3&status=UNKNOWN,ACTIVE$`), "cursor replaced where it was");
  t.strictSame(idsOf(await ask(handler, next), UPTIMER), want.slice(5, 8));

  const system = await ask(handler, `${SYSTEM}?limit=4`);
  t.match(system.headers.link, new RegExp(`^<${SYSTEM}\\?limit=4&cursor=[A-Za-z0-9_-]+>; rel="next"$`), "the system dialect links too");
  const custom = await makeHandler(fixture(), { routes: { uptimer: { path: "/v2/ws", prefix: "/v2/" } } });
  t.match((await ask(custom.handler, "/v2/ws?limit=1")).headers.link, /^<\/v2\/ws\?limit=1&cursor=/, "a moved route links to itself");
});

t.test("count: X-Total-Count in both dialects and total_count in meta, only when asked", async (t) => {
  const { handler } = await makeHandler(fixture());
  const all = await ask(handler, `${UPTIMER}?count=true`);
  t.equal(all.headers["x-total-count"], "23");
  t.strictSame(all.body.meta, { total_count: 23 }, "a count without a page");
  t.equal(all.body.result.length, 23);
  const system = await ask(handler, `${SYSTEM}?count=true&status=SUSPENDED`);
  t.equal(system.headers["x-total-count"], String(expected(ALICE, (item) => item.status === 10010702).length));
  t.strictSame(Object.keys(system.body), ["version", "timestamp", "success", "code", "message", "data"], "the system envelope does not change");
  const none = await ask(handler, `${UPTIMER}?count=true&q=nothing`);
  t.equal(none.headers["x-total-count"], "0");
  t.strictSame(none.body, { result: [], error: null, meta: { total_count: 0 } });
  const lastPage = await ask(handler, `${UPTIMER}?count=true&limit=500`);
  t.strictSame(lastPage.body.meta, { next_cursor: null, has_more: false, total_count: 23 });
  t.equal(lastPage.headers.link, undefined, "no Link on the last page");

  const off = await ask(handler, `${UPTIMER}?count=false`);
  const plain = await ask(handler, UPTIMER);
  t.equal(off.text, plain.text, "count=false: the whole listing, meta null");
  t.equal(off.headers["x-total-count"], undefined);
  t.equal(off.headers.etag, plain.headers.etag, "the same listing, the same tag");
  const filtered = await ask(handler, `${UPTIMER}?role=owner`);
  t.equal(filtered.body.meta, null, "a filter alone: meta stays null");
  t.equal(filtered.headers.link, undefined);
});

t.test("filters: roles, statuses and kinds by code, the name by case-insensitive prefix", async (t) => {
  const { handler } = await makeHandler(fixture());
  const cases: Array<[string, (item: WorkspaceMembership) => boolean]> = [
    ["role=owner", (item) => item.role === "owner"],
    ["role=member", (item) => item.role === "member"],
    ["role=owner,member", () => true],
    ["status=ACTIVE", (item) => item.status === 10010701],
    ["status=UNKNOWN", (item) => ![10010701, 10010702, 10010703].includes(item.status)],
    ["status=SUSPENDED,ARCHIVED", (item) => [10010702, 10010703].includes(item.status)],
    ["kind=LIVE", (item) => item.kind === 10010801],
    ["kind=SANDBOX,UNKNOWN", (item) => item.kind !== 10010801],
    ["q=ACME", startsWith("acme")],
    ["q=Acme+P", startsWith("acme p")],
    ["q=cme", () => false],
    ["q=%22", () => false],
    ["q=Gamma+%22", startsWith("gamma \"")],
    ["q=ワークス", startsWith("ワークス")],
    ["role=owner&status=ACTIVE&kind=SANDBOX", (item) => item.role === "owner" && item.status === 10010701 && item.kind === 10010802],
  ];
  for (const [query, keep] of cases) {
    for (const path of [SYSTEM, UPTIMER]) {
      const answer = await ask(handler, `${path}?${query.replace("ワークス", encodeURIComponent("ワークス"))}`);
      t.equal(answer.status, 200, `${path}?${query}`);
      t.strictSame(idsOf(answer, path), expected(ALICE, keep), `${path}?${query}`);
    }
  }
  const system = await ask(handler, `${SYSTEM}?status=UNKNOWN&kind=UNKNOWN`);
  t.strictSame(system.body.data.map((item: { workspaceStatus: { code: string } }) => item.workspaceStatus.code), ["UNKNOWN"]);
});

t.test("the user always comes from the token: a cursor grants nothing", async (t) => {
  const repository = fixture();
  const { handler } = await makeHandler(repository);
  const alice = await ask(handler, `${UPTIMER}?limit=1`);
  const cursor = alice.body.meta.next_cursor as string;
  const bob = await ask(handler, `${UPTIMER}?cursor=${cursor}`, "bob");
  t.equal(bob.status, 200);
  t.ok(idsOf(bob, UPTIMER).every((id) => id.startsWith("bob_")), "bob sees only his own workspaces");
  t.ok(repository.pages.every(({ user }, i) => user === (i === 0 ? "alice" : "bob")), "the repository is asked for the token's user only");
});

t.test("ETags per dialect, language, user version and parameters; a 304 for a page", async (t) => {
  const repository = fixture();
  const { handler } = await makeHandler(repository, { cors: { origins: [APP] } });
  const { listPage: _, ...withoutPages } = fixture();
  const { handler: before } = await makeHandler(withoutPages);
  const tag = async (target: string, headers: Record<string, string> = {}) => (await ask(handler, target, "alice", headers)).headers.etag!;
  const whole = await tag(UPTIMER);
  t.equal(whole, (await ask(before, UPTIMER)).headers.etag, "without parameters: today's tag");
  const first = await ask(handler, `${UPTIMER}?limit=2`);
  const cursor = first.body.meta.next_cursor;
  const tags = [
    whole,
    first.headers.etag!,
    await tag(`${UPTIMER}?limit=3`),
    await tag(`${UPTIMER}?cursor=${cursor}`),
    await tag(`${UPTIMER}?limit=2&count=true`),
    await tag(`${UPTIMER}?role=owner`),
    await tag(`${UPTIMER}?q=a`),
    await tag(`${UPTIMER}?q=A`),
    await tag(`${SYSTEM}?limit=2`),
    await tag(`${UPTIMER}?limit=2`, { "accept-language": "vi" }),
  ];
  t.equal(new Set(tags).size, tags.length, "each page, filter, count, dialect and language its own tag");
  for (const etag of tags) t.match(etag, /^W\/"[\x21\x23-\x7e]+"$/, "a weak tag");
  t.equal(await tag(`${UPTIMER}?role=member,owner`), await tag(`${UPTIMER}?role=owner,member,owner`), "one filter, however spelled");
  t.equal(await tag(`${UPTIMER}?limit=2&cursor=${cursor}`), tags[3], "the cursor's own page size, given or not");
  const other = await makeHandler(fixture());
  t.equal((await ask(other.handler, `${UPTIMER}?limit=2`)).headers.etag, first.headers.etag, "the same in another instance");

  const listed = repository.calls.listPage;
  for (const method of ["GET", "HEAD"]) {
    const again = await ask(handler, `${UPTIMER}?limit=2`, "alice", { "if-none-match": first.headers.etag!, origin: APP }, method);
    t.equal(again.status, 304, `${method}: 304 for a page`);
    t.equal(again.text, "");
    t.equal(again.headers.etag, first.headers.etag);
    t.equal(again.headers.link, undefined, "a 304 carries no Link: the client's copy has it");
    t.equal(again.headers["x-total-count"], undefined);
    t.equal(again.headers["access-control-expose-headers"], "Content-Language, ETag, X-Request-Id, WWW-Authenticate, Link, X-Total-Count");
  }
  t.equal(repository.calls.listPage, listed, "a 304 reads no page");
  t.equal((await ask(handler, `${UPTIMER}?limit=3`, "alice", { "if-none-match": first.headers.etag! })).status, 200, "another page's tag: 200");
  t.equal((await ask(handler, UPTIMER, "alice", { "if-none-match": first.headers.etag! })).status, 200, "a page's tag is not the whole listing's");
  t.equal((await ask(handler, `${UPTIMER}?limit=2`, "bob", { "if-none-match": first.headers.etag! })).status, 200, "another user: 200");

  repository.set("alice", ALICE.slice(1));
  const changed = await ask(handler, `${UPTIMER}?limit=2`, "alice", { "if-none-match": first.headers.etag! });
  t.equal(changed.status, 200, "a new version: 200");
  t.not(changed.headers.etag, first.headers.etag);
  t.strictSame(idsOf(changed, UPTIMER), expected(ALICE.slice(1)).slice(0, 2), "the new listing");
});

t.test("a page is read once per version and kept with its next position and count", async (t) => {
  const repository = fixture();
  const { handler } = await makeHandler(repository);
  const first = await ask(handler, `${UPTIMER}?limit=2&count=true`);
  const second = await ask(handler, `${UPTIMER}?count=true&limit=2`);
  t.equal(repository.calls.listPage, 1, "read once");
  t.equal(second.text, first.text);
  t.equal(second.headers["x-total-count"], "23");
  t.equal(second.headers.link, first.headers.link!.replace("limit=2&count=true", "count=true&limit=2"), "the link of this request's parameters");
  await ask(handler, `${SYSTEM}?count=true&limit=2`);
  await ask(handler, `${UPTIMER}?limit=2`);
  t.equal(repository.calls.listPage, 3, "each dialect and set of parameters read apart");
  repository.set("alice", ALICE);
  await ask(handler, `${UPTIMER}?limit=2&count=true`);
  t.equal(repository.calls.listPage, 4, "a new version is read again");

  const uncached = fixture();
  const off = await makeHandler(uncached, { cache: false });
  await ask(off.handler, `${UPTIMER}?limit=2`);
  const tagged = await ask(off.handler, `${UPTIMER}?limit=2`);
  t.equal(uncached.calls.listPage, 2, "cache: false reads every time");
  t.equal((await ask(off.handler, `${UPTIMER}?limit=2`, "alice", { "if-none-match": tagged.headers.etag! })).status, 304, "and still answers 304");
});

t.test("HEAD answers a page as GET does, without the body", async (t) => {
  const { handler } = await makeHandler(fixture());
  for (const path of [SYSTEM, UPTIMER]) {
    const get = await ask(handler, `${path}?limit=2&count=true`);
    const head = await ask(handler, `${path}?limit=2&count=true`, "alice", {}, "HEAD");
    t.equal(head.status, 200);
    t.equal(head.text, "");
    t.equal(head.headers.link, get.headers.link);
    t.equal(head.headers["x-total-count"], "23");
    t.equal(head.headers.etag, get.headers.etag);
    t.equal(Number(head.headers["content-length"]), new TextEncoder().encode(get.text).length);
    const refused = await ask(handler, `${path}?limit=0`, "alice", {}, "HEAD");
    t.equal(refused.status, 400);
    t.equal(refused.text, "");
  }
});

t.test("CORS: answers to a listing with parameters let the page read Link and X-Total-Count", async (t) => {
  const { handler } = await makeHandler(fixture(), { cors: { origins: [APP] } });
  const paged = "Content-Language, ETag, X-Request-Id, WWW-Authenticate, Link, X-Total-Count";
  for (const [target, status] of [[`${UPTIMER}?limit=2`, 200], [`${SYSTEM}?count=true`, 200], [`${UPTIMER}?limit=0`, 400], [`${UPTIMER}?page=1`, 400]] as const) {
    const answer = await ask(handler, target, "alice", { origin: APP });
    t.equal(answer.status, status, target);
    t.equal(answer.headers["access-control-expose-headers"], paged, `${target}: exposed`);
    t.equal(answer.headers["access-control-allow-origin"], APP);
  }
  const plain = await ask(handler, UPTIMER, "alice", { origin: APP });
  t.equal(plain.headers["access-control-expose-headers"], "Content-Language, ETag, X-Request-Id, WWW-Authenticate", "without parameters: as before");
  const refused = await ask(handler, `${UPTIMER}?limit=2`, "alice", { origin: "https://evil.example" });
  t.strictSame(Object.keys(refused.headers).filter((name) => name.startsWith("access-control-")), [], "a refused origin still gets none");
  const noToken = await handler(new Request(`${BASE}${UPTIMER}?limit=2`, { headers: { origin: APP } }));
  t.equal(noToken.status, 401);
  t.equal(noToken.headers.get("access-control-expose-headers"), "Content-Language, ETag, X-Request-Id, WWW-Authenticate", "a 401 is answered before the parameters are read");
});

// What each refused parameter's texts must be, from the catalogue's
// templates, filled here independently of lib/envelope.
function texts(locale: Locale, parameter: ListingParameter, problem: "invalid" | "repeated") {
  const parameters = CATALOGUES[locale].parameters;
  const fill = (template: string) => template.split("{parameter}").join(parameter).split("{accepts}").join(parameters.accepts[parameter]);
  return {
    system: fill(problem === "invalid" ? parameters.systemInvalid : parameters.systemRepeated),
    message: fill(parameters.message),
    details: fill(problem === "invalid" ? parameters.invalid : parameters.repeated),
  };
}

t.test("every refused parameter, in every language, in both dialects, names the parameter and never echoes the value", async (t) => {
  const repository = fixture();
  const { handler } = await makeHandler(repository);
  const good = (await ask(handler, `${UPTIMER}?limit=1&role=owner`)).body.meta.next_cursor as string;
  const tampered = good.slice(0, 5) + (good[5] === "A" ? "B" : "A") + good.slice(6);
  const forged = encodeCursor({ position: "pos1.0.FORGED_POSITION", filters: filtersFingerprint({}), limit: 2 });
  const HOSTILE = "HOSTILE";
  const cases: Array<[string, ListingParameter, "invalid" | "repeated"]> = [
    ["limit=0", "limit", "invalid"],
    ["limit=501", "limit", "invalid"],
    ["limit=1e2", "limit", "invalid"],
    ["limit=+5", "limit", "invalid"],
    ["limit=010", "limit", "invalid"],
    [`limit=${HOSTILE}`, "limit", "invalid"],
    [`cursor=${HOSTILE}_${tampered}`, "cursor", "invalid"],
    [`cursor=${tampered}&role=owner`, "cursor", "invalid"],
    [`cursor=${good}`, "cursor", "invalid"],
    [`cursor=${good}&role=member`, "cursor", "invalid"],
    [`cursor=${forged}`, "cursor", "invalid"],
    [`cursor=${HOSTILE}%00`, "cursor", "invalid"],
    [`role=${HOSTILE}`, "role", "invalid"],
    ["role=owner,", "role", "invalid"],
    [`status=${HOSTILE}`, "status", "invalid"],
    ["status=active", "status", "invalid"],
    [`kind=${HOSTILE}`, "kind", "invalid"],
    [`q=${HOSTILE}%00`, "q", "invalid"],
    [`q=${HOSTILE}%C3%28`, "q", "invalid"],
    [`q=${HOSTILE}${"x".repeat(100)}`, "q", "invalid"],
    ["q=", "q", "invalid"],
    [`count=${HOSTILE}`, "count", "invalid"],
    ["count", "count", "invalid"],
    ...LISTING_PARAMETERS.map((parameter): [string, ListingParameter, "repeated"] => [`${parameter}=${HOSTILE}&${parameter}=${HOSTILE}`, parameter, "repeated"]),
  ];
  for (const locale of LOCALES) {
    for (const [query, parameter, problem] of cases) {
      const want = texts(locale, parameter, problem);
      const uptimer = await ask(handler, `${UPTIMER}?${query}`, "alice", { "accept-language": locale });
      const system = await ask(handler, `${SYSTEM}?${query}`, "alice", { "accept-language": locale });
      const label = `${locale} ${query.slice(0, 40)}`;
      t.equal(uptimer.status, 400, `${label}: 400`);
      t.equal(system.status, 400, `${label}: 400`);
      t.equal(uptimer.headers["content-language"], locale);
      t.equal(
        uptimer.text,
        JSON.stringify({ result: null, error: { code: 1400, error_type: "invalid_request", message: want.message, details: want.details }, meta: null }),
        `${label}: uptimer body`,
      );
      t.equal(
        system.text,
        JSON.stringify({ version: "1.3.0", timestamp: NOW, success: false, code: "4000", message: want.system, data: null }),
        `${label}: system body`,
      );
      for (const text of [want.system, want.message, want.details]) t.ok(text.includes(parameter), `${label}: names ${parameter}`);
      for (const body of [uptimer.text, system.text]) {
        t.notOk(body.includes(HOSTILE) || body.includes(good) || body.includes("FORGED"), `${label}: the value is not echoed`);
      }
    }
  }
  // The English texts, to the letter.
  const english = async (query: string) => (await ask(handler, `${UPTIMER}?${query}`)).body.error;
  t.strictSame(await english("limit=0"), {
    code: 1400, error_type: "invalid_request", message: "Invalid query parameter: limit", details: "The query parameter limit must be an integer from 1 to 500",
  });
  t.equal((await english(`cursor=${tampered}`)).details, "The query parameter cursor must be a cursor from this listing's Link header, for the same filters");
  t.equal((await english("role=x")).details, "The query parameter role must be owner or member, comma-separated");
  t.equal((await english("status=x")).details, "The query parameter status must be ACTIVE, SUSPENDED, ARCHIVED or UNKNOWN, comma-separated");
  t.equal((await english("kind=x")).details, "The query parameter kind must be LIVE, SANDBOX or UNKNOWN, comma-separated");
  t.equal((await english("q=%00")).details, "The query parameter q must be 1 to 100 characters without control characters");
  t.equal((await english("count=x")).details, "The query parameter count must be true or false");
  t.equal((await english("limit=1&limit=1")).details, "The query parameter limit may be given only once");
  t.equal((await ask(handler, `${SYSTEM}?limit=0`)).body.message, "Invalid request: the query parameter limit must be an integer from 1 to 500");
  t.equal((await ask(handler, `${SYSTEM}?q=a&q=b`)).body.message, "Invalid request: the query parameter q may be given only once");
});

t.test("an unknown parameter gets the malformed request's own texts, in every language", async (t) => {
  const { handler } = await makeHandler(fixture());
  for (const locale of LOCALES) {
    const catalogue = CATALOGUES[locale];
    for (const query of ["page=2", "LIMIT=5", "limit=5&", "&", "%zz=1", "offset=10&limit=5", "limit=0&sort=name", "q.x=1"]) {
      const uptimer = await ask(handler, `${UPTIMER}?${query}`, "alice", { "accept-language": locale });
      t.strictSame(uptimer.body.error, {
        code: 1400,
        error_type: "invalid_request",
        message: catalogue.uptimer.malformed_request.message,
        details: catalogue.uptimer.malformed_request.details,
      }, `${locale} ${query}`);
      const system = await ask(handler, `${SYSTEM}?${query}`, "alice", { "accept-language": locale });
      t.equal(system.body.message, catalogue.system["4000"], `${locale} ${query}: system`);
      t.equal(system.body.code, "4000");
    }
  }
});

t.test("a repository without pages, or without versions, refuses every parameter as before", async (t) => {
  const { listPage: _, ...withoutPages } = fixture();
  const { listingVersion: __, ...withoutVersions } = fixture();
  for (const repository of [withoutPages, withoutVersions, { listForUser: () => Promise.resolve([]) }]) {
    const { handler } = await makeHandler(repository);
    for (const query of ["limit=2", "count=true", "role=owner", "q=a", "limit=0", "page=2", "limit=1&limit=1"]) {
      const uptimer = await ask(handler, `${UPTIMER}?${query}`);
      t.equal(uptimer.text, JSON.stringify({
        result: null,
        error: { code: 1400, error_type: "invalid_request", message: "Invalid request", details: "A request header or query parameter is malformed" },
        meta: null,
      }), `${query}: uptimer`);
      const system = await ask(handler, `${SYSTEM}?${query}`);
      t.equal(system.body.message, "Invalid request: a header or query parameter is malformed", `${query}: system`);
    }
  }
});

t.test("the repository's ListingQueryError names its parameter; other failures answer as a listing's", async (t) => {
  const refusing = (parameter: string, sync = false): WorkspaceRepository => ({
    ...fixture(),
    listPage: sync
      ? () => {
        throw new ListingQueryError(parameter, "no");
      }
      : () => Promise.reject(new ListingQueryError(parameter, "no")),
  });
  for (const [repository, status, details] of [
    [refusing("limit"), 400, "The query parameter limit must be an integer from 1 to 500"],
    [refusing("cursor", true), 400, "The query parameter cursor must be a cursor from this listing's Link header, for the same filters"],
    [refusing("sort"), 400, "A request header or query parameter is malformed"],
    [refusing("<script>"), 400, "A request header or query parameter is malformed"],
    [{ ...fixture(), listPage: () => Promise.reject(new RepositoryUnavailableError()) }, 503, undefined],
    [{ ...fixture(), listPage: () => Promise.reject(new Error("bug: SELECT secret")) }, 500, undefined],
    [{ ...fixture(), listPage: () => new Promise(() => {}) }, 503, undefined],
  ] as const) {
    const { handler, events } = await makeHandler(repository as WorkspaceRepository, { timeoutMs: 50 });
    const answer = await ask(handler, `${UPTIMER}?limit=2`);
    t.equal(answer.status, status, `${status} ${details ?? ""}`);
    if (details !== undefined) t.equal(answer.body.error.details, details);
    t.notOk(answer.text.includes("script") || answer.text.includes("secret"), "nothing of the error in the body");
    if (status === 400) t.strictSame(events, [], "a refused query is not an error to log");
  }
  // A count asked for and not given is the repository's bug.
  const uncounted = { ...fixture(), listPage: (...args: Parameters<NonNullable<WorkspaceRepository["listPage"]>>) => fixture().listPage!(args[0], args[1], { ...args[2], count: false }) };
  const { handler, events } = await makeHandler(uncounted);
  t.equal((await ask(handler, `${UPTIMER}?count=true`)).status, 500);
  t.equal(events.at(-1)?.event, "internal_error");
  t.equal((await ask(handler, `${UPTIMER}?limit=2`)).status, 200, "without count, no total is needed");
});

t.test("request checks still apply with parameters, and hostile queries never break the handler", async (t) => {
  const { handler } = await makeHandler(fixture());
  t.equal((await ask(handler, `${SYSTEM}?limit=2`, "alice", { "x-workspace-id": "bad id!" })).body.message, "Invalid request: a header or query parameter is malformed", "X-Workspace-Id still checked");
  t.equal((await handler(new Request(`${BASE}${UPTIMER}?limit=0`))).status, 401, "the token first");
  t.equal((await handler(new Request(`${BASE}${UPTIMER}?limit=2`, { method: "POST" }))).status, 405);
  const hostile = [
    "q=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    "q=%27%20OR%201%3D1--",
    "q=%E2%80%AE%E2%80%8B",
    "q=%25",
    "q=_",
    "q=%5C",
    `q=${"%F0%9F%98%80".repeat(100)}`,
    `q=${"%F0%9F%98%80".repeat(101)}`,
    `limit=${"9".repeat(10_000)}`,
    `cursor=${"A".repeat(100_000)}`,
    `q=${"a".repeat(100_000)}`,
    "x".repeat(200_000),
    Array.from({ length: 10_000 }, (_, i) => `p${i}=1`).join("&"),
    "limit=%FF%FE",
    "q=%F0%90%80",
    "%00=1",
    "limit=5%00",
    "cursor=%2F..%2F..%2Fetc%2Fpasswd",
  ];
  for (const query of hostile) {
    for (const path of [SYSTEM, UPTIMER]) {
      const answer = await ask(handler, `${path}?${query}`);
      t.ok(answer.status === 200 || answer.status === 400, `${query.slice(0, 30)}: ${answer.status}`);
      t.ok(answer.text.length < 20_000, "a small answer");
      if (answer.status === 400) t.notOk(answer.text.includes("script") || answer.text.includes("passwd") || answer.text.includes("999"), "nothing echoed");
    }
  }
});
