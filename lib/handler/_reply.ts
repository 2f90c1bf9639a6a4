/**
 * One request's answer in its dialect: the headers every per-user answer
 * carries, the failure bodies, and the bearer challenges.
 *
 * @module
 */
import {
  FAILURES,
  type FailureName,
  systemFailure,
  systemSuccessJson,
  uptimerFailure,
  uptimerSuccessJson,
} from "../envelope/mod.ts";
import type { Locale } from "../locale/mod.ts";
import type { WorkspaceMembership } from "../repository/mod.ts";
import type { Dialect } from "./_routes.ts";
import type { PlainResponse } from "./handler.ts";

const encoder = new TextEncoder();

/**
 * Builds the answers of one request: its dialect, its language (settled
 * once the `Accept-Language` header is read) and whether it is a `HEAD`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Reply } from "./_reply.ts";
 * const reply = new Reply("uptimer", false, "lobby", () => 0);
 * assert.equal(reply.fail("not_found").status, 404);
 * ```
 */
export class Reply {
  /** The language of the answer; English until negotiated. */
  locale: Locale = "en";

  /**
   * @param dialect The dialect of the route.
   * @param head Whether the request is a `HEAD`: the body is left out, its length kept.
   * @param realm The `WWW-Authenticate` realm.
   * @param now The clock, for the system dialect's `timestamp`.
   */
  constructor(
    readonly dialect: Dialect,
    readonly head: boolean,
    readonly realm: string,
    readonly now: () => number,
  ) {}

  /** An answer with the headers of every per-user response, and `extra`. */
  send(status: number, text: string | null, extra?: Record<string, string>): PlainResponse {
    const headers: Record<string, string> = {
      "content-type": "application/json; charset=utf-8",
      "cache-control": "private, no-cache",
      "vary": "Authorization, Accept-Language",
      "content-language": this.locale,
    };
    if (extra !== undefined) Object.assign(headers, extra);
    if (text === null || !this.head) return { status, headers, body: text };
    headers["content-length"] = String(encoder.encode(text).length);
    return { status, headers, body: null };
  }

  /** The 200 with the user's memberships. */
  success(rows: readonly WorkspaceMembership[]): PlainResponse {
    const text = this.dialect === "system" ? systemSuccessJson(rows, this.locale, this.now()) : uptimerSuccessJson(rows);
    return this.send(200, text);
  }

  /** A failure in the dialect's envelope, with its status. */
  fail(failure: FailureName, extra?: Record<string, string>): PlainResponse {
    const body = this.dialect === "system" ? systemFailure(failure, this.locale, this.now()) : uptimerFailure(failure, this.locale);
    return this.send(FAILURES[failure].status, JSON.stringify(body), extra);
  }

  /** A 401 with the RFC 6750 challenge that fits the failure. */
  unauthorized(failure: "missing_authorization" | "malformed_authorization" | "invalid_token", expired: boolean): PlainResponse {
    const realm = `Bearer realm="${this.realm}"`;
    let challenge: string;
    if (failure === "missing_authorization") challenge = realm;
    else if (failure === "malformed_authorization") {
      challenge = `${realm}, error="invalid_request", error_description="The Authorization header must be Bearer <token>"`;
    } else {
      const description = expired ? "The access token expired" : "The access token is invalid";
      challenge = `${realm}, error="invalid_token", error_description="${description}"`;
    }
    return this.fail(failure, { "www-authenticate": challenge });
  }
}
