// A listing large enough to be kept as UTF-8 bytes (ENCODED_FROM code
// units of items and more), on both drivers (Postgres reading it as bytes): every way of answering it
// (the plain answer's text and its pieces, the fetch handler, a real Node
// server, HEAD, a page, the first read and the kept one) gives the bytes
// the envelope writes from the rows, with names in several scripts so that
// bytes and code units differ; a small listing stays text.
import { Buffer } from "node:buffer";
import { createServer } from "node:http";
import t from "tap";
import { secretKeys } from "../../lib/auth/keys.ts";
import { listingItemFormat, systemSuccessJson, uptimerSuccessJson, uptimerSuccessJsonOfItems } from "../../lib/envelope/mod.ts";
import { createWorkspacesHandler, type PlainResponse } from "../../lib/handler/handler.ts";
import { ENCODED_FROM } from "../../lib/handler/_listing_cache.ts";
import { toNodeListener } from "../../lib/runtime/node.ts";
import { RESET_SQL } from "../repository/fixtures/expected.ts";
import { versionedDrivers } from "../repository/fixtures/versioned_drivers.ts";
import { signToken } from "../_tokens.ts";

const SECRET = "large-listing-secret-of-more-than-32-bytes";
const BASE = "http://lobby.test";
const SYSTEM = "/web/v1/system/workspaces/mine";
const UPTIMER = "/api/v1/workspaces";
const NOW = 1_800_000_000_000;
const drivers = await versionedDrivers(t);
const keys = await secretKeys(SECRET);
const exp = Math.floor(NOW / 1000) + 3600;
const tokens = {
  large: `Bearer ${await signToken({ secret: SECRET, payload: { sub: "large", exp } })}`,
  small: `Bearer ${await signToken({ secret: SECRET, payload: { sub: "small", exp } })}`,
};

// 1,000 workspaces of "large" (names in Latin, Greek, Japanese and emoji, with
// quotes and backslashes: enough of them that the uptimer dialect's bytes
// outgrow the room kept for mostly ASCII text, and the system dialect's,
// with longer items, do not), 3 of them also "small"'s.
const NAMES = ["Überwachung \"prod\"", "Δοκιμή \\ test", "本番環境のワークスペース", "rocket 🚀 launch", "plain ascii name", "本番環境のワークスペース".repeat(3)];
function seed(): string {
  const rows: string[] = [];
  for (let i = 0; i < 1000; i++) {
    const name = `${NAMES[i % NAMES.length]} ${i}`.replaceAll("'", "''");
    rows.push(`(${i + 1}, 'ws_${i}', 'INST', '${name}', 10010701, 10010801, timestamptz '2025-01-01 00:00:00+00' + interval '${i} minutes', '{"i":${i}}')`);
  }
  return `INSERT INTO institutions (biz_id, name) VALUES ('INST', 'Institution');
INSERT INTO workspaces (id, biz_id, institution_biz_id, name, status, kind, created_at, extra_data) VALUES ${rows.join(",")};
INSERT INTO workspace_members (user_id, workspace_id, role) SELECT 'large', id, CASE WHEN id % 3 = 0 THEN 'owner' ELSE 'member' END FROM workspaces;
INSERT INTO workspace_members (user_id, workspace_id, role) SELECT 'small', id, 'owner' FROM workspaces WHERE id <= 3;`;
}

function request(target: string, authorization: string, method = "GET", headers: Record<string, string> = {}): Request {
  return new Request(BASE + target, { method, headers: { authorization, ...headers } });
}

// The bytes a plain answer's pieces make, and whether it came in pieces.
function piecesOf(answer: PlainResponse): { bytes: Buffer; pieces: boolean } {
  if (answer.chunks === undefined) return { bytes: Buffer.from(answer.body ?? ""), pieces: false };
  return { bytes: Buffer.concat(answer.chunks.map((chunk) => (typeof chunk === "string" ? Buffer.from(chunk) : chunk))), pieces: true };
}

for (const driver of drivers) {
  t.test(`${driver.name}: a listing kept as bytes answers the envelope's bytes every way`, async (t) => {
    await driver.run(RESET_SQL);
    await driver.run(seed());
    const repository = driver.repository();
    const handler = createWorkspacesHandler({ repository, auth: { keys }, now: () => NOW, log: () => {} });
    const rows = await repository.listForUser("large");
    t.equal(rows.length, 1000);
    const expected = {
      [SYSTEM]: systemSuccessJson(rows, "ja", NOW),
      [UPTIMER]: uptimerSuccessJson(rows),
    };
    t.ok(expected[UPTIMER].length >= ENCODED_FROM, `the items are over the threshold (${expected[UPTIMER].length} code units)`);
    t.not(Buffer.byteLength(expected[UPTIMER]), expected[UPTIMER].length, "bytes and code units differ");

    const server = createServer(toNodeListener(handler));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    t.teardown(() => new Promise((resolve) => server.close(resolve)));
    const { port } = server.address() as { port: number };

    for (const path of [SYSTEM, UPTIMER] as const) {
      const want = Buffer.from(expected[path]);
      // The first read, then the kept one.
      for (const read of ["first", "kept"]) {
        const answer = await handler.answer(request(path, tokens.large, "GET", { "accept-language": "ja" }));
        t.equal(answer.status, 200);
        const { bytes, pieces } = piecesOf(answer);
        t.ok(pieces, `${path}, ${read} read: in pieces`);
        t.ok(bytes.equals(want), `${path}, ${read} read: the pieces are the envelope's bytes`);
        t.equal(answer.body, expected[path], `${path}, ${read} read: body is the same text`);
      }
      const fetched = await handler(request(path, tokens.large, "GET", { "accept-language": "ja" }));
      t.ok(Buffer.from(await fetched.arrayBuffer()).equals(want), `${path}: the fetch handler's Response has the same bytes`);

      const served = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { authorization: tokens.large, "accept-language": "ja" } });
      const body = Buffer.from(await served.arrayBuffer());
      t.ok(body.equals(want), `${path}: a Node server sends the same bytes`);
      t.equal(served.headers.get("content-length"), String(want.length), `${path}: with their length`);
      const etag = served.headers.get("etag")!;
      const notModified = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { authorization: tokens.large, "accept-language": "ja", "if-none-match": etag } });
      t.equal(notModified.status, 304, `${path}: its tag gets a 304`);

      const head = await handler.answer(request(path, tokens.large, "HEAD", { "accept-language": "ja" }));
      t.equal(head.body, null, `${path}: HEAD has no body`);
      t.equal(head.chunks, undefined, `${path}: nor pieces`);
      t.equal(head.headers["content-length"], String(want.length), `${path}: HEAD gives the GET's length`);
    }

    // A page that is itself large: every owner's and member's workspace, counted.
    const page = await handler.answer(request(`${UPTIMER}?role=owner,member&count=true`, tokens.large));
    const paged = piecesOf(page);
    t.ok(paged.pieces, "a large filtered listing is in pieces too");
    const parsed = JSON.parse(paged.bytes.toString("utf8")) as { result: unknown[]; meta: { total_count: number } };
    t.same(parsed.result, JSON.parse(expected[UPTIMER]).result, "with the same items");
    t.equal(parsed.meta.total_count, 1000);
    t.equal(page.body, paged.bytes.toString("utf8"));

    // The repository's own answer: Postgres reads a large listing as bytes,
    // and its texts, when asked for, are the same items.
    const listed = await repository.listItems!("large", listingItemFormat("uptimer", "en"));
    t.equal(listed.encoded !== undefined, driver.name === "postgres", "encoded by the Postgres repository only");
    t.equal(uptimerSuccessJsonOfItems(listed.items.join(",")), expected[UPTIMER], "items are the listing's texts");
    if (listed.encoded !== undefined) t.equal(Buffer.from(listed.encoded).toString("utf8"), listed.items.join(","), "encoded is their bytes");

    const small = await handler.answer(request(UPTIMER, tokens.small));
    t.equal(small.chunks, undefined, "a small listing is one text");
    t.equal(small.body, uptimerSuccessJson(await repository.listForUser("small")));
  });
}
