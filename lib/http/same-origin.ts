import { appOrigin } from "@/lib/config";
import { forbidden, unsupportedMediaType } from "./errors";

// Cross-site request refusal for the app's own JSON API. The session cookie is
// SameSite=Lax, which a sibling subdomain does not count as cross-site, so the
// cookie alone proves nothing about which page sent a request: the browser's own
// headers do. Origin and Sec-Fetch-Site are forbidden header names, so a page can
// neither forge nor remove them.
//
// A request carrying neither comes from something that is not a browser (curl, a
// script): every current browser sends Origin on a POST, PUT, PATCH or DELETE made
// by fetch or a form, same-origin or not, and Sec-Fetch-Site on every request. Such
// a client holds the session cookie itself, so it cannot be tricked into using
// someone else's: it is let through (the cookie still has to be valid).

/** The methods that change something; every other method must not. */
export const MUTATING_METHODS: ReadonlySet<string> = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** The one media type the JSON routes read. */
export const JSON_MEDIA_TYPE = "application/json";

/** Throws 403 unless the request comes from the app's own origin (or from no browser at all). */
export function refuseCrossSite(headers: Headers, ownOrigin: string = appOrigin()): void {
  const origin = headers.get("origin");
  if (origin !== null) {
    // "null" (a sandboxed frame, a redirect chain, a file:// page) is foreign too.
    if (origin !== ownOrigin) throw forbidden("cross-site requests are not accepted");
    return;
  }
  const site = headers.get("sec-fetch-site");
  if (site !== null && site !== "same-origin") throw forbidden("cross-site requests are not accepted");
}

/**
 * Throws 415 when the request carries a body that is not JSON. A browser can send
 * text/plain, form or multipart bodies cross-site without asking (no preflight);
 * application/json it cannot, so insisting on it also closes the door the Origin
 * check guards. A request without any body (no type, no length) is fine.
 */
export function refuseNonJsonBody(headers: Headers): void {
  const type = headers.get("content-type");
  if (type === null) {
    const length = headers.get("content-length");
    const hasBody = headers.has("transfer-encoding") || (length !== null && length.trim() !== "0");
    if (hasBody) throw unsupportedMediaType(JSON_MEDIA_TYPE);
    return;
  }
  const essence = type.split(";", 1)[0]!.trim().toLowerCase();
  if (essence !== JSON_MEDIA_TYPE) throw unsupportedMediaType(JSON_MEDIA_TYPE);
}
