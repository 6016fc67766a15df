import { CURRENT_ORGANIZATION_COOKIE } from "@/lib/auth/organizations";
import { publicBaseUrl } from "@/lib/config";
import { db } from "@/lib/db/client";
import { notFound } from "@/lib/http/errors";

// Which organization a person acts in is a cookie (a preference, checked against
// their memberships on every request by loadViewer), so switching needs no new
// session and each browser remembers its own choice.

/** A year: the choice lasts until changed; a stale one falls back to the first organization. */
const MAX_AGE_SECONDS = 365 * 24 * 60 * 60;

export function currentOrganizationCookie(organizationId: string) {
  return {
    name: CURRENT_ORGANIZATION_COOKIE,
    value: organizationId,
    options: { httpOnly: true, sameSite: "lax" as const, secure: publicBaseUrl().startsWith("https://"), path: "/", maxAge: MAX_AGE_SECONDS },
  };
}

/** Checks that `userId` belongs to `organizationId` (404 otherwise: no hint whether it exists). */
export async function assertMember(userId: string, organizationId: string): Promise<void> {
  const database = await db();
  const membership = await database.membership.findUnique({ where: { organizationId_userId: { organizationId, userId } }, select: { id: true } });
  if (!membership) throw notFound("no such organization");
}
