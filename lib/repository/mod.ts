/**
 * Where memberships come from: the repository port, the workspace domain
 * types, lobby's schema, repositories over postgres.js and PGlite running
 * one listing query, and one that spreads reads over read replicas.
 * Importing this loads neither driver: pass in a postgres.js client or an
 * open PGlite database. The standalone server's
 * embedded database (`openEmbeddedDatabase`) lives in `embedded.ts`, apart,
 * because it loads PGlite.
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { PGlite } from "@electric-sql/pglite";
 * import { applySchema, pgliteRepository, RepositoryUnavailableError } from "./mod.ts";
 * const db = await PGlite.create();
 * const repository = pgliteRepository(db);
 * try {
 *   await applySchema((text) => db.exec(text));
 *   assert.deepEqual(await repository.listForUser("nobody"), []);
 * } finally {
 *   await db.close();
 * }
 * await assert.rejects(repository.listForUser("nobody"), RepositoryUnavailableError);
 * ```
 *
 * @module
 */
export { isUnavailableError } from "./is_unavailable_error.ts";
export { pgliteRepository } from "./pglite.ts";
export { postgresRepository, type PostgresRepositoryOptions } from "./postgres.ts";
export { postgresReplicaHealth, postgresReplicatedRepository, type PostgresReplicatedOptions } from "./postgres_replicas.ts";
export {
  describeReplicaEvent,
  type ReadReplica,
  type ReplicaEvent,
  type ReplicaHealth,
  type ReplicaSkipReason,
  type ReplicaStatus,
  type ReplicatedRepository,
  replicatedRepository,
  type ReplicatedRepositoryOptions,
} from "./replicas.ts";
export {
  LARGE_LISTING,
  type ListingItemFormat,
  type ListingPage,
  type ListingQuery,
  ListingQueryError,
  type ListOptions,
  type RepositoryEvent,
  RepositoryUnavailableError,
  type VersionedItems,
  type WorkspaceRepository,
} from "./repository.ts";
export { applySchema, SCHEMA_SQL, SCHEMA_STEPS, type SqlRunner } from "./schema.ts";
export {
  kindCode,
  statusCode,
  WORKSPACE_KIND,
  WORKSPACE_STATUS,
  type WorkspaceKindCode,
  type WorkspaceMembership,
  type WorkspaceRole,
  type WorkspaceStatusCode,
} from "./workspace.ts";
