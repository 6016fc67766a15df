// The hardening headers every page and API answer carries, built per request by
// proxy.ts (the nonce is new each time). Kept free of server-only imports: the proxy
// loads it on every request, webhooks included.

export interface SecurityHeaderOptions {
  /** Fresh per request; Next.js reads it back from the request's CSP header and puts it on its scripts. */
  nonce: string;
  /** React's development tooling evaluates code (server error stacks): dev needs 'unsafe-eval', production never. */
  development: boolean;
  /** Served over HTTPS (directly or behind a proxy that says so): HSTS and upgrade-insecure-requests. */
  https: boolean;
}

/** A fresh, unguessable nonce (128 random bits, base64). */
export function newNonce(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("base64");
}

/**
 * The Content-Security-Policy, as Next.js documents it for nonces: scripts only with
 * this request's nonce (and what they load, 'strict-dynamic'), no framing by anyone.
 * Styles allow inline: sonner inserts its stylesheet at run time without a nonce, and
 * a style cannot run script.
 */
export function contentSecurityPolicy({ nonce, development, https }: SecurityHeaderOptions): string {
  const directives = [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${development ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' blob: data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    ...(https ? ["upgrade-insecure-requests"] : []),
  ];
  return directives.join("; ");
}

/** One year, subdomains included: the sibling subdomains are ours too. */
export const HSTS_VALUE = "max-age=31536000; includeSubDomains";

/** Every hardening header of a response. */
export function securityHeaders(options: SecurityHeaderOptions): Record<string, string> {
  return {
    "Content-Security-Policy": contentSecurityPolicy(options),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    // Older browsers that predate frame-ancestors.
    "X-Frame-Options": "DENY",
    ...(options.https ? { "Strict-Transport-Security": HSTS_VALUE } : {}),
  };
}

/** Whether the request reached us over HTTPS: its own URL, or the TLS-terminating proxy's X-Forwarded-Proto. */
export function servedOverHttps(url: URL, headers: Headers): boolean {
  if (url.protocol === "https:") return true;
  const forwarded = headers.get("x-forwarded-proto")?.split(",", 1)[0]?.trim().toLowerCase();
  return forwarded === "https";
}
