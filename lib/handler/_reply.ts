/**
 * One request's answer in its dialect: the headers every per-user answer
 * carries, the failure bodies, and the bearer challenges.
 *
 * @module
 */
import {
  FAILURES,
  type FailureName,
  type ParameterFault,
  systemFailure,
  systemSuccessJson,
  SYSTEM_SUCCESS_TAIL,
  systemSuccessHead,
  systemSuccessJsonOfItems,
  UPTIMER_SUCCESS_HEAD,
  uptimerFailure,
  uptimerSuccessJson,
  uptimerSuccessJsonOfItems,
  uptimerSuccessTail,
} from "../envelope/mod.ts";
import type { Locale } from "../locale/mod.ts";
import type { WorkspaceMembership } from "../repository/mod.ts";
import { CORS_EXPOSED_PAGE_HEADERS } from "./_cors.ts";
import type { PageExtras } from "./_listing_page.ts";
import type { TraceContext } from "./_request_id.ts";
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
  /** The dialect's code of the envelope sent, for the access log (`undefined` for an answer without one, such as a 204). */
  code: string | undefined;
  /** The user the request speaks for, once its token is verified, for the access log. */
  user: string | undefined;
  /**
   * Set for a listing with query parameters: its answers, 304s and
   * failures alike, let a page on an allowed origin read `Link` and
   * `X-Total-Count` too.
   */
  paged = false;
  /** `Vary`: what a per-user answer depends on. */
  readonly #vary: string;

  /**
   * @param dialect The dialect of the route.
   * @param head Whether the request is a `HEAD`: the body is left out, its length kept.
   * @param realm The `WWW-Authenticate` realm.
   * @param now The clock, for the system dialect's `timestamp`.
   * @param request The request's id, echoed in `X-Request-Id`, and CORS:
   *   `cors` is absent with CORS off, `null` for an origin that gets no CORS
   *   headers, else those headers; with CORS on every answer varies by `Origin`.
   */
  constructor(
    readonly dialect: Dialect,
    readonly head: boolean,
    readonly realm: string,
    readonly now: () => number,
    readonly request?: { readonly id: string; readonly trace?: TraceContext; readonly cors?: Readonly<Record<string, string>> | null },
  ) {
    this.#vary = request?.cors === undefined ? "Authorization, Accept-Language" : "Authorization, Accept-Language, Origin";
  }

  /** An answer with the headers of every per-user response, and `extra`. */
  send(status: number, text: string | null, extra?: Record<string, string>): PlainResponse {
    const headers: Record<string, string> = {
      "content-type": "application/json; charset=utf-8",
      "cache-control": "private, no-cache",
      "vary": this.#vary,
      "content-language": this.locale,
    };
    this.#identify(headers);
    if (extra !== undefined) Object.assign(headers, extra);
    if (text === null || !this.head) return { status, headers, body: text };
    headers["content-length"] = String(encoder.encode(text).length);
    return { status, headers, body: null };
  }

  /** The 200 with the user's memberships. */
  success(rows: readonly WorkspaceMembership[]): PlainResponse {
    const system = this.dialect === "system";
    const text = system ? systemSuccessJson(rows, this.locale, this.now()) : uptimerSuccessJson(rows);
    this.code = system ? "2000" : undefined;
    return this.send(200, text);
  }

  /**
   * The 200 with the user's memberships as items already written (joined
   * with commas, as text or as its UTF-8 bytes), tagged `etag`.
   */
  successItems(items: string | Uint8Array, etag: string): PlainResponse {
    const system = this.dialect === "system";
    this.code = system ? "2000" : undefined;
    if (typeof items !== "string") return this.#sendAround(items, { etag });
    const text = system ? systemSuccessJsonOfItems(items, this.locale, this.now()) : uptimerSuccessJsonOfItems(items);
    return this.send(200, text, { etag });
  }

  /**
   * The 200 with a page, a filtered listing or a count: items already
   * written, tagged `etag`, with the page's `Link` and `X-Total-Count`; the
   * uptimer dialect's `meta` carries the page and the count, the system
   * dialect's envelope does not change.
   */
  successPage(items: string | Uint8Array, etag: string, extras: PageExtras): PlainResponse {
    const system = this.dialect === "system";
    this.code = system ? "2000" : undefined;
    if (typeof items !== "string") return this.#sendAround(items, { etag, ...extras.headers }, extras.meta);
    const text = system ? systemSuccessJsonOfItems(items, this.locale, this.now()) : uptimerSuccessJsonOfItems(items, extras.meta);
    return this.send(200, text, { etag, ...extras.headers });
  }

  // A 200 around items kept as bytes: the envelope's text before and after
  // them, and the bytes between, in pieces; `body` is their text, built
  // only if someone reads it.
  #sendAround(items: Uint8Array, extra: Record<string, string>, meta?: PageExtras["meta"]): PlainResponse {
    const system = this.dialect === "system";
    const head = system ? systemSuccessHead(this.locale, this.now()) : UPTIMER_SUCCESS_HEAD;
    const tail = system ? SYSTEM_SUCCESS_TAIL : uptimerSuccessTail(meta);
    const response = this.send(200, null, extra);
    const headers = response.headers as Record<string, string>;
    if (this.head) {
      headers["content-length"] = String(encoder.encode(head).length + items.byteLength + encoder.encode(tail).length);
      return response;
    }
    const chunks = [head, items, tail] as const;
    let text: string | undefined;
    return {
      status: 200,
      headers,
      chunks,
      get body() {
        return text ??= head + new TextDecoder().decode(items) + tail;
      },
    };
  }

  /**
   * The 304 to a conditional request whose copy is current: no body, and of
   * the headers of the 200 those a cache updates its copy with (`ETag`,
   * `Cache-Control`, `Vary`), with the request id and CORS headers.
   */
  notModified(etag: string): PlainResponse {
    const headers: Record<string, string> = { "etag": etag, "cache-control": "private, no-cache", "vary": this.#vary };
    this.#identify(headers);
    this.code = undefined;
    return { status: 304, headers, body: null };
  }

  /** Adds the request id and the CORS headers of the request's origin. */
  #identify(headers: Record<string, string>): void {
    const request = this.request;
    if (request === undefined) return;
    headers["x-request-id"] = request.id;
    if (!request.cors) return;
    Object.assign(headers, request.cors);
    if (this.paged) headers["access-control-expose-headers"] = CORS_EXPOSED_PAGE_HEADERS;
  }

  /** A failure in the dialect's envelope, with its status. */
  fail(failure: FailureName, extra?: Record<string, string>): PlainResponse {
    return this.#failure(failure, undefined, extra);
  }

  /** The 400 for a refused query parameter, its message naming the parameter and what it accepts. */
  failParameter(fault: ParameterFault): PlainResponse {
    return this.#failure("malformed_request", fault);
  }

  #failure(failure: FailureName, fault: ParameterFault | undefined, extra?: Record<string, string>): PlainResponse {
    const system = this.dialect === "system";
    const body = system ? systemFailure(failure, this.locale, this.now(), fault) : uptimerFailure(failure, this.locale, fault);
    this.code = system ? FAILURES[failure].system : String(FAILURES[failure].uptimer);
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
