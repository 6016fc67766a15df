import NextAuth from "next-auth";
import { declinedSignInLocation } from "@/lib/auth/declined";
import { authOptions } from "@/lib/auth/options";
import { appOrigin } from "@/lib/config";
import { requestCookies } from "@/lib/http/cookies";

// Options are built per request: they read the environment (sandbox or real
// providers) and the auth secret, which tests and the e2e server set at start.
type Context = { params: Promise<{ nextauth: string[] }> };

async function handler(request: Request, context: Context) {
  const params = await context.params;
  // A declined consent: "you declined" on the sign-in page, not next-auth's catch-all.
  const declined = request.method === "GET" ? declinedSignInLocation(new URL(request.url), params.nextauth, requestCookies(request), appOrigin()) : null;
  if (declined) return new Response(null, { status: 302, headers: { Location: declined, "Cache-Control": "no-store" } });
  return NextAuth(request as never, { params } as never, authOptions());
}

export { handler as GET, handler as POST };
