import type { Env } from "@/lib/config";
import { isProduction } from "@/lib/config";
import type { ProviderName } from "./port";

// Where each provider lives and which OAuth client we use with it. Real
// credentials select the real providers; without them (the embedded default) both
// point at the provider emulator, which `npm run dev` starts: that is "sandbox"
// mode, shown as a badge in the UI. No code branches on it beyond this file.

export interface GoogleSettings {
  clientId: string;
  clientSecret: string;
  /** OpenID issuer (sign-in discovery at `${issuer}/.well-known/openid-configuration`). */
  issuer: string;
  authUrl: string;
  tokenUrl: string;
  revokeUrl: string;
  userInfoUrl: string;
  /** googleapis `rootUrl` (only the origin counts), with a trailing slash. */
  apiRootUrl: string;
}

export interface MicrosoftSettings {
  clientId: string;
  clientSecret: string;
  /** `common`, `organizations` or a tenant id. */
  tenant: string;
  /** https://login.microsoftonline.com (no tenant, no trailing slash). */
  loginBaseUrl: string;
  /**
   * Where the browser is sent to sign in and consent, when not `loginBaseUrl`: the
   * emulator serves that page on plain HTTP, so no browser meets its certificate.
   */
  browserLoginBaseUrl?: string;
  /** https://graph.microsoft.com (the SDK appends /v1.0). */
  graphBaseUrl: string;
  /** Hosts the Graph SDK may send the token to (its customHosts). */
  graphHosts: string[];
}

export interface ProviderSettings {
  sandbox: boolean;
  google: GoogleSettings | null;
  microsoft: MicrosoftSettings | null;
  /**
   * fetch for provider calls. Undefined means the global fetch (the app process
   * trusts the emulator's CA through NODE_EXTRA_CA_CERTS); in-process tests pass one
   * that trusts it explicitly.
   */
  fetch?: typeof fetch;
}

/** The emulator's default OAuth clients (e2e/emulator/README.md); public test values, not secrets. */
export const SANDBOX_CLIENTS = {
  google: { clientId: "calsync-dev.apps.googleusercontent.com", clientSecret: "calsync-dev-google-secret" },
  microsoft: {
    clientId: "5f0c7c1e-6b7a-4a55-9d3e-ca15c0000001",
    clientSecret: "calsync-dev-microsoft-secret",
    tenant: "3c5d6a1e-7a1b-4d2e-9f10-ca15c0e00001",
  },
} as const;

export const DEFAULT_EMULATOR_URL = "http://localhost:4010";
export const DEFAULT_EMULATOR_HTTPS_URL = "https://localhost:4011";

const set = (value: string | undefined): value is string => value !== undefined && value.trim() !== "";

/** Google endpoints of an emulator at `origin`. */
export function sandboxGoogle(origin: string): GoogleSettings {
  const base = origin.replace(/\/+$/, "");
  return {
    ...SANDBOX_CLIENTS.google,
    issuer: base,
    authUrl: `${base}/o/oauth2/v2/auth`,
    tokenUrl: `${base}/token`,
    revokeUrl: `${base}/revoke`,
    userInfoUrl: `${base}/oauth2/v3/userinfo`,
    apiRootUrl: `${base}/`,
  };
}

/** Microsoft endpoints of an emulator at `origin` (HTTPS), its browser-facing pages at `browserOrigin` (HTTP). */
export function sandboxMicrosoft(origin: string, browserOrigin?: string): MicrosoftSettings {
  const base = origin.replace(/\/+$/, "");
  return {
    ...SANDBOX_CLIENTS.microsoft,
    loginBaseUrl: base,
    ...(browserOrigin ? { browserLoginBaseUrl: browserOrigin.replace(/\/+$/, "") } : {}),
    graphBaseUrl: base,
    graphHosts: [new URL(base).hostname],
  };
}

/**
 * Sandbox when neither provider has credentials and this is not production (or
 * CALSYNC_SANDBOX=1 forces it). In production without credentials a provider is
 * simply unavailable.
 */
export function providerSettings(env?: Env): ProviderSettings {
  if (env === undefined && holder.__calsyncProviderSettings) return holder.__calsyncProviderSettings;
  return settingsFromEnv(env ?? process.env);
}

// In-process tests point the app at their own emulator (random ports, a CA the
// process must be told to trust); everything else reads the environment.
const holder = globalThis as unknown as { __calsyncProviderSettings?: ProviderSettings };

/** Replaces the settings `providerSettings()` returns (null restores the environment's). */
export function overrideProviderSettings(settings: ProviderSettings | null): void {
  holder.__calsyncProviderSettings = settings ?? undefined;
}

function settingsFromEnv(env: Env): ProviderSettings {
  const hasGoogle = set(env.GOOGLE_CLIENT_ID) && set(env.GOOGLE_CLIENT_SECRET);
  const hasMicrosoft = set(env.MICROSOFT_CLIENT_ID) && set(env.MICROSOFT_CLIENT_SECRET);
  const forced = env.CALSYNC_SANDBOX === "1" || env.CALSYNC_SANDBOX === "true";
  const sandbox = forced || (!hasGoogle && !hasMicrosoft && !isProduction(env));
  if (sandbox) {
    return {
      sandbox: true,
      google: sandboxGoogle(env.CALSYNC_EMULATOR_URL ?? DEFAULT_EMULATOR_URL),
      microsoft: sandboxMicrosoft(env.CALSYNC_EMULATOR_HTTPS_URL ?? DEFAULT_EMULATOR_HTTPS_URL, env.CALSYNC_EMULATOR_URL ?? DEFAULT_EMULATOR_URL),
    };
  }
  return {
    sandbox: false,
    google: hasGoogle
      ? {
          clientId: env.GOOGLE_CLIENT_ID!,
          clientSecret: env.GOOGLE_CLIENT_SECRET!,
          issuer: "https://accounts.google.com",
          authUrl: "https://accounts.google.com/o/oauth2/v2/auth",
          tokenUrl: "https://oauth2.googleapis.com/token",
          revokeUrl: "https://oauth2.googleapis.com/revoke",
          userInfoUrl: "https://openidconnect.googleapis.com/v1/userinfo",
          apiRootUrl: "https://www.googleapis.com/",
        }
      : null,
    microsoft: hasMicrosoft
      ? {
          clientId: env.MICROSOFT_CLIENT_ID!,
          clientSecret: env.MICROSOFT_CLIENT_SECRET!,
          tenant: set(env.MICROSOFT_TENANT_ID) ? env.MICROSOFT_TENANT_ID! : "common",
          loginBaseUrl: "https://login.microsoftonline.com",
          graphBaseUrl: "https://graph.microsoft.com",
          graphHosts: ["graph.microsoft.com"],
        }
      : null,
  };
}

export function isConfigured(settings: ProviderSettings, provider: ProviderName): boolean {
  return settings[provider] !== null;
}
