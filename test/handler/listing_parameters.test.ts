// The listing's query parameters on their own: what the parser accepts and
// refuses (every bad value, hostile encodings, repeats, unknown names), the
// cursor (round trip, every character edited, contents of another shape),
// the page plan (a cursor bound to its filters, one key per page however
// spelled) and the next page's link and meta.
import { encodeBase64urlNoPadding } from "@oslojs/encoding";
import { sha256 } from "@oslojs/crypto/sha2";
import t from "tap";
import { decodeCursor, encodeCursor, filtersFingerprint } from "../../lib/handler/_cursor.ts";
import { pageExtras, type PagePlan, planPage } from "../../lib/handler/_listing_page.ts";
import { isSearchText, type ListingParameters, parseListingParameters } from "../../lib/handler/_listing_parameters.ts";

function parsed(query: string): ListingParameters {
  const result = parseListingParameters(query);
  if (!result.ok) throw new Error(`${query} refused: ${JSON.stringify(result.fault)}`);
  return result.parameters;
}

function plan(query: string): PagePlan {
  const planned = planPage(parsed(query));
  if ("problem" in planned) throw new Error(`${query}: ${JSON.stringify(planned)}`);
  return planned;
}

t.test("parseListingParameters reads every parameter", async (t) => {
  const all = parsed("limit=20&cursor=abc&role=member,owner&status=UNKNOWN,ACTIVE&kind=SANDBOX&q=Acme+Co%2C+Ltd&count=true");
  t.strictSame(
    { ...all, given: undefined },
    {
      count: true,
      limit: 20,
      cursor: "abc",
      roles: ["owner", "member"],
      statuses: ["ACTIVE", "UNKNOWN"],
      kinds: ["SANDBOX"],
      q: "Acme Co, Ltd",
      given: undefined,
    },
  );
  t.strictSame(all.given.map(([name]) => name), ["limit", "cursor", "role", "status", "kind", "q", "count"], "in the order sent");
  t.strictSame(all.given[5], ["q", "Acme Co, Ltd"], "values decoded");
  t.strictSame(parsed("count=false"), { count: false, given: [["count", "false"]] });
  t.strictSame(parsed("role=owner,owner,member,owner").roles, ["owner", "member"], "a code repeated in a list is harmless");
  t.strictSame(parsed("status=ARCHIVED,SUSPENDED,ACTIVE,UNKNOWN").statuses, ["ACTIVE", "SUSPENDED", "ARCHIVED", "UNKNOWN"], "canonical order");
  t.strictSame(parsed("kind=UNKNOWN,LIVE").kinds, ["LIVE", "UNKNOWN"]);
  t.equal(parsed("li%6Dit=5").limit, 5, "a percent-encoded name is its decoded name");
  t.equal(parsed("limit=1").limit, 1);
  t.equal(parsed("limit=500").limit, 500);
  t.equal(parsed("q=%E3%83%AF%E3%83%BC%E3%82%AF").q, "ワーク");
  t.equal(parsed(`q=${"a".repeat(100)}`).q?.length, 100, "100 characters");
  t.equal(parsed(`q=${encodeURIComponent("😀".repeat(100))}`).q?.length, 200, "100 astral characters (200 code units)");
  t.equal(parsed("q=+").q, " ", "+ is a space, and a space is a prefix like any other");
  t.equal(parsed("q=%2B").q, "+", "%2B is a plus");
  t.equal(parsed("q=a%26b%3Dc").q, "a&b=c", "& and = encoded in a value stay in it");
  t.equal(parsed("q=%F0%9F%98%80").q, "😀");
});

t.test("parseListingParameters refuses every bad value, naming its parameter", async (t) => {
  const bad: Record<string, string[]> = {
    limit: [
      "", "0", "00", "501", "1000", "1e2", "+5", "%2B5", "-1", "010", "05", "5.0", "5.", "0x10", " 5", "5 ", "5%20", "５", "٥",
      "Infinity", "NaN", "9".repeat(400), "%00", "5%00", "%C3%28", "%", "%zz", "%5", "1,2",
    ],
    cursor: ["", "%00", "%C3%28", "%E0%A4%A", "x".repeat(2049)],
    role: ["", "Owner", "OWNER", "admin", "owner,", ",owner", "owner,,member", "owner member", "owner%00", "%C3%28", "owner;member"],
    status: ["", "active", "Active", "DELETED", "10010701", "ACTIVE,", "ACTIVE,,ARCHIVED", "ACTIVE%20", "%00"],
    kind: ["", "live", "PROD", "LIVE,", "10010801", "LIVE,SANDBOX,TEST"],
    q: [
      "", "%00", "a%00b", "%01", "%09", "%0A", "%0D", "%1F", "%7F", "%C2%80", "%C2%85", "%C2%9F", "%EF%B7%90", "%EF%B7%AF",
      "%EF%BF%BE", "%EF%BF%BF", "%F0%9F%BF%BE", "%F4%8F%BF%BF", "%C3%28", "%ED%A0%80", "%ED%B0%80", "%C0%AF", "%E2%82",
      "%FF", "%", "%G0", "a".repeat(101), encodeURIComponent("é".repeat(101)), "a".repeat(5000),
    ],
    count: ["", "1", "0", "yes", "TRUE", "True", "true%00", "true,false", " true", "on"],
  };
  for (const [parameter, values] of Object.entries(bad)) {
    for (const value of values) {
      t.strictSame(
        parseListingParameters(`${parameter}=${value}`),
        { ok: false, fault: { parameter, problem: "invalid" } },
        `${parameter}=${value.slice(0, 30)}`,
      );
    }
    t.strictSame(parseListingParameters(parameter), { ok: false, fault: { parameter, problem: "invalid" } }, `${parameter} without a value`);
    t.strictSame(parseListingParameters(`limit=5&${parameter}=${values[1]}`).ok, false, `${parameter}: after a good parameter`);
  }
  t.strictSame(parseListingParameters(`q=${"%41".repeat(2000)}`), { ok: false, fault: { parameter: "q", problem: "invalid" } }, "a huge raw value, refused before decoding");
});

t.test("parseListingParameters refuses unknown names, and repeats by name", async (t) => {
  for (const query of [
    "page=2", "LIMIT=5", "Limit=5", "limit%20=5", "limit+=5", "=5", "&", "&&", "limit=5&", "&limit=5", "limit=5&&count=true",
    "%zz=1", "%C3%28=1", "lim%00it=5", "offset=10", "sort=name", "user=bob", "limit[]=5", "q.x=1", "%=1",
    "limit=0&page=2", "page=2&limit=0", "limit=1&limit=2&page=1", "x".repeat(100_000),
  ]) {
    t.strictSame(parseListingParameters(query), { ok: false, fault: undefined }, `${query.slice(0, 40)}: unknown`);
  }
  for (const [query, parameter] of [
    ["limit=1&limit=2", "limit"],
    ["limit=1&limit=1", "limit"],
    ["limit=0&limit=0", "limit"],
    ["role=owner&role=member", "role"],
    ["q=a&count=true&q=a", "q"],
    ["count=true&li%6Dit=5&limit=5", "limit"],
    ["cursor=a&cursor=a", "cursor"],
    ["status=ACTIVE&kind=LIVE&status=ACTIVE", "status"],
    ["kind=LIVE&kind=SANDBOX", "kind"],
    ["count=true&count", "count"],
    ["limit=0&count=true&count=false", "count"],
  ] as const) {
    t.strictSame(parseListingParameters(query), { ok: false, fault: { parameter, problem: "repeated" } }, `${query}: repeated`);
  }
  const many = Array.from({ length: 50_000 }, () => "limit=1").join("&");
  t.strictSame(parseListingParameters(many), { ok: false, fault: { parameter: "limit", problem: "repeated" } }, "50,000 repeats");
});

t.test("isSearchText: characters, controls, noncharacters, surrogates", async (t) => {
  for (const fine of ["a", " ", "Ünïcode", "ワークスペース", "😀", "\u00a0", "\ufffd", "\u{10fffd}", "a".repeat(100), "😀".repeat(100)]) {
    t.ok(isSearchText(fine), JSON.stringify(fine).slice(0, 20));
  }
  for (const bad of ["", "\u0000", "\u001f", "\u007f", "\u0080", "\u009f", "\ufdd0", "\ufdef", "\ufffe", "\uffff", "\u{1fffe}", "\u{10ffff}", "\ud800", "\udc00", "a\ud800b", "\ud83d", "a".repeat(101), "😀".repeat(101)]) {
    t.notOk(isSearchText(bad), JSON.stringify(bad).slice(0, 20));
  }
});

t.test("cursors open to what they carry; an edited one never opens", async (t) => {
  const filters = filtersFingerprint({ roles: ["owner"], q: "a" });
  for (const position of ["pos1.1767225600000.ws_1", "", "é\u0000\"\\ ✓ 😀", "x".repeat(1000)]) {
    for (const limit of [1, 20, 500]) {
      const cursor = encodeCursor({ position, filters, limit });
      t.match(cursor, /^[A-Za-z0-9_-]+$/);
      t.strictSame(decodeCursor(cursor), { position, filters, limit }, `${position.slice(0, 10)} ${limit}`);
      t.equal(encodeCursor({ position, filters, limit }), cursor, "the same page, the same cursor");
    }
  }
  const cursor = encodeCursor({ position: "pos1.1767225600000.ws_1", filters, limit: 20 });
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  let edits = 0;
  for (let i = 0; i < cursor.length; i++) {
    for (const replacement of [alphabet[(alphabet.indexOf(cursor[i]!) + 1) % 64]!, alphabet[(alphabet.indexOf(cursor[i]!) + 32) % 64]!, "="]) {
      const edited = cursor.slice(0, i) + replacement + cursor.slice(i + 1);
      if (decodeCursor(edited) !== undefined) t.fail(`character ${i} edited to ${replacement} still opens`);
      edits++;
    }
  }
  t.pass(`${edits} edits, none opens`);
  for (const [name, text] of [
    ["truncated", cursor.slice(0, -1)],
    ["cut short", cursor.slice(0, 10)],
    ["extended", `${cursor}A`],
    ["padded", `${cursor}=`],
    ["standard base64", cursor.replaceAll("-", "+").replaceAll("_", "/") + "+"],
    ["with a space", ` ${cursor}`],
    ["empty", ""],
    ["too long", "A".repeat(2049)],
    ["not base64url", "!!!!"],
    ["one character", "A"],
  ] as const) {
    t.equal(decodeCursor(text), undefined, name);
  }

  // Contents of another shape, with a checksum that matches them.
  const made = (contents: unknown) => {
    const body = new TextEncoder().encode(typeof contents === "string" ? contents : JSON.stringify(contents));
    const bytes = new Uint8Array(body.length + 8);
    bytes.set(body);
    bytes.set(sha256(body).subarray(0, 8), body.length);
    return encodeBase64urlNoPadding(bytes);
  };
  t.strictSame(decodeCursor(made([1, "p", filters, 5])), { position: "p", filters, limit: 5 }, "the shape encodeCursor makes");
  for (const [name, contents] of [
    ["another format", [2, "p", filters, 5]],
    ["no format", ["p", filters, 5]],
    ["a number for a position", [1, 5, filters, 5]],
    ["a fingerprint of another form", [1, "p", "short", 5]],
    ["limit 0", [1, "p", filters, 0]],
    ["limit 501", [1, "p", filters, 501]],
    ["limit 1.5", [1, "p", filters, 1.5]],
    ["limit as text", [1, "p", filters, "5"]],
    ["one more element", [1, "p", filters, 5, 6]],
    ["an object", { position: "p", filters, limit: 5 }],
    ["not JSON", "[1,\"p\","],
    ["null", null],
  ] as const) {
    t.equal(decodeCursor(made(contents)), undefined, name);
  }
  const invalidUtf8 = (() => {
    const body = new Uint8Array([0x5b, 0x31, 0x2c, 0x22, 0xc3, 0x28, 0x22, 0x5d]);
    const bytes = new Uint8Array(body.length + 8);
    bytes.set(body);
    bytes.set(sha256(body).subarray(0, 8), body.length);
    return encodeBase64urlNoPadding(bytes);
  })();
  t.equal(decodeCursor(invalidUtf8), undefined, "contents that are not UTF-8");
});

t.test("filtersFingerprint: one per set of filters, whatever the order", async (t) => {
  const of = (query: string) => {
    const { roles, statuses, kinds, q } = parsed(query);
    return filtersFingerprint({ roles, statuses, kinds, q });
  };
  t.equal(of("role=member,owner&status=ARCHIVED,ACTIVE"), of("status=ACTIVE,ARCHIVED&role=owner,member,owner"));
  t.equal(of("limit=5&count=true"), of("limit=9"), "page size and count are not filters");
  const distinct = ["", "role=owner", "role=member", "status=ACTIVE", "kind=LIVE", "q=a", "q=A", "q=ab", "role=owner&q=a", "status=UNKNOWN", "kind=UNKNOWN"];
  t.equal(new Set(distinct.map((query) => of(query || "count=false"))).size, distinct.length, "other filters, another fingerprint");
});

t.test("planPage: the cursor opened and bound to its filters, one key per page", async (t) => {
  const first = plan("role=owner&limit=2");
  t.strictSame(first.query, { limit: 2, roles: ["owner"] });
  t.equal(first.paginated, true);
  const cursor = encodeCursor({ position: "pos1.5.ws_2", filters: first.filters, limit: 2 });

  const next = plan(`role=owner&cursor=${cursor}`);
  t.strictSame(next.query, { limit: 2, after: "pos1.5.ws_2", roles: ["owner"] }, "the cursor's limit");
  t.strictSame(plan(`cursor=${cursor}&role=owner&limit=7`).query.limit, 7, "the request's limit wins");
  t.equal(plan(`cursor=${cursor}&role=owner,owner`).key, next.key, "another spelling, the same key");
  t.equal(plan(`limit=2&cursor=${cursor}&role=owner`).key, next.key, "limit as the cursor's, the same key");
  t.not(plan(`cursor=${cursor}&role=owner&count=true`).key, next.key, "a count, another key");

  for (const other of ["", "role=member", "role=owner,member", "role=owner&q=a", "role=owner&status=ACTIVE", "role=owner&kind=LIVE"]) {
    t.strictSame(planPage(parsed(`${other}${other ? "&" : ""}cursor=${cursor}`)), { parameter: "cursor", problem: "invalid" }, `cursor for other filters: ${other}`);
  }
  t.strictSame(planPage(parsed("cursor=bm90IGEgY3Vyc29y")), { parameter: "cursor", problem: "invalid" }, "not a cursor");

  t.equal(plan("count=false").key, "", "count=false changes nothing: the whole listing's key");
  t.strictSame(plan("count=false").query, {});
  t.equal(plan("count=false").paginated, false);
  const keys = ["limit=2", "limit=3", "count=true", "role=owner", "q=a", "q=A", "status=ACTIVE", "kind=LIVE", "limit=2&count=true"].map((query) => plan(query).key);
  t.equal(new Set(keys).size, keys.length, "each set of parameters its own key");
  t.equal(plan("status=ARCHIVED,ACTIVE&limit=5").key, plan("limit=5&status=ACTIVE,ARCHIVED,ACTIVE").key);
  t.strictSame(plan("q=Acme&status=UNKNOWN&kind=SANDBOX,LIVE&count=true").query, {
    statuses: ["UNKNOWN"],
    kinds: ["LIVE", "SANDBOX"],
    nameStartsWith: "Acme",
    count: true,
  });
});

t.test("pageExtras: the next page's link, X-Total-Count and the uptimer meta", async (t) => {
  const path = "/api/v1/workspaces";
  const page = plan("q=Acme+%26+Co&role=owner,member&limit=2&count=true");
  const extras = pageExtras(page, path, "pos1.5.ws_2", 9);
  const cursor = encodeCursor({ position: "pos1.5.ws_2", filters: page.filters, limit: 2 });
  t.equal(extras.headers.link, `</api/v1/workspaces?q=Acme%20%26%20Co&role=owner,member&limit=2&count=true&cursor=${cursor}>; rel="next"`);
  t.equal(extras.headers["x-total-count"], "9");
  t.strictSame(extras.meta, { next_cursor: cursor, has_more: true, total_count: 9 });

  const second = plan(`cursor=${cursor}&q=Acme+%26+Co&role=owner,member&count=true`);
  const after = pageExtras(second, path, "pos1.9.ws_4", 9);
  const cursor2 = encodeCursor({ position: "pos1.9.ws_4", filters: page.filters, limit: 2 });
  t.equal(after.headers.link, `</api/v1/workspaces?cursor=${cursor2}&q=Acme%20%26%20Co&role=owner,member&count=true>; rel="next"`, "cursor replaced in place");

  const last = pageExtras(plan("limit=2"), path, undefined, undefined);
  t.strictSame(last, { headers: {}, meta: { next_cursor: null, has_more: false } }, "the last page: no link, no cursor");
  t.strictSame(pageExtras(plan("count=true"), path, undefined, 4), { headers: { "x-total-count": "4" }, meta: { total_count: 4 } }, "a count without a page");
  t.strictSame(pageExtras(plan("role=owner"), path, "ignored", undefined), { headers: {}, meta: undefined }, "a filter alone: meta stays null");
  t.strictSame(pageExtras(plan("count=false"), path, undefined, undefined), { headers: {}, meta: undefined });
  const hostile = pageExtras(plan(`q=${encodeURIComponent("<>\"; rel=\"x\", </evil>")}&limit=1`), path, "p", undefined);
  t.match(hostile.headers.link, /^<\/api\/v1\/workspaces\?q=%3C%3E%22%3B%20rel%3D%22x%22%2C%20%3C%2Fevil%3E&limit=1&cursor=[A-Za-z0-9_-]+>; rel="next"$/, "a value cannot break out of the link");
});
