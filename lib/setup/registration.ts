import { publicBaseUrl, type Env } from "@/lib/config";
import { SIGN_IN_SCOPES, signInCallbackPath } from "@/lib/auth/options";
import { redirectUriFor } from "@/lib/connections/flow";
import { providerSettings } from "@/lib/providers/config";
import { GOOGLE_SCOPES } from "@/lib/providers/google/adapter";
import { MICROSOFT_SCOPES } from "@/lib/providers/microsoft/oauth";
import { PROVIDER_LABELS, PROVIDERS, type ProviderName } from "@/lib/providers/port";
import { webhookUrls } from "@/lib/subscriptions/lifecycle";
import { signInBaseUrl } from "./settings";

// What to enter in each provider's console, built by the functions and from the
// constants the app itself uses, so the two cannot drift apart.

export interface ProviderRegistration {
  provider: ProviderName;
  name: string;
  /** Where the values go. */
  console: string;
  /** An OAuth client for it is configured here (or the emulator stands in). */
  configured: boolean;
  /** Redirect URIs of the OAuth client: sign-in (next-auth), then connecting a calendar. */
  redirectUris: string[];
  /** Where the provider delivers push notifications (public https; created by calsync, nothing to enter). */
  webhookUrls: string[];
  /** Scopes of sign-in and of the connect flow, together: the consent screen / API permissions. */
  scopes: string[];
}

const CONSOLE: Record<ProviderName, { name: string; console: string; scopes: readonly string[]; lifecycleNotifications: boolean }> = {
  google: {
    name: PROVIDER_LABELS.google.shortName,
    console: "Google Cloud Console → APIs & Services: Credentials (OAuth client, Web application) and Data access (scopes)",
    scopes: GOOGLE_SCOPES,
    lifecycleNotifications: false,
  },
  microsoft: {
    name: PROVIDER_LABELS.microsoft.shortName,
    console: "Microsoft Entra admin center → App registrations: Authentication (Web platform) and API permissions (Microsoft Graph, delegated)",
    scopes: MICROSOFT_SCOPES,
    // Graph subscriptions carry a lifecycleNotificationUrl; Google channels have none.
    lifecycleNotifications: true,
  },
};

export function providerRegistrations(env: Env): ProviderRegistration[] {
  const settings = providerSettings(env);
  const base = publicBaseUrl(env);
  const signInBase = signInBaseUrl(env);
  return PROVIDERS.map((provider) => {
    const entry = CONSOLE[provider];
    const urls = webhookUrls({ name: provider }, base);
    return {
      provider,
      name: entry.name,
      console: entry.console,
      configured: settings[provider] !== null,
      redirectUris: [`${signInBase}${signInCallbackPath(provider)}`, redirectUriFor(provider, base)],
      webhookUrls: entry.lifecycleNotifications ? [urls.notificationUrl, urls.lifecycleUrl] : [urls.notificationUrl],
      scopes: [...new Set([...SIGN_IN_SCOPES, ...entry.scopes])],
    };
  });
}
