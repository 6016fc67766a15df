// A minimal router over node:http(s): path patterns with `:params`, a request
// context with body readers and response helpers, and a hook that runs before
// every routed handler (call counting and fault injection hang off it).

import type { IncomingMessage, ServerResponse } from "node:http";

/** Whose error shapes a route answers with; faults and fallbacks use it. */
export type ErrorFamily = "google-api" | "google-oauth" | "graph" | "microsoft-identity" | "emulator";

export type Handler = (ctx: RequestContext) => Promise<void> | void;

export interface RouteDefinition {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** `/calendar/v3/calendars/:calendarId/events`; a param matches one path segment. */
  path: string;
  /** Name used by call counts and endpoint faults, e.g. `google.events.list`. */
  endpoint?: string;
  family: ErrorFamily;
  handler: Handler;
}

interface CompiledRoute extends RouteDefinition {
  pattern: RegExp;
  paramNames: string[];
}

/** Thrown by handlers to answer with a ready-made error body. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(`HTTP ${status}`);
  }
}

const MAX_BODY_BYTES = 1_000_000;

export class RequestContext {
  readonly url: URL;
  params: Record<string, string> = {};
  route?: CompiledRoute;
  private bodyPromise?: Promise<Buffer>;

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    /** Origin of the listener that took the request (`http://localhost:4000`). */
    readonly origin: string,
  ) {
    this.url = new URL(req.url ?? "/", origin);
  }

  get method(): string {
    return (this.req.method ?? "GET").toUpperCase();
  }

  header(name: string): string | undefined {
    const value = this.req.headers[name.toLowerCase()];
    return Array.isArray(value) ? value[0] : value;
  }

  query(name: string): string | undefined {
    return this.url.searchParams.get(name) ?? undefined;
  }

  rawBody(): Promise<Buffer> {
    this.bodyPromise ??= new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      this.req.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) {
          reject(new Error("Request body too large"));
          this.req.destroy();
          return;
        }
        chunks.push(chunk);
      });
      this.req.on("end", () => resolve(Buffer.concat(chunks)));
      this.req.on("error", reject);
    });
    return this.bodyPromise;
  }

  async text(): Promise<string> {
    return (await this.rawBody()).toString("utf8");
  }

  /** The JSON body, or `undefined` when there is none; throws SyntaxError when it is not JSON. */
  async json(): Promise<unknown> {
    const text = await this.text();
    if (text.trim() === "") return undefined;
    return JSON.parse(text) as unknown;
  }

  /** A form body (`application/x-www-form-urlencoded`); JSON objects are accepted as well. */
  async form(): Promise<URLSearchParams> {
    const text = await this.text();
    if ((this.header("content-type") ?? "").includes("application/json")) {
      const params = new URLSearchParams();
      try {
        const parsed = JSON.parse(text) as Record<string, unknown>;
        for (const [key, value] of Object.entries(parsed)) if (value !== undefined && value !== null) params.set(key, String(value));
      } catch {
        // An unparsable JSON body is an empty form: the handler reports what is missing.
      }
      return params;
    }
    return new URLSearchParams(text);
  }

  send(status: number, body: string | Buffer = "", headers: Record<string, string> = {}): void {
    if (this.res.headersSent) return;
    const buffer = typeof body === "string" ? Buffer.from(body) : body;
    this.res.writeHead(status, { ...headers, "content-length": String(buffer.length) });
    this.res.end(buffer);
  }

  sendJson(status: number, value: unknown, headers: Record<string, string> = {}): void {
    this.send(status, JSON.stringify(value), { "content-type": "application/json; charset=UTF-8", ...headers });
  }

  sendHtml(status: number, html: string, headers: Record<string, string> = {}): void {
    this.send(status, html, { "content-type": "text/html; charset=utf-8", ...headers });
  }

  redirect(location: string, status = 302): void {
    this.send(status, "", { location });
  }
}

export type BeforeHandle = (ctx: RequestContext, route: CompiledRoute) => Promise<boolean> | boolean;
export type Fallback = (ctx: RequestContext) => void;
export type ErrorRenderer = (ctx: RequestContext, family: ErrorFamily, error: unknown) => void;

export class Router {
  private readonly routes: CompiledRoute[] = [];
  private readonly beforeHooks: BeforeHandle[] = [];

  constructor(
    private readonly fallback: Fallback,
    private readonly renderError: ErrorRenderer,
  ) {}

  add(...definitions: RouteDefinition[]): void {
    for (const definition of definitions) {
      const paramNames: string[] = [];
      const source = definition.path
        .split("/")
        .map((segment) => {
          if (!segment.startsWith(":")) return segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
          paramNames.push(segment.slice(1));
          return "([^/]+)";
        })
        .join("/");
      this.routes.push({ ...definition, pattern: new RegExp(`^${source}/?$`), paramNames });
    }
  }

  /** Runs before every routed handler; returning true means the hook already answered. */
  before(hook: BeforeHandle): void {
    this.beforeHooks.push(hook);
  }

  async handle(ctx: RequestContext): Promise<void> {
    const route = this.match(ctx);
    try {
      if (!route) {
        this.fallback(ctx);
        return;
      }
      ctx.route = route;
      for (const hook of this.beforeHooks) {
        if (await hook(ctx, route)) return;
      }
      await route.handler(ctx);
    } catch (error) {
      if (error instanceof HttpError) {
        ctx.sendJson(error.status, error.body, error.headers);
        return;
      }
      this.renderError(ctx, route?.family ?? "emulator", error);
    }
  }

  private match(ctx: RequestContext): CompiledRoute | undefined {
    for (const route of this.routes) {
      if (route.method !== ctx.method) continue;
      const match = route.pattern.exec(ctx.url.pathname);
      if (!match) continue;
      const params: Record<string, string> = {};
      route.paramNames.forEach((name, index) => {
        params[name] = decodeURIComponent(match[index + 1] ?? "");
      });
      ctx.params = params;
      return route;
    }
    return undefined;
  }
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
