/**
 * The Node.js adapter: a `node:http` request listener around a fetch
 * handler. Runtime glue: the only module besides `serve.ts` that knows Node.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";

// A Host header is attacker-chosen; one that would not make a valid URL
// must not make the request fail, so it is replaced.
const HOST = /^[A-Za-z0-9.\-]{1,253}(:\d{1,5})?$|^\[[0-9A-Fa-f:.]{2,45}\](:\d{1,5})?$/;

/**
 * Wraps a fetch handler as a `node:http` listener: builds a `Request` from the
 * incoming message (aborted when the client goes away), and writes the
 * handler's `Response` back, streaming its body.
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
  handler: (request: Request) => Promise<Response>,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    void _handle(handler, req, res).catch(() => {
      // A failure here is the socket's (the client went away mid-write);
      // there is nobody left to answer.
      if (!res.headersSent) {
        res.statusCode = 500;
        res.end();
      } else res.destroy();
    });
  };
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
    // Node's parser let through a header the Fetch API refuses.
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
  const host = req.headers.host !== undefined && HOST.test(req.headers.host) ? req.headers.host : "localhost";
  const target = req.url ?? "/";
  // An absolute-form target ("GET http://x/y") carries its own path.
  const path = target.startsWith("/") ? target : _pathOf(target);
  const headers = new Headers();
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!);
  const method = req.method ?? "GET";
  const hasBody = method !== "GET" && method !== "HEAD";
  return new Request(`http://${host}${path}`, {
    method,
    headers,
    signal,
    body: hasBody ? (Readable.toWeb(req) as ReadableStream<Uint8Array>) : null,
    // @ts-expect-error: Node's RequestInit needs `duplex` for a streamed body; the DOM type lacks it.
    duplex: "half",
  });
}

function _pathOf(target: string): string {
  try {
    const url = new URL(target);
    return url.pathname + url.search;
  } catch {
    return "/";
  }
}
