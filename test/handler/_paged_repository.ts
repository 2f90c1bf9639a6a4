/**
 * An in-memory repository with listing versions and pages, for the
 * handler's tests of query parameters: it filters, sorts and pages its rows
 * in JavaScript as the SQL repositories do in the database (keyset order by
 * created time, then business id; names compared folded to lower case),
 * makes its own positions and refuses, with a ListingQueryError, a position
 * it did not make. Not a test file (its name starts with `_`).
 *
 * @module
 */
import { formatListingItem } from "../../lib/envelope/mod.ts";
import {
  type ListingItemFormat,
  type ListingPage,
  type ListingQuery,
  ListingQueryError,
  type ListOptions,
  type VersionedItems,
  type WorkspaceRepository,
} from "../../lib/repository/repository.ts";
import { kindCode, statusCode, type WorkspaceMembership } from "../../lib/repository/workspace.ts";

/** A fake repository, with what the tests look at. */
export interface PagedRepository extends WorkspaceRepository {
  /** Every listPage query, in order. */
  readonly pages: { user: string; query: ListingQuery }[];
  /** How many times each method was called. */
  readonly calls: { listForUser: number; listingVersion: number; listItems: number; listPage: number };
  /** Replaces a user's rows, and moves the user's version on. */
  set(user: string, rows: readonly WorkspaceMembership[]): void;
  /** The user's rows in listing order. */
  sorted(user: string): WorkspaceMembership[];
}

const POSITION = /^pos1\.(\d+)\.(.+)$/;

/**
 * A repository over `rows` by user. Positions are `pos1.<created ms>.<bizId>`:
 * a client can read them through the cursor, which is fine (they grant
 * nothing), but one the repository did not hand out is refused.
 */
export function pagedRepository(rows: Record<string, readonly WorkspaceMembership[]>): PagedRepository {
  const byUser = new Map<string, readonly WorkspaceMembership[]>(Object.entries(rows));
  const versions = new Map<string, number>();
  const made = new Set<string>();
  const pages: PagedRepository["pages"] = [];
  const calls = { listForUser: 0, listingVersion: 0, listItems: 0, listPage: 0 };

  const sorted = (user: string): WorkspaceMembership[] =>
    [...(byUser.get(user) ?? [])].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || compare(a.bizId, b.bizId));
  const version = (user: string) => `${versions.get(user) ?? 0}.${user.length}`;

  return {
    pages,
    calls,
    set(user, list) {
      byUser.set(user, list);
      versions.set(user, (versions.get(user) ?? 0) + 1);
    },
    sorted,
    listForUser(user: string) {
      calls.listForUser++;
      return Promise.resolve(sorted(user));
    },
    listingVersion(user: string, _options?: ListOptions) {
      calls.listingVersion++;
      return Promise.resolve(version(user));
    },
    listItems(user: string, format: ListingItemFormat): Promise<VersionedItems> {
      calls.listItems++;
      return Promise.resolve({ version: version(user), items: sorted(user).map((row) => formatListingItem(format, row)) });
    },
    listPage(user: string, format: ListingItemFormat, query: ListingQuery): Promise<ListingPage> {
      calls.listPage++;
      pages.push({ user, query });
      if (query.limit !== undefined && !(Number.isInteger(query.limit) && query.limit >= 1 && query.limit <= 500)) {
        return Promise.reject(new ListingQueryError("limit", "out of range"));
      }
      let after: { at: number; bizId: string } | undefined;
      if (query.after !== undefined) {
        const match = POSITION.exec(query.after);
        if (!made.has(query.after) || match === null) return Promise.reject(new ListingQueryError("cursor", "not a position of this listing"));
        after = { at: Number(match[1]), bizId: match[2]! };
      }
      const prefix = query.nameStartsWith?.toLowerCase();
      const matching = sorted(user).filter((row) =>
        (query.roles === undefined || query.roles.includes(row.role)) &&
        (query.statuses === undefined || query.statuses.includes(statusCode(row.status))) &&
        (query.kinds === undefined || query.kinds.includes(kindCode(row.kind))) &&
        (prefix === undefined || row.name.toLowerCase().startsWith(prefix))
      );
      const rest = after === undefined ? matching : matching.filter((row) =>
        row.createdAt.getTime() > after!.at || (row.createdAt.getTime() === after!.at && compare(row.bizId, after!.bizId) > 0)
      );
      const page = query.limit === undefined ? rest : rest.slice(0, query.limit);
      const last = page.at(-1);
      const answer: { -readonly [K in keyof ListingPage]: ListingPage[K] } = {
        version: version(user),
        items: page.map((row) => formatListingItem(format, row)),
      };
      if (page.length < rest.length && last !== undefined) {
        answer.next = `pos1.${last.createdAt.getTime()}.${last.bizId}`;
        made.add(answer.next);
      }
      if (query.count) answer.total = matching.length;
      return Promise.resolve(answer);
    },
  };
}

// Business ids in the database's order for them (`COLLATE "C"`: by code unit, which is by byte for ASCII).
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
