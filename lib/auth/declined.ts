import { sameOriginPath } from "./redirect";

// next-auth v4 turns a provider's `?error=access_denied` on its OAuth callback into
// its catch-all `Callback` code, whose message is about something else. A person who
// declined on the consent screen is told exactly that, by this code on the sign-in page.

/** The sign-in page's `?error=` code for a consent the person declined. */
export const DECLINED_SIGN_IN = "Declined";

// Both providers (Google; Microsoft identity platform, also with error_subcode=cancel) send this.
const DECLINED_ERRORS = new Set(["access_denied", "consent_required"]);

// next-auth keeps the page to return to in this cookie while the provider is visited.
const CALLBACK_URL_COOKIES = ["__Secure-next-auth.callback-url", "next-auth.callback-url"];

/**
 * Where to send a sign-in callback the provider answered with a refusal: the sign-in
 * page with `error=Declined` and the page the person was going to; null for any other
 * request (next-auth handles it).
 */
export function declinedSignInLocation(url: URL, segments: readonly string[], cookies: Readonly<Record<string, string>>, origin: string): string | null {
  if (segments[0] !== "callback" || segments.length !== 2) return null;
  const error = url.searchParams.get("error");
  if (!error || !DECLINED_ERRORS.has(error)) return null;
  const query = new URLSearchParams({ error: DECLINED_SIGN_IN });
  const stored = CALLBACK_URL_COOKIES.map((name) => cookies[name]).find(Boolean);
  if (stored) query.set("callbackUrl", sameOriginPath(stored, origin));
  return `/signin?${query}`;
}
