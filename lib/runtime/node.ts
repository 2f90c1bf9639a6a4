/**
 * The Node.js adapter: a `node:http` request listener around a fetch
 * handler. Runtime glue: the only module besides `serve.ts` that knows Node.
 *
 * On Node 20, building a `Request` (with its abort signal) and a `Response`
 * with a text body, then reading that body back as a stream, costs several
 * times more than everything lobby's handler does. So a handler made by
 * `createWorkspacesHandler` is not called through `Request`/`Response` here:
 * the adapter hands its answer function a light view of the incoming
 * message (method, normalized URL, a `get` over the raw headers) and writes
 * the plain answer with one `writeHead` and one `end`. Any other fetch
 * handler gets a real `Request` and has its `Response` streamed back.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { Buffer } from "node:buffer";
import { Readable } from "node:stream";
import type { FetchHandler, PlainRequest, PlainResponse, WorkspacesHandler } from "../handler/mod.ts";

// A Host header is attacker-chosen; one that would not make a valid URL
// must not make the request fail, so it is replaced.
const HOST = /^[A-Za-z0-9.\-]{1,253}(:\d{1,5})?$|^\[[0-9A-Fa-f:.]{2,45}\](:\d{1,5})?$/;

// A request target the URL parser leaves exactly as it is: RFC 3986 path
// characters without `%`, `\` or `'`, and no `.` or `..` segment (checked
// apart). Anything else goes through `new URL`, as `new Request` would.
const _PLAIN_TARGET = /^(\/[A-Za-z0-9\-._~!$&()*+,;=:@]*)+(\?[A-Za-z0-9\-._~!$&()*+,;=:@/?]*)?$/;
const _DOT_SEGMENT = /\/\.\.?(?:[/?]|$)/;
// Normalized origins of the Host headers seen, bounded: hosts are attacker-chosen.
const _origins = new Map<string, string>();
const _ORIGINS_MAX = 64;


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
 * import { createServer } from "node:http";
 * import { toNodeListener } from "./node.ts";
 * createServer(toNodeListener(async () => new Response("ok"))).listen(8080);
 * ```
 */
export function toNodeListener(
  handler: FetchHandler | WorkspacesHandler,
): (req: IncomingMessage, res: ServerResponse) => void {
  const answer = (handler as Partial<WorkspacesHandler>).answer;
  if (typeof answer === "function") return (req, res) => _answer(answer, req, res);
  return (req, res) => {
    void _handle(handler, req, res).catch(() => _abandon(res));
  };
}

function _answer(answer: WorkspacesHandler["answer"], req: IncomingMessage, res: ServerResponse): void {
  const url = _requestUrl(req);
  if (url === undefined) {
    res.statusCode = 400;
    res.end();
    return;
  }
  const view: PlainRequest = { method: req.method ?? "GET", url, headers: new _RawHeaders(req.rawHeaders) };
  answer(view).then((result) => _write(res, result)).catch(() => _abandon(res));
}

function _write(res: ServerResponse, answer: PlainResponse): void {
  // A flat list: headers go out as they are, with the length known, so the
  // body is sent in one piece and not chunked.
  const fields: string[] = [];
  for (const name in answer.headers) fields.push(name, answer.headers[name]!);
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
function _abandon(res: ServerResponse): void {
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
class _RawHeaders {
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

async function _handle(
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
    request = _toRequest(req, controller.signal);
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

function _toRequest(req: IncomingMessage, signal: AbortSignal): Request {
  const url = _requestUrl(req);
  if (url === undefined) throw new TypeError("Invalid URL");
  const headers = new Headers();
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!);
  const method = req.method ?? "GET";
  const hasBody = method !== "GET" && method !== "HEAD";
  return new Request(url, {
    method,
    headers,
    signal,
    body: hasBody ? (Readable.toWeb(req) as ReadableStream<Uint8Array>) : null,
    // @ts-expect-error: Node's RequestInit needs `duplex` for a streamed body; the DOM type lacks it.
    duplex: "half",
  });
}

/**
 * The request's absolute URL exactly as `new Request` would serialize it
 * (normalized, without a fragment), or `undefined` when it is not a URL.
 * The usual target is taken as it is; the origin is normalized once per
 * Host header.
 */
function _requestUrl(req: IncomingMessage): string | undefined {
  const host = req.headers.host !== undefined && HOST.test(req.headers.host) ? req.headers.host : "localhost";
  const target = req.url ?? "/";
  // An absolute-form target ("GET http://x/y") carries its own path.
  const path = target.startsWith("/") ? target : _pathOf(target);
  const origin = _origin(host);
  if (origin === undefined) return undefined;
  if (_PLAIN_TARGET.test(path) && !_DOT_SEGMENT.test(path)) return origin + path;
  try {
    const url = new URL(origin + path);
    url.hash = "";
    return url.href;
  } catch {
    return undefined;
  }
}

function _origin(host: string): string | undefined {
  let origin = _origins.get(host);
  if (origin !== undefined) return origin;
  try {
    const href = new URL(`http://${host}/`).href;
    origin = href.slice(0, -1);
  } catch {
    return undefined;
  }
  if (_origins.size >= _ORIGINS_MAX) _origins.clear();
  _origins.set(host, origin);
  return origin;
}

function _pathOf(target: string): string {
  try {
    const url = new URL(target);
    return url.pathname + url.search;
  } catch {
    return "/";
  }
}
