// Where to send someone after signing in (or after any step that takes its
// destination from the request). The target is resolved the way a browser will
// resolve it, with the URL parser, so a tab or newline the parser drops
// (`/%09/evil.example`), a backslash it reads as a slash (`/\evil.example`) or an
// absolute URL cannot leave the site. Pure: the sign-in buttons use it in the browser too.

/** Where a signed-in person lands when the request names nowhere usable. */
export const DEFAULT_AFTER_SIGN_IN = "/dashboard";

/** Longer targets are not links anyone followed; refused before parsing, and kept out of Location headers. */
export const MAX_REDIRECT_TARGET_LENGTH = 2048;

const SIGN_IN_PATH = "/signin";

/**
 * The path (with query and fragment) on `origin` that `value` resolves to, or
 * `fallback` when it resolves to another origin, is unparseable or too long, or is the
 * sign-in page itself (which would loop). The result always starts with exactly one
 * slash and is percent-encoded, so it is safe both as a relative Location and appended to `origin`.
 */
export function sameOriginPath(value: string | readonly string[] | null | undefined, origin: string, fallback = DEFAULT_AFTER_SIGN_IN): string {
  const raw = typeof value === "string" ? value : value?.[0];
  if (!raw || raw.length > MAX_REDIRECT_TARGET_LENGTH) return fallback;
  let base: URL;
  let target: URL;
  try {
    base = new URL(origin);
    target = new URL(raw, base);
  } catch {
    return fallback;
  }
  if (target.origin !== base.origin || base.origin === "null") return fallback;
  // `/.//host` normalizes to the path `//host`, which a browser reads as another host.
  const path = target.pathname.replace(/^\/{2,}/, "/");
  if (path === SIGN_IN_PATH || path.startsWith(`${SIGN_IN_PATH}/`)) return fallback;
  const resolved = `${path}${target.search}${target.hash}`;
  return resolved.length > MAX_REDIRECT_TARGET_LENGTH * 3 ? fallback : resolved;
}
