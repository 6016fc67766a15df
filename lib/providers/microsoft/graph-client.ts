import { AuthenticationHandler, Client, HTTPMessageHandler, type Context, type Middleware } from "@microsoft/microsoft-graph-client";
import type { MicrosoftSettings } from "../config";

// The Graph SDK wired for one access token. No RetryHandler: its waits would
// block a request for up to minutes, and the jobs retry with Retry-After
// themselves (ProviderError.retryAfterMs). AuthenticationHandler stays: it only
// attaches the token for https URLs on Graph hosts or `graphHosts`, so a stored
// delta link pointing elsewhere never receives it.

/** Last middleware: sends the request with the fetch we were given (a CA-trusting one in tests). */
export class FetchHttpMessageHandler implements Middleware {
  constructor(private readonly fetchImpl: typeof fetch) {}

  async execute(context: Context): Promise<void> {
    context.response = await this.fetchImpl(context.request, context.options as RequestInit | undefined);
  }
}

export function createGraphClient(settings: MicrosoftSettings, accessToken: string, fetchImpl?: typeof fetch): Client {
  const authProvider = { getAccessToken: () => Promise.resolve(accessToken) };
  return Client.initWithMiddleware({
    baseUrl: settings.graphBaseUrl,
    customHosts: new Set(settings.graphHosts),
    middleware: [new AuthenticationHandler(authProvider), fetchImpl ? new FetchHttpMessageHandler(fetchImpl) : new HTTPMessageHandler()],
  });
}
