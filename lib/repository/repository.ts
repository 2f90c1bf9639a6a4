/**
 * What the handler needs from storage: the workspaces one user is a member
 * of. Implement it over any store; lobby ships Postgres drivers for
 * postgres.js and PGlite.
 *
 * @module
 */
import type { WorkspaceMembership } from "./workspace.ts";

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
  /** The memberships of `userId`, in listing order. */
  listForUser(userId: string): Promise<readonly WorkspaceMembership[]>;
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
