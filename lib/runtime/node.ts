/**
 * The Node.js adapter: a `node:http` request listener around a fetch
 * handler. Runtime glue: with `listen.ts`, the only module that knows Node.
 *
 * On Node 20, building a `Request` (with its abort signal) and a `Response`
 * with a text body, then reading that body back as a stream, costs several
 * times more than everything lobby's handler does. So a handler made by
 * `createWorkspacesHandler` is not called through `Request`/`Response` here:
 * the adapter hands its answer function a light view of the incoming
 * message (method, URL, a `get` over the raw headers) and writes the plain
 * answer with one `writeHead` and one `end` (its pieces corked together,
 * when it comes in pieces). Any other fetch handler gets a
 * real `Request` and has its `Response` streamed back.
 *
 * Either way the handler sees the request target as it was sent, after an
 * origin made from the `Host` header: no percent-decoding, no removal of
 * `.` and `..` segments, no `\` read as `/`, as `Deno.serve` does too. A
 * router that compares paths then sees `/a/../b` as the path it is, not as
 * `/b`. A `Host` that would not make a valid URL is replaced by `localhost`.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { Buffer } from "node:buffer";
import { Readable } from "node:stream";
import type { FetchHandler, PlainRequest, PlainResponse, WorkspacesHandler } from "../handler/mod.ts";
import { originOf } from "./listen.ts";

// The scheme and authority of an absolute-form target ("GET http://x/y").
const ABSOLUTE_FORM = /^[A-Za-z][A-Za-z0-9+.\-]*:\/\/[^/?#]*/;

/**
 * Wraps a fetch handler as a `node:http` listener: builds a `Request` from the
 * incoming message (aborted when the client goes away), and writes the
 * handler's `Response` back, streaming its body. A handler made by
 * `createWorkspacesHandler` answers the same without either object being
 * built (see the module documentation).
 *
 * @param handler Any `(request: Request) => Promise<Response>`.
 * @returns A listener for `http.createServer`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createServer } from "node:http";
 * import { toNodeListener } from "./node.ts";
 * const server = createServer(toNodeListener(async (request) => new Response(new URL(request.url).pathname)));
 * await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
 * const { port } = server.address() as { port: number };
 * assert.equal(await (await fetch(`http://127.0.0.1:${port}/ok`)).text(), "/ok");
 * await new Promise((resolve) => server.close(resolve));
 * ```
 */
export function toNodeListener(
  handler: FetchHandler | WorkspacesHandler,
): (req: IncomingMessage, res: ServerResponse) => void {
  const answer = (handler as Partial<WorkspacesHandler>).answer;
  if (typeof answer === "function") return (req, res) => serveAnswer(answer, req, res);
  return (req, res) => {
    void serveFetch(handler, req, res).catch(() => abandon(res));
  };
}

function serveAnswer(answer: WorkspacesHandler["answer"], req: IncomingMessage, res: ServerResponse): void {
  // The host from the raw headers, as `req.headers.host` would give it:
  // on Bun, building `req.headers` is a cost of its own.
  const raw = req.rawHeaders;
  const url = requestUrl(req, firstField(raw, "host"));
  if (url === undefined) {
    res.statusCode = 400;
    res.end();
    return;
  }
  const view: PlainRequest = { method: req.method ?? "GET", url, headers: new RawHeaders(raw) };
  answer(view).then((result) => writePlain(res, result)).catch(() => abandon(res));
}

function writePlain(res: ServerResponse, answer: PlainResponse): void {
  // A flat list: headers go out as they are, with the length known, so the
  // body is sent in one piece and not chunked.
  const fields: string[] = [];
  for (const name in answer.headers) fields.push(name, answer.headers[name]!);
  const chunks = answer.chunks;
  if (chunks !== undefined && chunks.length > 0) {
    let length = 0;
    for (const chunk of chunks) length += typeof chunk === "string" ? Buffer.byteLength(chunk) : chunk.byteLength;
    fields.push("content-length", String(length));
    res.writeHead(answer.status, fields);
    // Corked, the pieces leave together; end() uncorks.
    res.cork();
    for (let i = 0; i < chunks.length - 1; i++) res.write(chunks[i]);
    res.end(chunks[chunks.length - 1]);
    return;
  }
  if (answer.body === null) {
    res.writeHead(answer.status, fields);
    res.end();
    return;
  }
  fields.push("content-length", String(Buffer.byteLength(answer.body)));
  res.writeHead(answer.status, fields);
  res.end(answer.body);
}

// A failure here is the socket's (the client went away mid-write), or a
// handler bug; there is nobody left to tell, or nothing safe to say.
function abandon(res: ServerResponse): void {
  if (!res.headersSent) {
    res.statusCode = 500;
    res.end();
  } else res.destroy();
}

/**
 * `Headers.get` over `rawHeaders`: case-insensitive, repeated fields joined
 * with ", ". Node's parser has already refused what `Headers` would (control
 * characters) and trimmed the values.
 */
class RawHeaders {
  readonly #raw: readonly string[];

  constructor(raw: readonly string[]) {
    this.#raw = raw;
  }

  get(name: string): string | null {
    const wanted = name.toLowerCase();
    const raw = this.#raw;
    let value: string | null = null;
    for (let i = 0; i < raw.length; i += 2) {
      const field = raw[i]!;
      if (field.length === wanted.length && field.toLowerCase() === wanted) {
        value = value === null ? raw[i + 1]! : `${value}, ${raw[i + 1]!}`;
      }
    }
    return value;
  }
}

// The first value of a field in `rawHeaders` (names compared in lower
// case, as Node keeps only the first `Host`).
function firstField(raw: readonly string[], lowerName: string): string | undefined {
  for (let i = 0; i < raw.length; i += 2) {
    const field = raw[i]!;
    if (field.length === lowerName.length && field.toLowerCase() === lowerName) return raw[i + 1];
  }
  return undefined;
}

async function serveFetch(
  handler: (request: Request) => Promise<Response>,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const controller = new AbortController();
  res.once("close", () => {
    if (!res.writableFinished) controller.abort();
  });
  let request: Request;
  try {
    request = toRequest(req, controller.signal);
  } catch {
    // Node's parser let through something the Fetch API refuses (a TRACE
    // method, a port out of range).
    res.statusCode = 400;
    res.end();
    return;
  }
  const response = await handler(request);
  res.statusCode = response.status;
  for (const [name, value] of response.headers) {
    if (name !== "set-cookie") res.setHeader(name, value);
  }
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) res.setHeader("set-cookie", cookies);
  if (response.body === null) {
    res.end();
    return;
  }
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (!res.write(value)) await new Promise((resolve) => res.once("drain", resolve));
  }
  res.end();
}

function toRequest(req: IncomingMessage, signal: AbortSignal): Request {
  const url = requestUrl(req, req.headers.host);
  if (url === undefined) throw new TypeError("Invalid URL");
  const headers = new Headers();
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!);
  const method = req.method ?? "GET";
  const hasBody = method !== "GET" && method !== "HEAD";
  const request = new Request(url, {
    method,
    headers,
    signal,
    body: hasBody ? (Readable.toWeb(req) as ReadableStream<Uint8Array>) : null,
    // @ts-expect-error: Node's RequestInit needs `duplex` for a streamed body; the DOM type lacks it.
    duplex: "half",
  });
  // `new Request` normalizes the path (`/a/../b` becomes `/b`); the handler
  // is shown the target as sent, as on Deno.
  if (request.url !== url) Object.defineProperty(request, "url", { value: url });
  return request;
}

/**
 * The request's absolute URL: an origin from the Host header (or
 * `http://localhost`), then the target's path and query exactly as sent.
 * `undefined` for a target that has no path (`OPTIONS *`).
 */
function requestUrl(req: IncomingMessage, host: string | undefined): string | undefined {
  const target = req.url ?? "/";
  let path = target;
  if (target.charCodeAt(0) !== 47 /* "/" */) {
    // An absolute-form target ("GET http://x/y") carries its own path.
    const authority = ABSOLUTE_FORM.exec(target);
    if (authority === null) return undefined;
    path = target.slice(authority[0].length);
    if (path.charCodeAt(0) !== 47) path = `/${path}`;
  }
  return originOf(host) + path;
}
