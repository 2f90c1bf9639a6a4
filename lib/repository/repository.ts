/**
 * What the handler needs from storage: the workspaces one user is a member
 * of. Implement it over any store; lobby ships Postgres drivers for
 * postgres.js and PGlite.
 *
 * @module
 */
import type { WorkspaceMembership } from "./workspace.ts";

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
   * entry (`lobby_listing_versions`). Rejects as `listForUser` does.
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
