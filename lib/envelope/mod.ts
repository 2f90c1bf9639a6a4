/**
 * The bodies of both API dialects, success and failure, and the closed set
 * of failures with what each one is in HTTP and in each dialect.
 *
 * @module
 */
export * from "./envelope.ts";
export * from "./failures.ts";
