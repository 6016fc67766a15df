import { NextResponse, type NextRequest } from "next/server";
import { newNonce, securityHeaders, servedOverHttps } from "@/lib/http/security-headers";

// Runs before every page and API route (Next.js 16 calls middleware "proxy"). It
// adds the hardening headers, with a fresh script nonce for the CSP, the way the
// Next.js CSP guide does it: the CSP goes on the request too, where Next.js finds
// the nonce and puts it on its own scripts while rendering. Pages are rendered per
// request (the root layout waits for the connection), so every page gets its nonce.
// Cross-site write refusal is not here but in apiRoute, next to the routes it guards.

export function proxy(request: NextRequest): NextResponse {
  const nonce = newNonce();
  const headers = securityHeaders({ nonce, development: process.env.NODE_ENV === "development", https: servedOverHttps(request.nextUrl, request.headers) });

  const requestHeaders = new Headers(request.headers);
  requestHeaders.set("x-nonce", nonce);
  requestHeaders.set("Content-Security-Policy", headers["Content-Security-Policy"]!);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  for (const [name, value] of Object.entries(headers)) response.headers.set(name, value);
  return response;
}

export const config = {
  // Everything but the build's static files (immutable, served with their own types).
  // API routes included: their answers carry nosniff and frame-ancestors too.
  // Prefetches skipped, as the guide recommends: they carry no page and need no nonce.
  matcher: [
    {
      source: "/((?!_next/static|_next/image|favicon.ico).*)",
      missing: [
        { type: "header", key: "next-router-prefetch" },
        { type: "header", key: "purpose", value: "prefetch" },
      ],
    },
  ],
};
