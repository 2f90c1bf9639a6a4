/**
 * What the handler needs from storage: the workspaces one user is a member
 * of. Implement it over any store; lobby ships Postgres drivers for
 * postgres.js and PGlite.
 *
 * @module
 */
import type { WorkspaceKindCode, WorkspaceMembership, WorkspaceRole, WorkspaceStatusCode } from "./workspace.ts";

/**
 * Options of one {@link WorkspaceRepository.listForUser} call.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ListOptions } from "./repository.ts";
 * const options: ListOptions = { signal: AbortSignal.timeout(5000) };
 * assert.equal(options.signal?.aborted, false);
 * ```
 */
export interface ListOptions {
  /**
   * Aborted once the caller no longer wants the answer (the handler aborts
   * it with a `TimeoutError` when its deadline passes). A listing still
   * waiting for the database is then dropped and never sent; one already
   * sent is left to finish (the server's `statement_timeout` bounds it).
   * A repository may honour it only before it starts, or not at all.
   */
  readonly signal?: AbortSignal;
}

/**
 * How the items of a listing are written as JSON text by
 * {@link WorkspaceRepository.listItems}: one item of the uptimer dialect's
 * `result`, or of the system dialect's `data`, whose enum objects carry the
 * labels of the answer's language. The envelope makes it
 * (`listingItemFormat`) and writes an item from a row (`formatListingItem`),
 * so a repository of its own can implement `listItems` over its rows.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ListingItemFormat } from "./repository.ts";
 * const format: ListingItemFormat = { dialect: "uptimer" };
 * assert.equal(format.dialect, "uptimer");
 * ```
 */
export type ListingItemFormat =
  | { readonly dialect: "uptimer" }
  | {
    readonly dialect: "system";
    /** The JSON text of `workspaceStatus` for each known status, such as `{"value":10010701,"name":"ACTIVE","code":"ACTIVE"}`. */
    readonly status: { readonly ACTIVE: string; readonly SUSPENDED: string; readonly ARCHIVED: string };
    /** The label of a status outside those, as a JSON string (quoted). */
    readonly unknownStatus: string;
    /** The JSON text of `workspaceKind` for each known kind. */
    readonly kind: { readonly LIVE: string; readonly SANDBOX: string };
    /** The label of a kind outside those, as a JSON string (quoted). */
    readonly unknownKind: string;
  };

/**
 * A listing read with its version, both as of one moment (one snapshot of
 * the database): `version` is the user's listing version that the items
 * are the listing of (see {@link WorkspaceRepository.listingVersion}), and
 * `items` the JSON text of each item, in listing order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { VersionedItems } from "./repository.ts";
 * const listed: VersionedItems = { version: "16384.7", items: ['{"id":"ws_1","name":"One","role":"owner","kind":"workspace"}'] };
 * assert.equal(listed.items.length, 1);
 * ```
 */
export interface VersionedItems {
  /** The version of the listing the items are. */
  readonly version: string;
  /** Each item's JSON text, in listing order. */
  readonly items: readonly string[];
  /**
   * The same items joined with commas, as UTF-8 bytes, when the repository
   * read them so (lobby's Postgres repository does for a listing of
   * {@link LARGE_LISTING} bytes and more): the handler keeps and writes
   * these bytes as they are, without reading `items`.
   */
  readonly encoded?: Uint8Array;
}

/**
 * From how many bytes (or UTF-16 code units) of items on a listing is
 * large: kept by the handler as UTF-8 bytes and written in pieces, and read
 * by lobby's Postgres repository as bytes, never as texts, since building
 * megabytes of text per request costs more than the bytes' copies.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LARGE_LISTING } from "./repository.ts";
 * assert.equal(LARGE_LISTING, 64 * 1024);
 * ```
 */
export const LARGE_LISTING = 65_536;

/**
 * What one page of a listing asks for (see
 * {@link WorkspaceRepository.listPage}): filters, a name prefix, a page size
 * and where the page starts. Every field is optional; an empty query is the
 * whole listing. Filters combine with AND; the values of one filter with
 * OR.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ListingQuery } from "./repository.ts";
 * const firstOwnedPage: ListingQuery = { limit: 20, roles: ["owner"], statuses: ["ACTIVE"] };
 * assert.equal(firstOwnedPage.after, undefined);
 * ```
 */
export interface ListingQuery {
  /** At most this many items (1–500), the first in listing order after `after`; absent: all of them. */
  readonly limit?: number;
  /**
   * Start after this position: a {@link ListingPage.next} the repository
   * returned for the same user and the same filters. It comes from a
   * client, so it is untrusted: a repository throws a
   * {@link ListingQueryError} for one it could not have made.
   */
  readonly after?: string;
  /** Only memberships with one of these roles. */
  readonly roles?: readonly WorkspaceRole[];
  /** Only workspaces with one of these statuses; `UNKNOWN` is any status outside the known ones. */
  readonly statuses?: readonly (WorkspaceStatusCode | "UNKNOWN")[];
  /** Only workspaces of one of these kinds; `UNKNOWN` is any kind outside the known ones. */
  readonly kinds?: readonly (WorkspaceKindCode | "UNKNOWN")[];
  /**
   * Only workspaces whose name starts with this, compared case-insensitively
   * (both folded to lower case, as the store folds them).
   */
  readonly nameStartsWith?: string;
  /** Also count every item that matches the filters, on every page (`ListingPage.total`). */
  readonly count?: boolean;
}

/**
 * One page of a listing, with the listing version it was read at (see
 * {@link WorkspaceRepository.listPage}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ListingPage } from "./repository.ts";
 * const page: ListingPage = { version: "16384.7", items: ['{"id":"ws_1","name":"One","role":"owner","kind":"workspace"}'], next: "opaque" };
 * assert.equal(page.total, undefined);
 * ```
 */
export interface ListingPage extends VersionedItems {
  /** Present when more items follow: the position to pass as `after` for the next page. */
  readonly next?: string;
  /** With `count`: how many items match the filters in all, whatever the page. */
  readonly total?: number;
}

/**
 * A {@link ListingQuery} the repository cannot answer: a position it did not
 * make (`parameter` `"cursor"`), or a value out of its range. The handler
 * answers it as a malformed request naming `parameter`; the message is for
 * logs.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ListingQueryError } from "./repository.ts";
 * const error = new ListingQueryError("cursor", "not a position of this listing");
 * assert.equal(error.name, "ListingQueryError");
 * assert.equal(error.parameter, "cursor");
 * ```
 */
export class ListingQueryError extends RangeError {
  /** The query parameter at fault, such as `cursor`. */
  readonly parameter: string;
  /** Names the parameter at fault; `message` says what is wrong with it. */
  constructor(parameter: string, message: string) {
    super(message);
    this.name = "ListingQueryError";
    this.parameter = parameter;
  }
}

/**
 * What a repository tells whoever watches it (see
 * {@link WorkspaceRepository.watch}): an outage once when it starts and
 * once when it ends, and every other failure once per distinct error per
 * minute. No event carries an SQL parameter, a host or a password.
 *
 * - `down`: a listing found the database unreachable (`reason` is the
 *   driver's or the server's code, such as `ECONNREFUSED`, `CONNECT_TIMEOUT`
 *   or `57P01`, or `NO_ANSWER` when a listing passed its caller's deadline
 *   with nothing heard from the database since it was sent). From now on
 *   listings are refused at once, except one at a time that tries the
 *   database again.
 * - `up`: the database answered again. `refused` counts the listings that
 *   were refused or failed as unavailable meanwhile; `durationMs` is how
 *   long the outage lasted.
 * - `error`: a listing failed for a reason that is not an outage: a bug, a
 *   missing table, a bad password, a wrong database name (`3D000`: a
 *   configuration error, not an outage), a statement timeout, or too many
 *   listings waiting (`QUEUE_FULL`). `code` is the SQLSTATE or the driver's
 *   code (the error's name when it has none); `message` is the error's first
 *   line with every quoted part replaced by `"..."`, so that no value shows.
 *   Reported the first time, then at most once a minute, with `repeated`
 *   counting those left out since the last report.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { RepositoryEvent } from "./repository.ts";
 * const describe = (event: RepositoryEvent): string =>
 *   event.event === "down" ? `down (${event.reason})`
 *   : event.event === "up" ? `up, ${event.refused} refused`
 *   : `${event.code}: ${event.message}`;
 * assert.equal(describe({ event: "up", refused: 12, durationMs: 10_000 }), "up, 12 refused");
 * ```
 */
export type RepositoryEvent =
  | { readonly event: "down"; readonly reason: string }
  | { readonly event: "up"; readonly refused: number; readonly durationMs: number }
  | { readonly event: "error"; readonly code: string; readonly message: string; readonly repeated: number };

/**
 * The storage port of lobby.
 *
 * `listForUser` resolves with the user's memberships ordered by workspace
 * `createdAt` ascending, then `bizId`, never including soft-deleted
 * workspaces, and `[]` for a user with none. It rejects with a
 * {@link RepositoryUnavailableError} when the store cannot be reached or timed
 * out (the handler answers 503), and with any other error for a bug (500).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { WorkspaceRepository } from "./repository.ts";
 * const empty: WorkspaceRepository = { listForUser: () => Promise.resolve([]) };
 * assert.deepEqual(await empty.listForUser("demo-user"), []);
 * ```
 */
export interface WorkspaceRepository {
  /**
   * The memberships of `userId`, in listing order. `options.signal` says
   * when the caller stops waiting (see {@link ListOptions}); once it aborts,
   * the promise may reject with its reason.
   */
  listForUser(userId: string, options?: ListOptions): Promise<readonly WorkspaceMembership[]>;
  /**
   * Optional: the user's listing version, an opaque text that changes
   * whenever what `listForUser` returns for the user may have changed, and
   * only then, the same in every instance and across restarts. Versions of
   * one user never repeat an earlier one with another listing: an unchanged
   * version is an unchanged listing. With it and {@link listItems}, the
   * handler answers `ETag`s and `304`s from the version alone and keeps
   * encoded bodies in memory; without them, it reads the whole listing for
   * every request and sends no `ETag`. lobby's repositories read one index
   * range of a row or a few (`lobby_listing_changes`). Rejects as
   * `listForUser` does.
   */
  listingVersion?(userId: string, options?: ListOptions): Promise<string>;
  /**
   * Optional, with {@link listingVersion}: the listing as each item's JSON
   * text in `format`, with its version, both read as of one moment, so that
   * the items are exactly the listing at that version (never older, never
   * newer). lobby's repositories have the database write the items and read
   * the version in the same statement. Rejects as `listForUser` does.
   */
  listItems?(userId: string, format: ListingItemFormat, options?: ListOptions): Promise<VersionedItems>;
  /**
   * Optional, with {@link listingVersion}: one page of the listing, filtered,
   * as {@link listItems} reads the whole one: each item's JSON text in
   * `format`, in listing order, with the version they are the listing of,
   * read as of one moment. Without it, the handler refuses every query
   * parameter, so that no client believes it filtered. Rejects as
   * `listForUser` does, and with a {@link ListingQueryError} for a query it
   * cannot answer.
   */
  listPage?(userId: string, format: ListingItemFormat, query: ListingQuery, options?: ListOptions): Promise<ListingPage>;
  /**
   * Optional: calls `listener` with each {@link RepositoryEvent}. A
   * repository that has it reports its own failures there, so the handler
   * logs no event per failed request; without it, the handler logs one per
   * failed request. Both of lobby's repositories have it.
   */
  watch?(listener: (event: RepositoryEvent) => void): void;
}

/**
 * The store could not be reached or did not answer in time. The message is
 * fixed and safe; the driver's error, which may name hosts or SQL, is kept in
 * `cause` for logs only.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RepositoryUnavailableError } from "./repository.ts";
 * const cause = new Error("connect ECONNREFUSED 10.0.0.5:5432");
 * const error = new RepositoryUnavailableError({ cause });
 * assert.equal(error.name, "RepositoryUnavailableError");
 * assert.equal(error.message, "The workspace store is unavailable");
 * assert.equal(error.cause, cause);
 * ```
 */
export class RepositoryUnavailableError extends Error {
  /** Wraps the driver's error as `cause`. */
  constructor(options?: { cause?: unknown }) {
    super("The workspace store is unavailable", options);
    this.name = "RepositoryUnavailableError";
  }
}
