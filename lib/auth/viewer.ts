import { getServerSession } from "next-auth";
import { cookies } from "next/headers";
import { getToken } from "next-auth/jwt";
import { redirect } from "next/navigation";
import { publicBaseUrl } from "@/lib/config";
import { db } from "@/lib/db/client";
import { readCookie, requestCookies } from "@/lib/http/cookies";
import { forbidden, unauthorized } from "@/lib/http/errors";
import { authOptions, authSecret } from "./options";
import { CURRENT_ORGANIZATION_COOKIE, hasRole, loadViewer, type Role, type Viewer } from "./organizations";

export type { Viewer, Role } from "./organizations";

/**
 * The signed-in person and their organization, or null. Route handlers pass their
 * request (the session cookie is read from it, so handlers work the same in tests
 * and behind any proxy); pages call it without one.
 */
export async function getViewer(request?: Request): Promise<Viewer | null> {
  const userId = await sessionUserId(request);
  if (!userId) return null;
  const preferred = request ? readCookie(request, CURRENT_ORGANIZATION_COOKIE) : ((await cookies()).get(CURRENT_ORGANIZATION_COOKIE)?.value ?? null);
  return loadViewer(await db(), userId, preferred);
}

/** The signed-in person's user id from the session, whether or not they belong to any organization. */
export async function sessionUserId(request?: Request): Promise<string | null> {
  let userId: string | undefined;
  if (request) {
    const token = await getToken({
      req: { headers: Object.fromEntries(request.headers), cookies: requestCookies(request) } as never,
      secret: authSecret(),
      secureCookie: publicBaseUrl().startsWith("https://"),
    });
    userId = typeof token?.uid === "string" ? token.uid : undefined;
  } else {
    const session = (await getServerSession(authOptions())) as { uid?: string } | null;
    userId = session?.uid;
  }
  return userId ?? null;
}

/** For pages: the viewer, or a redirect to sign-in that comes back to `returnTo`. */
export async function requireViewer(returnTo = "/dashboard"): Promise<Viewer> {
  const viewer = await getViewer();
  if (viewer) return viewer;
  redirect(`/signin?callbackUrl=${encodeURIComponent(returnTo)}`);
}

/**
 * For route handlers: the viewer, or a typed error (401 signed out, 403 without the
 * role). Every tenant query then takes `viewer.organizationId`.
 */
export async function authorize(request: Request, needed: Role = "member"): Promise<Viewer> {
  const viewer = await getViewer(request);
  if (!viewer) throw unauthorized("sign in first");
  if (!hasRole(viewer.role, needed)) throw forbidden(`this needs the ${needed} role`);
  return viewer;
}

/** For routes any signed-in person may call, member of an organization or not (accepting an invitation): their user id, or 401. */
export async function authenticate(request: Request): Promise<string> {
  const userId = await sessionUserId(request);
  if (!userId) throw unauthorized("sign in first");
  return userId;
}
