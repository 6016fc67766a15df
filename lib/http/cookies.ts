// The one reader of the `Cookie` request header on the server. Any site on the same
// registrable domain, a browser extension or an old deployment can leave a cookie
// whose value is not valid percent-encoding (`theme=%E0%A4%A`); decodeURIComponent
// throws on it, which used to turn every signed-in request into a 500. A cookie that
// cannot be decoded is ignored, as Next's own parser (next/headers cookies(), which
// pages and next-auth's handler read) ignores it, so pages and route handlers see
// the same cookies.

/** Name to value for every well-formed cookie in `header`; the first of a repeated name wins (the most specific path, RFC 6265 §5.4). */
export function parseCookieHeader(header: string | null | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (header ?? "").split(";")) {
    const index = part.indexOf("=");
    if (index <= 0) continue;
    const name = part.slice(0, index).trim();
    if (!name || cookies.has(name)) continue;
    let value = part.slice(index + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    try {
      cookies.set(name, decodeURIComponent(value));
    } catch {
      // Not percent-encoding: not one of ours, and not worth failing the request over.
    }
  }
  return cookies;
}

/** The request's cookies as a plain record (the shape next-auth's getToken reads). */
export function requestCookies(request: Request): Record<string, string> {
  return Object.fromEntries(parseCookieHeader(request.headers.get("cookie")));
}

/** One cookie of the request, or null when it is absent or malformed. */
export function readCookie(request: Request, name: string): string | null {
  return parseCookieHeader(request.headers.get("cookie")).get(name) ?? null;
}
