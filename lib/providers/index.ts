import { providerSettings, type ProviderSettings } from "./config";
import { createGoogleProvider } from "./google/adapter";
import { createMicrosoftProvider } from "./microsoft/adapter";
import type { CalendarProvider, ProviderName } from "./port";
import { ProviderError } from "./errors";
import { instrumented } from "./instrumented";

// The one place an adapter is chosen. Callers ask for a provider by name; nothing
// else in the app knows which SDK sits behind it.

export type { CalendarProvider, ProviderName } from "./port";

const cache = new Map<string, CalendarProvider>();

export function providerFor(name: ProviderName, settings: ProviderSettings = providerSettings()): CalendarProvider {
  const key = `${name}:${settings === undefined ? "" : JSON.stringify({ ...settings, fetch: settings.fetch ? "custom" : "" })}`;
  const cached = settings.fetch ? undefined : cache.get(key);
  if (cached) return cached;
  let provider: CalendarProvider;
  if (name === "google") {
    if (!settings.google) throw new ProviderError("rejected", "Google is not configured (set GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET)");
    provider = instrumented(name, createGoogleProvider(settings.google, { fetch: settings.fetch }));
  } else {
    if (!settings.microsoft) throw new ProviderError("rejected", "Microsoft is not configured (set MICROSOFT_CLIENT_ID and MICROSOFT_CLIENT_SECRET)");
    provider = instrumented(name, createMicrosoftProvider(settings.microsoft, { fetch: settings.fetch }));
  }
  if (!settings.fetch) cache.set(key, provider);
  return provider;
}
