/**
 * From checked parameters to one page of the listing and back: the
 * repository's query (the cursor opened and matched against the filters),
 * the key that tells one page's answer from another's (for the ETag and
 * the memory of listings), and what the answer adds: the `Link` to the
 * next page, `X-Total-Count`, and the uptimer dialect's `meta`.
 *
 * @module
 */
import type { ListingParameter, ParameterFault, UptimerMeta } from "../envelope/mod.ts";
import type { ListingQuery } from "../repository/mod.ts";
import { decodeCursor, encodeCursor, filtersFingerprint } from "./_cursor.ts";
import type { ListingParameters } from "./_listing_parameters.ts";

/**
 * What a request with parameters asks of the repository, and of the answer.
 *
 * @example
 * ```ts
 * import type { PagePlan } from "./_listing_page.ts";
 * const plan: PagePlan = { query: { limit: 2 }, paginated: true, count: false, filters: "AAAAAAAAAAAA", key: "[2]", given: [["limit", "2"]] };
 * ```
 */
export interface PagePlan {
  /** The repository's query. */
  readonly query: ListingQuery;
  /** A page was asked for (`limit` or `cursor`): the answer says where the next one starts. */
  readonly paginated: boolean;
  /** `count=true`: the answer carries the total. */
  readonly count: boolean;
  /** The fingerprint of the filters, carried by the next page's cursor. */
  readonly filters: string;
  /**
   * What sets this answer apart from the whole listing's: empty when the
   * parameters change nothing (only `count=false`), else a text that is
   * the same for every request asking for the same page, however spelled.
   */
  readonly key: string;
  /** The parameters as sent, for the next page's link. */
  readonly given: ListingParameters["given"];
}

/**
 * What a page's answer adds to the dialect's body and headers.
 *
 * @example
 * ```ts
 * import type { PageExtras } from "./_listing_page.ts";
 * const counted: PageExtras = { headers: { "x-total-count": "3" }, meta: { total_count: 3 } };
 * ```
 */
export interface PageExtras {
  /** `Link` and `X-Total-Count`, when they apply. */
  readonly headers: Record<string, string>;
  /** The uptimer dialect's `meta`, or `undefined` for `null`. */
  readonly meta: UptimerMeta | undefined;
}

/**
 * The plan of a request's page: its cursor opened (refused when it is not
 * one lobby made, or was made for other filters), its page size (the
 * request's `limit`, else the cursor's), and its filters.
 *
 * @param parameters The checked parameters.
 * @returns The plan, or the fault naming `cursor`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { planPage } from "./_listing_page.ts";
 * import { parseListingParameters } from "./_listing_parameters.ts";
 * const parsed = parseListingParameters("limit=2&status=ACTIVE");
 * assert.ok(parsed.ok);
 * const plan = planPage(parsed.parameters);
 * assert.ok(!("problem" in plan));
 * assert.deepEqual(plan.query, { limit: 2, statuses: ["ACTIVE"] });
 * assert.equal(plan.paginated, true);
 * ```
 */
export function planPage(parameters: ListingParameters): PagePlan | ParameterFault {
  const { roles, statuses, kinds, q, count } = parameters;
  const filters = filtersFingerprint({ roles, statuses, kinds, q });
  let after: string | undefined;
  let limit = parameters.limit;
  if (parameters.cursor !== undefined) {
    const cursor = decodeCursor(parameters.cursor);
    if (cursor === undefined || cursor.filters !== filters) return { parameter: "cursor", problem: "invalid" };
    after = cursor.position;
    limit ??= cursor.limit;
  }
  const query: { -readonly [K in keyof ListingQuery]: ListingQuery[K] } = {};
  if (limit !== undefined) query.limit = limit;
  if (after !== undefined) query.after = after;
  if (roles !== undefined) query.roles = roles;
  if (statuses !== undefined) query.statuses = statuses;
  if (kinds !== undefined) query.kinds = kinds;
  if (q !== undefined) query.nameStartsWith = q;
  if (count) query.count = true;
  const changed = Object.keys(query).length > 0;
  // JSON keeps the parts apart whatever they hold; lists are canonical already.
  const key = changed ? JSON.stringify([limit ?? null, after ?? null, roles ?? null, statuses ?? null, kinds ?? null, q ?? null, count]) : "";
  return { query, paginated: limit !== undefined, count, filters, key, given: parameters.given };
}

/**
 * The headers and `meta` of a page's answer: `Link` to the next page when
 * there is one (RFC 8288, a reference relative to the request's path, the
 * request's parameters in their order with `cursor` replaced or added),
 * `X-Total-Count` with `count=true`; `meta` with `next_cursor` and
 * `has_more` for a page, `total_count` for a count.
 *
 * @param plan The request's plan.
 * @param path The request's path, for the link.
 * @param next The repository's position after this page, if more follow.
 * @param total The count, with `count=true` (left out when `undefined`).
 * @returns The extras.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pageExtras, planPage } from "./_listing_page.ts";
 * import { parseListingParameters } from "./_listing_parameters.ts";
 * const parsed = parseListingParameters("role=owner&limit=1&count=true");
 * assert.ok(parsed.ok);
 * const plan = planPage(parsed.parameters);
 * assert.ok(!("problem" in plan));
 * const extras = pageExtras(plan, "/api/v1/workspaces", "after-ws_1", 3);
 * assert.match(extras.headers.link ?? "", /^<\/api\/v1\/workspaces\?role=owner&limit=1&count=true&cursor=[A-Za-z0-9_-]+>; rel="next"$/);
 * assert.equal(extras.headers["x-total-count"], "3");
 * assert.equal(extras.meta?.has_more, true);
 * ```
 */
export function pageExtras(plan: PagePlan, path: string, next: string | undefined, total: number | undefined): PageExtras {
  const headers: Record<string, string> = {};
  let meta: { -readonly [K in keyof UptimerMeta]: UptimerMeta[K] } | undefined;
  if (plan.paginated) {
    const cursor = next === undefined ? null : encodeCursor({ position: next, filters: plan.filters, limit: plan.query.limit! });
    if (cursor !== null) headers.link = `<${path}?${nextQuery(plan.given, cursor)}>; rel="next"`;
    meta = { next_cursor: cursor, has_more: cursor !== null };
  }
  if (plan.count && total !== undefined) {
    headers["x-total-count"] = String(total);
    (meta ??= {}).total_count = total;
  }
  return { headers, meta };
}

// The request's parameters in their order, `cursor` replaced or added.
function nextQuery(given: readonly (readonly [ListingParameter, string])[], cursor: string): string {
  const parts: string[] = [];
  let placed = false;
  for (const [name, value] of given) {
    if (name === "cursor") placed = true;
    parts.push(`${name}=${name === "cursor" ? cursor : encodeValue(name, value)}`);
  }
  if (!placed) parts.push(`cursor=${cursor}`);
  return parts.join("&");
}

// A value percent-encoded; the commas between a list's codes are left as
// they are, as clients write them (RFC 3986 allows them in a query).
function encodeValue(name: ListingParameter, value: string): string {
  const encoded = encodeURIComponent(value);
  return name === "role" || name === "status" || name === "kind" ? encoded.replaceAll("%2C", ",") : encoded;
}
