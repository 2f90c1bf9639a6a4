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
