import type { NextAuthOptions } from "next-auth";
import type { OAuthConfig } from "next-auth/providers/oauth";
import { isProduction, type Env } from "@/lib/config";
import { db } from "@/lib/db/client";
import { localSecret } from "@/lib/local-secret";
import { logger } from "@/lib/log";
import { providerSettings, type ProviderSettings } from "@/lib/providers/config";
import { AccountNotLinkedError, recordSignIn } from "./organizations";
import { sameOriginPath } from "./redirect";

// Sign-in (who you are) is separate from connecting a calendar (lib/oauth): it asks
// only for openid/email/profile, so signing in never grants calendar access.

interface OidcProfile {
  sub: string;
  oid?: string;
  email?: string;
  email_verified?: boolean;
  preferred_username?: string;
  name?: string;
  picture?: string;
}

function oidcProvider(id: "google" | "microsoft", name: string, wellKnown: string, clientId: string, clientSecret: string): OAuthConfig<OidcProfile> {
  return {
    id,
    name,
    type: "oauth",
    wellKnown,
    clientId,
    clientSecret,
    idToken: true,
    checks: ["pkce", "state"],
    authorization: { params: { scope: "openid email profile", prompt: "select_account" } },
    client: { token_endpoint_auth_method: "client_secret_post" },
    profile(profile) {
      return {
        // Microsoft's `oid` is the stable user id across apps; `sub` is per app.
        id: profile.oid ?? profile.sub,
        email: profile.email ?? profile.preferred_username ?? null,
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
    providers.push(oidcProvider("google", "Google", `${google.issuer}/.well-known/openid-configuration`, google.clientId, google.clientSecret));
  }
  if (settings.microsoft) {
    const microsoft = settings.microsoft;
    providers.push(
      oidcProvider("microsoft", "Microsoft", `${microsoft.loginBaseUrl}/${microsoft.tenant}/v2.0/.well-known/openid-configuration`, microsoft.clientId, microsoft.clientSecret),
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
          const email = user.email ?? oidc?.email;
          if (!email) throw new Error("The provider did not share an email address");
          const { userId } = await recordSignIn(await db(), {
            provider: account.provider,
            providerAccountId: account.providerAccountId,
            email,
            name: user.name ?? null,
            image: user.image ?? null,
            // Google says so explicitly; Microsoft does not verify addresses.
            emailVerified: account.provider === "google" && oidc?.email_verified === true,
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
        logger.warn("auth.error", { code, message: cause instanceof AccountNotLinkedError ? cause.message : cause instanceof Error ? cause.message : undefined });
      },
      warn(code) {
        logger.warn("auth.warning", { code });
      },
      debug() {},
    },
  };
}
