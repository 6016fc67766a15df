import type { NextAuthOptions } from "next-auth";
import type { OAuthConfig } from "next-auth/providers/oauth";
import { isProduction, type Env } from "@/lib/config";
import { db } from "@/lib/db/client";
import { localSecret } from "@/lib/local-secret";
import { logger } from "@/lib/log";
import { providerSettings, type ProviderSettings } from "@/lib/providers/config";
import { PROVIDER_LABELS } from "@/lib/providers/port";
import { recordSignIn } from "./organizations";
import { sameOriginPath } from "./redirect";

// Sign-in (who you are) is separate from connecting a calendar (lib/oauth): it asks
// only for openid/email/profile, so signing in never grants calendar access.

interface OidcProfile {
  sub: string;
  /** Microsoft: the tenant, and the person's object id within it. */
  tid?: string;
  oid?: string;
  email?: string;
  email_verified?: boolean;
  preferred_username?: string;
  name?: string;
  picture?: string;
}

type SignInProvider = "google" | "microsoft";

/** What sign-in asks for: who you are, never calendar access. */
export const SIGN_IN_SCOPES = ["openid", "email", "profile"] as const;

/** next-auth's default base path, where app/api/auth/[...nextauth] serves it. */
export const AUTH_BASE_PATH = "/api/auth";

/** Where a provider sends the person back after sign-in (register it with the OAuth client). */
export function signInCallbackPath(provider: SignInProvider): string {
  return `${AUTH_BASE_PATH}/callback/${provider}`;
}

/** How each provider's ID token names the person. */
interface ClaimsReading {
  /** The stable key of the identity (accounts.provider_account_id). */
  accountKey(profile: OidcProfile): string;
  /** Keys earlier versions stored the same identity under. */
  previousAccountKeys(profile: OidcProfile): string[];
  email(profile: OidcProfile): string | undefined;
  /** Whether the provider vouches that the address is the person's. */
  emailVerified(profile: OidcProfile): boolean;
}

const CLAIMS: Record<SignInProvider, ClaimsReading> = {
  google: {
    accountKey: (profile) => profile.sub,
    previousAccountKeys: () => [],
    email: (profile) => profile.email,
    emailVerified: (profile) => profile.email_verified === true,
  },
  microsoft: {
    // `sub` is per app, `oid` is per tenant: the person is the pair. The address is
    // whatever the tenant's administrator typed, so it never identifies anyone.
    accountKey: (profile) => {
      if (!profile.tid || !profile.oid) throw new Error("Microsoft's ID token has no tid/oid (the profile scope is required)");
      return `${profile.tid}:${profile.oid}`;
    },
    // Accounts were keyed by `oid` alone before; the next sign-in rekeys them.
    previousAccountKeys: (profile) => (profile.oid ? [profile.oid] : []),
    email: (profile) => profile.email ?? profile.preferred_username,
    emailVerified: () => false,
  },
};

function claimsOf(provider: string): ClaimsReading {
  if (!Object.hasOwn(CLAIMS, provider)) throw new Error(`Unknown sign-in provider ${provider}`);
  return CLAIMS[provider as SignInProvider];
}

function oidcProvider(id: SignInProvider, name: string, wellKnown: string, clientId: string, clientSecret: string): OAuthConfig<OidcProfile> {
  const claims = CLAIMS[id];
  return {
    id,
    name,
    type: "oauth",
    wellKnown,
    clientId,
    clientSecret,
    idToken: true,
    checks: ["pkce", "state"],
    authorization: { params: { scope: SIGN_IN_SCOPES.join(" "), prompt: "select_account" } },
    client: { token_endpoint_auth_method: "client_secret_post" },
    profile(profile) {
      return {
        // next-auth stores this as the account's providerAccountId.
        id: claims.accountKey(profile),
        email: claims.email(profile) ?? null,
        name: profile.name ?? null,
        image: profile.picture ?? null,
      };
    },
  };
}

export function signInProviders(settings: ProviderSettings): OAuthConfig<OidcProfile>[] {
  const providers: OAuthConfig<OidcProfile>[] = [];
  if (settings.google) {
    const google = settings.google;
    providers.push(
      oidcProvider("google", PROVIDER_LABELS.google.shortName, `${google.issuer}/.well-known/openid-configuration`, google.clientId, google.clientSecret),
    );
  }
  if (settings.microsoft) {
    const microsoft = settings.microsoft;
    providers.push(
      oidcProvider(
        "microsoft",
        PROVIDER_LABELS.microsoft.shortName,
        `${microsoft.loginBaseUrl}/${microsoft.tenant}/v2.0/.well-known/openid-configuration`,
        microsoft.clientId,
        microsoft.clientSecret,
      ),
    );
  }
  return providers;
}

export function authSecret(env: Env = process.env): string {
  const configured = env.NEXTAUTH_SECRET?.trim() || env.AUTH_SECRET?.trim();
  if (configured) return configured;
  if (isProduction(env)) throw new Error("NEXTAUTH_SECRET is required in production (openssl rand -base64 32)");
  return localSecret("auth.secret", env);
}

export function authOptions(env: Env = process.env): NextAuthOptions {
  return {
    secret: authSecret(env),
    session: { strategy: "jwt", maxAge: 30 * 24 * 60 * 60 },
    providers: signInProviders(providerSettings(env)),
    pages: { signIn: "/signin", error: "/signin" },
    callbacks: {
      async jwt({ token, account, profile, user }) {
        // Only on the sign-in itself: record the person and keep our user id in the token.
        if (account && user) {
          const oidc = profile as OidcProfile | undefined;
          const claims = claimsOf(account.provider);
          const email = user.email ?? (oidc ? claims.email(oidc) : undefined);
          if (!email) throw new Error("The provider did not share an email address");
          const { userId } = await recordSignIn(await db(), {
            provider: account.provider,
            providerAccountId: account.providerAccountId,
            previousProviderAccountIds: oidc ? claims.previousAccountKeys(oidc) : [],
            email,
            name: user.name ?? null,
            image: user.image ?? null,
            emailVerified: oidc ? claims.emailVerified(oidc) : false,
          });
          token.uid = userId;
        }
        return token;
      },
      // Every post-sign-in (and sign-out) destination next-auth takes from the request
      // or its callback-url cookie passes here; its default crashes on an unparseable one.
      redirect({ url, baseUrl }) {
        return `${baseUrl}${sameOriginPath(url, baseUrl)}`;
      },
      async session({ session, token }) {
        return { ...session, uid: typeof token.uid === "string" ? token.uid : undefined };
      },
    },
    events: {
      signIn({ account }) {
        logger.info("auth.sign_in", { provider: account?.provider });
      },
    },
    logger: {
      error(code, metadata) {
        const cause = metadata instanceof Error ? metadata : (metadata as { error?: unknown })?.error;
        logger.warn("auth.error", { code, message: cause instanceof Error ? cause.message : undefined });
      },
      warn(code) {
        logger.warn("auth.warning", { code });
      },
      debug() {},
    },
  };
}
