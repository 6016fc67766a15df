import { DECLINED_SIGN_IN } from "@/lib/auth/declined";

// next-auth v4 reports a failed sign-in by redirecting to the sign-in page with
// `?error=<code>` (pages.signIn and pages.error both point there). Its codes are
// terse and technical; these are the sentences people read instead.

const MESSAGES: Record<string, { title: string; description: string }> = {
  // Ours (lib/auth/declined.ts): the provider reported that the person said no.
  [DECLINED_SIGN_IN]: {
    title: "You declined",
    description: "You did not allow access on the provider's consent screen, so you are not signed in. Sign in again and choose Allow to continue.",
  },
  AccessDenied: {
    title: "Access denied",
    description: "The account was not allowed to sign in, or you declined on the provider's consent screen.",
  },
  OAuthSignin: {
    title: "Could not start signing in",
    description: "calsync could not reach the provider to begin signing in. Try again in a moment.",
  },
  OAuthCallback: {
    title: "Sign-in was not completed",
    description: "The provider's answer could not be verified (the attempt may have expired or been cancelled). Try again.",
  },
  OAuthCreateAccount: {
    title: "Could not create your account",
    description: "Signing in worked, but calsync could not save your account. Try again; if it keeps failing, contact your administrator.",
  },
  Callback: {
    title: "Sign-in was not completed",
    description:
      "calsync could not finish signing you in. If you signed in before with another provider using the same email address, sign in with that provider.",
  },
  OAuthAccountNotLinked: {
    title: "Use the provider you signed up with",
    description: "This email address already belongs to an account that signs in with another provider. Sign in with that one.",
  },
  SessionRequired: {
    title: "Please sign in",
    description: "Sign in to open that page.",
  },
  Configuration: {
    title: "Sign-in is misconfigured",
    description: "The server's sign-in settings are incomplete. Contact your administrator.",
  },
  Verification: {
    title: "Sign-in link expired",
    description: "That sign-in link is no longer valid. Start again.",
  },
};

const GENERIC = { title: "Could not sign in", description: "Something went wrong while signing in. Try again." };

/** The message for next-auth's `?error=` code; null when there is none. Unknown codes get a generic message. */
export function signInErrorMessage(code: string | null | undefined): { title: string; description: string } | null {
  if (!code) return null;
  return Object.hasOwn(MESSAGES, code) ? MESSAGES[code]! : GENERIC;
}
