/**
 * Where memberships come from: the repository port, the workspace domain
 * types, and Postgres drivers for postgres.js and PGlite over one schema.
 *
 * @module
 */
export * from "./repository.ts";
export * from "./workspace.ts";
export * from "./postgres.ts";
export * from "./pglite.ts";
export * from "./schema.ts";
