import type { ApiKeyScope } from "@/lib/api/v1/schemas";
import { authorizeKey, type KeyCaller, type RateState } from "@/lib/api-keys/keys";
import { apiRoute } from "@/lib/http/route";

// The shape of every /api/v1 handler: the one route wrapper (same-origin and body
// checks, the one error shape), then an API key with the route's scope, then the
// handler with the key's organization. Every answer, refusals included, carries the
// key's RateLimit headers (draft-ietf-httpapi-ratelimit-headers: one policy, the
// remaining quota and the seconds until it resets).

const POLICY = "per-key";

export function rateLimitHeaders(state: RateState): Record<string, string> {
  return {
    "RateLimit-Policy": `"${POLICY}";q=${state.limit};w=${state.windowSeconds}`,
    RateLimit: `"${POLICY}";r=${state.remaining};t=${state.resetSeconds}`,
  };
}

export function v1Route<C>(name: string, scope: ApiKeyScope, handler: (request: Request, caller: KeyCaller, context: C) => Promise<Response>) {
  return async (request: Request, context: C): Promise<Response> => {
    const rate: { state?: RateState } = {};
    const response = await apiRoute(name, async (inner: Request, innerContext: C) => handler(inner, await authorizeKey(inner, scope, rate), innerContext))(
      request,
      context,
    );
    if (rate.state) for (const [header, value] of Object.entries(rateLimitHeaders(rate.state))) response.headers.set(header, value);
    return response;
  };
}
