/**
 * English messages: the system and uptimer APIs' own wording wherever they
 * publish one.
 *
 * @module
 */
import type { Catalogue } from "../catalogue.ts";

/**
 * The English catalogue, and the fallback for every other language.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { en } from "./en.ts";
 * assert.equal(en.system["4010"], "Invalid or expired token");
 * ```
 */
export const en: Catalogue = {
  system: {
    "2000": "SUCCESS",
    "4000": "Invalid request: a header or query parameter is malformed",
    "4010": "Invalid or expired token",
    "4040": "Resource not found",
    "4050": "Method not allowed",
    "5000": "Internal server error",
    "5030": "Service temporarily unavailable, please try again later",
  },
  uptimer: {
    malformed_request: {
      message: "Invalid request",
      details: "A request header or query parameter is malformed",
    },
    missing_authorization: {
      message: "Missing Authorization header",
      details: "Authorization header is required",
    },
    malformed_authorization: {
      message: "Invalid Authorization header",
      details: "The Authorization header must be in the format: Bearer <token>",
    },
    invalid_token: {
      message: "Invalid token",
      details: "The provided JWT token is invalid or expired",
    },
    not_found: {
      message: "Not found",
      details: "The requested resource does not exist",
    },
    method_not_allowed: {
      message: "Method not allowed",
      details: "This endpoint supports GET, HEAD and OPTIONS only",
    },
    internal_error: {
      message: "Internal error",
      details: "An unexpected error occurred",
    },
    service_unavailable: {
      message: "Service unavailable",
      details: "The service is temporarily unavailable, please try again later",
    },
  },
  status: {
    ACTIVE: "ACTIVE",
    SUSPENDED: "SUSPENDED",
    ARCHIVED: "ARCHIVED",
    UNKNOWN: "UNKNOWN",
  },
  kind: {
    LIVE: "LIVE",
    SANDBOX: "SANDBOX",
    UNKNOWN: "UNKNOWN",
  },
  parameters: {
    message: "Invalid query parameter: {parameter}",
    invalid: "The query parameter {parameter} must be {accepts}",
    repeated: "The query parameter {parameter} may be given only once",
    systemInvalid: "Invalid request: the query parameter {parameter} must be {accepts}",
    systemRepeated: "Invalid request: the query parameter {parameter} may be given only once",
    accepts: {
      limit: "an integer from 1 to 500",
      cursor: "a cursor from this listing's Link header, for the same filters",
      role: "owner or member, comma-separated",
      status: "ACTIVE, SUSPENDED, ARCHIVED or UNKNOWN, comma-separated",
      kind: "LIVE, SANDBOX or UNKNOWN, comma-separated",
      q: "1 to 100 characters without control characters",
      count: "true or false",
    },
  },
};
