// The listing's query parameters through the handler over lobby's own
// repositories, on both drivers (PGlite and a real Postgres server):
// following Link with several page sizes and filters lists what the
// listing without parameters lists, each item once, in order; counts;
// ETags per page and 304s; a cursor for other filters, or one with a
// position the repository never made, refused naming `cursor`.
import t from "tap";
import { secretKeys } from "../../lib/auth/keys.ts";
import { createWorkspacesHandler } from "../../lib/handler/handler.ts";
import { encodeCursor, filtersFingerprint } from "../../lib/handler/_cursor.ts";
import type { WorkspaceRepository } from "../../lib/repository/repository.ts";
import { RESET_SQL } from "../repository/fixtures/expected.ts";
import { type VersionedDriver, versionedDrivers } from "../repository/fixtures/versioned_drivers.ts";
import { signToken } from "../_tokens.ts";

const SECRET = "paging-drivers-secret-of-more-than-32-bytes";
const BASE = "http://lobby.test";
const SYSTEM = "/web/v1/system/workspaces/mine";
const UPTIMER = "/api/v1/workspaces";
const USER = "pager";
const drivers = await versionedDrivers(t);
const keys = await secretKeys(SECRET);
const now = Math.floor(Date.now() / 1000);
const tokens = new Map<string, string>();
async function bearer(user: string): Promise<string> {
  if (!tokens.has(user)) tokens.set(user, await signToken({ secret: SECRET, payload: { sub: user, exp: now + 3600, iat: now - 10 } }));
  return `Bearer ${tokens.get(user)}`;
}

const NAMES = ["Alpha", "alpine", "ALPS", "Beta", "beta max", "Gamma", "Zeta"];
const STATUSES = [10010701, 10010702, 10010703, 42];
const KINDS = [10010801, 10010802, 7];

// 130 memberships with shared creation times, roles, statuses and kinds
// known and unknown, and names that differ in case; another user in every
// fifth workspace; ten soft-deleted workspaces never listed.
async function reset(driver: VersionedDriver): Promise<void> {
  await driver.run(RESET_SQL);
  const rows: string[] = [];
  for (let i = 0; i < 140; i++) {
    const name = `${NAMES[i % NAMES.length]} ${i}`;
    const biz = `ws_${String((i * 37) % 140).padStart(3, "0")}`;
    const deleted = i % 14 === 13 ? "now()" : "NULL";
    rows.push(`(${i + 1}, '${biz}', 'INST', '${name}', ${STATUSES[i % 4]}, ${KINDS[(i >> 1) % 3]}, timestamptz '2025-01-01 00:00:00+00' + interval '${Math.floor(i / 3)} minutes', ${deleted})`);
  }
  await driver.run(`INSERT INTO institutions (biz_id, name) VALUES ('INST', 'Institution');
INSERT INTO workspaces (id, biz_id, institution_biz_id, name, status, kind, created_at, deleted_at) VALUES ${rows.join(",")};
INSERT INTO workspace_members (user_id, workspace_id, role) SELECT '${USER}', id, CASE WHEN id % 3 = 0 THEN 'owner' ELSE 'member' END FROM workspaces;
INSERT INTO workspace_members (user_id, workspace_id, role) SELECT 'other', id, 'owner' FROM workspaces WHERE id % 5 = 0;`);
}

interface Item {
  readonly id: string;
  readonly name: string;
  readonly role: string;
  readonly status: string;
  readonly kind: string;
}

async function get(handler: (request: Request) => Promise<Response>, target: string, headers: Record<string, string> = {}) {
  const response = await handler(new Request(BASE + target, { headers: { authorization: await bearer(USER), ...headers } }));
  const text = await response.text();
  return { status: response.status, headers: Object.fromEntries(response.headers), text, body: text === "" ? undefined : JSON.parse(text) };
}

// The whole listing, as both dialects tell it without parameters.
async function everything(handler: (request: Request) => Promise<Response>): Promise<Item[]> {
  const system = (await get(handler, SYSTEM)).body.data as Array<{ bizId: string; workspaceName: string; workspaceStatus: { code: string }; workspaceKind: { code: string } }>;
  const uptimer = (await get(handler, UPTIMER)).body.result as Array<{ id: string; role: string }>;
  return system.map((item, i) => ({
    id: item.bizId,
    name: item.workspaceName,
    role: uptimer[i]!.role,
    status: item.workspaceStatus.code,
    kind: item.workspaceKind.code,
  }));
}

const FILTERS: ReadonlyArray<readonly [string, (item: Item) => boolean]> = [
  ["", () => true],
  ["role=owner", (item) => item.role === "owner"],
  ["status=SUSPENDED,UNKNOWN", (item) => ["SUSPENDED", "UNKNOWN"].includes(item.status)],
  ["kind=UNKNOWN", (item) => item.kind === "UNKNOWN"],
  ["q=alp", (item) => item.name.toLowerCase().startsWith("alp")],
  ["q=BETA+M", (item) => item.name.toLowerCase().startsWith("beta m")],
  ["role=member&status=ACTIVE&kind=LIVE,SANDBOX", (item) => item.role === "member" && item.status === "ACTIVE" && item.kind !== "UNKNOWN"],
];

for (const driver of drivers) {
  t.test(`${driver.name}: following Link pages through what the listing without parameters lists`, async (t) => {
    await reset(driver);
    const repository: WorkspaceRepository = driver.repository();
    t.equal(typeof repository.listPage, "function", "lobby's repository serves pages");
    const handler = createWorkspacesHandler({ repository, auth: { keys }, log: () => {} });
    const all = await everything(handler);
    t.equal(all.length, 130);
    for (const [filter, keep] of FILTERS) {
      const want = all.filter(keep).map((item) => item.id);
      const counted = await get(handler, `${UPTIMER}?${filter}${filter ? "&" : ""}count=true`);
      t.equal(counted.headers["x-total-count"], String(want.length), `${filter}: the count`);
      t.strictSame(counted.body.result.map((item: { id: string }) => item.id), want, `${filter}: the filtered listing`);
      for (const limit of [1, 7, 50, 500]) {
        for (const path of [SYSTEM, UPTIMER]) {
          const seen: string[] = [];
          let target: string | undefined = `${path}?limit=${limit}${filter ? "&" : ""}${filter}`;
          let pages = 0;
          while (target !== undefined && pages <= 140) {
            const page = await get(handler, target);
            if (page.status !== 200) {
              t.fail(`${target}: ${page.status} ${page.text}`);
              break;
            }
            pages++;
            seen.push(...(path === SYSTEM ? page.body.data.map((item: { bizId: string }) => item.bizId) : page.body.result.map((item: { id: string }) => item.id)));
            target = page.headers.link === undefined ? undefined : /^<([^>]+)>; rel="next"$/.exec(page.headers.link)![1];
          }
          t.strictSame(seen, want, `${path} ${filter || "everything"}, limit ${limit}: ${pages} pages`);
        }
      }
    }
  });

  t.test(`${driver.name}: a page's ETag and 304, and cursors the repository or the filters refuse`, async (t) => {
    await reset(driver);
    const handler = createWorkspacesHandler({ repository: driver.repository(), auth: { keys }, log: () => {} });
    const first = await get(handler, `${UPTIMER}?limit=10&role=owner`);
    const tag = first.headers.etag!;
    t.equal((await get(handler, `${UPTIMER}?limit=10&role=owner`, { "if-none-match": tag })).status, 304, "304 for the page");
    t.not((await get(handler, UPTIMER)).headers.etag, tag, "not the whole listing's tag");
    const other = createWorkspacesHandler({ repository: await driver.another(), auth: { keys }, log: () => {} });
    t.equal((await get(other, `${UPTIMER}?role=owner&limit=10`)).headers.etag, tag, "the same tag in another instance");

    const cursor = first.body.meta.next_cursor as string;
    const wrong = await get(handler, `${UPTIMER}?cursor=${cursor}&role=member`);
    t.equal(wrong.status, 400, "a cursor for other filters");
    t.equal(wrong.body.error.details, "The query parameter cursor must be a cursor from this listing's Link header, for the same filters");
    const forged = encodeCursor({ position: "not a position", filters: filtersFingerprint({}), limit: 5 });
    const refused = await get(handler, `${SYSTEM}?cursor=${forged}`);
    t.equal(refused.status, 400, "a position the repository never made");
    t.equal(refused.body.message, "Invalid request: the query parameter cursor must be a cursor from this listing's Link header, for the same filters");

    await driver.run(`UPDATE workspaces SET name = 'Renamed' WHERE id = 3`);
    t.equal((await get(handler, `${UPTIMER}?limit=10&role=owner`, { "if-none-match": tag })).status, 200, "a write: a new tag");
  });
}
