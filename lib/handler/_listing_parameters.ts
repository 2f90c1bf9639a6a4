/**
 * The listing's query parameters, read from the raw query string: names
 * and values percent-decoded here (`+` is a space), each checked against
 * what it accepts. Nothing is ignored: a name lobby does not know, a value
 * it does not accept and a parameter given twice are refused, so that no
 * client believes it filtered or paged when it did not.
 *
 * Only requests with a query come here; the listing without one never
 * parses anything.
 *
 * @module
 */
import { LISTING_PARAMETERS, type ListingParameter, type ParameterFault } from "../envelope/mod.ts";
import type { WorkspaceKindCode, WorkspaceRole, WorkspaceStatusCode } from "../repository/mod.ts";

/**
 * A status a filter may name: the known ones, and `UNKNOWN` for any other stored value.
 *
 * @example
 * ```ts
 * import type { StatusFilter } from "./_listing_parameters.ts";
 * const stale: StatusFilter[] = ["ARCHIVED", "UNKNOWN"];
 * ```
 */
export type StatusFilter = WorkspaceStatusCode | "UNKNOWN";
/**
 * A kind a filter may name: the known ones, and `UNKNOWN` for any other stored value.
 *
 * @example
 * ```ts
 * import type { KindFilter } from "./_listing_parameters.ts";
 * const live: KindFilter[] = ["LIVE"];
 * ```
 */
export type KindFilter = WorkspaceKindCode | "UNKNOWN";

/**
 * The listing's parameters, checked. The lists are deduplicated and in
 * the order of {@link ROLES}, {@link STATUSES} and {@link KINDS}, whatever
 * order they came in, so that one filter has one spelling.
 *
 * @example
 * ```ts
 * import type { ListingParameters } from "./_listing_parameters.ts";
 * const owned: ListingParameters = { roles: ["owner"], limit: 20, count: false, given: [["role", "owner"], ["limit", "20"]] };
 * ```
 */
export interface ListingParameters {
  /** `limit`: the page size, 1–500. */
  readonly limit?: number;
  /** `cursor`, as sent: base64url text of at most {@link CURSOR_MAX} characters, not yet opened. */
  readonly cursor?: string;
  /** `role`. */
  readonly roles?: readonly WorkspaceRole[];
  /** `status`. */
  readonly statuses?: readonly StatusFilter[];
  /** `kind`. */
  readonly kinds?: readonly KindFilter[];
  /** `q`: the name prefix, decoded. */
  readonly q?: string;
  /** `count=true`. */
  readonly count: boolean;
  /** Every parameter in the order sent, its value decoded: what the next page's link repeats. */
  readonly given: readonly (readonly [ListingParameter, string])[];
}

/**
 * What {@link parseListingParameters} found: the parameters, or the first
 * fault. A fault without a parameter (`undefined`) is a name lobby does not
 * take, answered as any malformed request is.
 *
 * @example
 * ```ts
 * import type { ParsedParameters } from "./_listing_parameters.ts";
 * const unknown: ParsedParameters = { ok: false, fault: undefined };
 * ```
 */
export type ParsedParameters =
  | { readonly ok: true; readonly parameters: ListingParameters }
  | { readonly ok: false; readonly fault: ParameterFault | undefined };

/**
 * The roles `role` takes, in their canonical order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ROLES } from "./_listing_parameters.ts";
 * assert.deepEqual(ROLES, ["owner", "member"]);
 * ```
 */
export const ROLES: readonly WorkspaceRole[] = ["owner", "member"];
/**
 * The codes `status` takes, in their canonical order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { STATUSES } from "./_listing_parameters.ts";
 * assert.equal(STATUSES.at(-1), "UNKNOWN");
 * ```
 */
export const STATUSES: readonly StatusFilter[] = ["ACTIVE", "SUSPENDED", "ARCHIVED", "UNKNOWN"];
/**
 * The codes `kind` takes, in their canonical order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { KINDS } from "./_listing_parameters.ts";
 * assert.deepEqual(KINDS, ["LIVE", "SANDBOX", "UNKNOWN"]);
 * ```
 */
export const KINDS: readonly KindFilter[] = ["LIVE", "SANDBOX", "UNKNOWN"];

/** The longest `q`, in characters (code points). */
const Q_MAX = 100;
/**
 * The longest cursor lobby reads, in characters.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CURSOR_MAX } from "./_listing_parameters.ts";
 * assert.equal(CURSOR_MAX, 2048);
 * ```
 */
export const CURSOR_MAX = 2048;
// Longer raw values are refused before any decoding: no accepted value
// comes near it (a `q` of 100 four-byte characters is 1200 characters
// percent-encoded), so a huge one costs nothing to refuse.
const RAW_VALUE_MAX = 4096;
const LIMIT = /^[1-9][0-9]{0,2}$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const KNOWN: ReadonlySet<string> = new Set(LISTING_PARAMETERS);

/**
 * Reads a non-empty query string (without the `?`). Names first: an
 * unknown name anywhere, then a repeated one, wins over any value's fault,
 * so the answer does not depend on the order of the parameters; then each
 * value, in the order sent.
 *
 * @param query The raw query, as in the request's URL.
 * @returns The parameters, or the first fault.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseListingParameters } from "./_listing_parameters.ts";
 * const parsed = parseListingParameters("limit=20&role=member,owner&q=Acme+Co");
 * assert.ok(parsed.ok);
 * assert.deepEqual(parsed.parameters.roles, ["owner", "member"]);
 * assert.equal(parsed.parameters.q, "Acme Co");
 * assert.deepEqual(parseListingParameters("limit=0"), { ok: false, fault: { parameter: "limit", problem: "invalid" } });
 * assert.deepEqual(parseListingParameters("page=2"), { ok: false, fault: undefined });
 * ```
 */
export function parseListingParameters(query: string): ParsedParameters {
  const pairs: [ListingParameter, string | undefined][] = [];
  const seen = new Set<string>();
  let repeated: ListingParameter | undefined;
  for (const segment of query.split("&")) {
    const equals = segment.indexOf("=");
    const name = decode(equals === -1 ? segment : segment.slice(0, equals));
    if (name === undefined || !KNOWN.has(name)) return { ok: false, fault: undefined };
    const parameter = name as ListingParameter;
    if (seen.has(parameter)) repeated ??= parameter;
    seen.add(parameter);
    pairs.push([parameter, equals === -1 ? undefined : segment.slice(equals + 1)]);
  }
  if (repeated !== undefined) return { ok: false, fault: { parameter: repeated, problem: "repeated" } };

  const parameters: { -readonly [K in keyof ListingParameters]: ListingParameters[K] } = { count: false, given: [] };
  const given: [ListingParameter, string][] = [];
  for (const [parameter, raw] of pairs) {
    const value = raw === undefined || raw.length > RAW_VALUE_MAX ? undefined : decode(raw);
    if (value === undefined || value === "" || !accept(parameters, parameter, value)) {
      return { ok: false, fault: { parameter, problem: "invalid" } };
    }
    given.push([parameter, value]);
  }
  parameters.given = given;
  return { ok: true, parameters };
}

// Sets `parameter` from `value` when it is one the parameter accepts.
function accept(into: { -readonly [K in keyof ListingParameters]: ListingParameters[K] }, parameter: ListingParameter, value: string): boolean {
  switch (parameter) {
    case "limit": {
      if (!LIMIT.test(value) || Number(value) > 500) return false;
      into.limit = Number(value);
      return true;
    }
    case "cursor":
      if (value.length > CURSOR_MAX || !BASE64URL.test(value)) return false;
      into.cursor = value;
      return true;
    case "role":
      return (into.roles = list(value, ROLES)) !== undefined;
    case "status":
      return (into.statuses = list(value, STATUSES)) !== undefined;
    case "kind":
      return (into.kinds = list(value, KINDS)) !== undefined;
    case "q":
      if (!isSearchText(value)) return false;
      into.q = value;
      return true;
    case "count":
      if (value !== "true" && value !== "false") return false;
      into.count = value === "true";
      return true;
  }
}

/**
 * A comma-separated list of codes, each exactly one of `allowed`: the
 * codes named, deduplicated, in `allowed`'s order; `undefined` when an
 * element is empty or not one of them.
 */
function list<T extends string>(value: string, allowed: readonly T[]): T[] | undefined {
  const named = new Set<string>();
  for (const element of value.split(",")) {
    if (!(allowed as readonly string[]).includes(element)) return undefined;
    named.add(element);
  }
  return allowed.filter((code) => named.has(code));
}

/**
 * Whether `text` is a name prefix `q` takes: 1 to 100 characters (code
 * points), none a control character (C0, DEL, C1), a noncharacter or a lone
 * surrogate. Those have no business in a workspace's name, and a database
 * or a log may treat them specially.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isSearchText } from "./_listing_parameters.ts";
 * assert.equal(isSearchText("Ünïcode ワークスペース"), true);
 * assert.equal(isSearchText("tab\there"), false);
 * assert.equal(isSearchText("\ufffe"), false);
 * assert.equal(isSearchText("x".repeat(101)), false);
 * ```
 */
export function isSearchText(text: string): boolean {
  let characters = 0;
  for (let i = 0; i < text.length; i++) {
    let point = text.charCodeAt(i);
    if (point >= 0xd800 && point <= 0xdfff) {
      const low = text.charCodeAt(i + 1);
      if (point > 0xdbff || !(low >= 0xdc00 && low <= 0xdfff)) return false;
      point = 0x10000 + ((point - 0xd800) << 10) + (low - 0xdc00);
      i++;
    }
    if (point < 0x20 || (point >= 0x7f && point <= 0x9f)) return false;
    if ((point >= 0xfdd0 && point <= 0xfdef) || (point & 0xfffe) === 0xfffe) return false;
    if (++characters > Q_MAX) return false;
  }
  return characters > 0;
}

/** A name or value of the query, percent-decoded with `+` as a space; `undefined` when its encoding is malformed or not UTF-8. */
function decode(raw: string): string | undefined {
  const spaced = raw.includes("+") ? raw.replaceAll("+", " ") : raw;
  if (!spaced.includes("%")) return spaced;
  try {
    return decodeURIComponent(spaced);
  } catch {
    return undefined;
  }
}
