// Trusting the emulator's CA inside an already-running process (tests).
// NODE_EXTRA_CA_CERTS is read only at process start, and Node 20's global
// fetch takes no CA option, so in-process callers use a fetch built on
// node:https with the CA, and the Graph SDK gets it as its last middleware
// (replacing HTTPMessageHandler; the SDK's request building, auth handler,
// retry handler and error parsing stay real). A separate app process just
// sets NODE_EXTRA_CA_CERTS instead (see README).

import http from "node:http";
import https from "node:https";
import type { Context, Middleware } from "@microsoft/microsoft-graph-client";

type FetchLike = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;

function headerRecord(headers: HeadersInit | undefined): Record<string, string> {
  const record: Record<string, string> = {};
  new Headers(headers).forEach((value, key) => {
    record[key] = value;
  });
  return record;
}

/** A fetch that trusts `caPem` for https URLs (no other CA is trusted). */
export function fetchTrustingCa(caPem: string): FetchLike {
  const agent = new https.Agent({ ca: caPem, keepAlive: false });
  return async (input, init = {}) => {
    const request = input instanceof Request ? input : undefined;
    const url = new URL(request ? request.url : input.toString());
    const method = init.method ?? request?.method ?? "GET";
    const headers = headerRecord(init.headers ?? request?.headers);
    let body: Buffer | undefined;
    const rawBody = init.body ?? (request && method !== "GET" && method !== "HEAD" ? await request.arrayBuffer() : undefined);
    if (typeof rawBody === "string") body = Buffer.from(rawBody);
    else if (rawBody instanceof ArrayBuffer) body = Buffer.from(rawBody);
    else if (rawBody instanceof URLSearchParams) {
      body = Buffer.from(rawBody.toString());
      headers["content-type"] ??= "application/x-www-form-urlencoded;charset=UTF-8";
    } else if (rawBody !== undefined && rawBody !== null) throw new Error("fetchTrustingCa supports string, ArrayBuffer and URLSearchParams bodies");
    const transport = url.protocol === "https:" ? https : http;
    return new Promise<Response>((resolve, reject) => {
      const outgoing = transport.request(url, { method, headers, ...(url.protocol === "https:" ? { agent } : {}) }, (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
        incoming.on("end", () => {
          const status = incoming.statusCode ?? 500;
          const responseHeaders = new Headers();
          for (const [name, value] of Object.entries(incoming.headers)) {
            if (Array.isArray(value)) value.forEach((item) => responseHeaders.append(name, item));
            else if (value !== undefined) responseHeaders.set(name, value);
          }
          const noBody = status === 204 || status === 205 || status === 304;
          resolve(new Response(noBody ? null : Buffer.concat(chunks), { status, statusText: incoming.statusMessage, headers: responseHeaders }));
        });
        incoming.on("error", reject);
      });
      outgoing.on("error", reject);
      outgoing.end(body);
    });
  };
}

/** Graph SDK middleware that sends the request with fetchTrustingCa; put it last in the chain. */
export class CaTrustingHttpMessageHandler implements Middleware {
  private readonly fetch: FetchLike;

  constructor(caPem: string) {
    this.fetch = fetchTrustingCa(caPem);
  }

  async execute(context: Context): Promise<void> {
    context.response = await this.fetch(context.request, context.options as RequestInit | undefined);
  }
}
