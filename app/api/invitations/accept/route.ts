import { z } from "zod";
import { authenticate } from "@/lib/auth/viewer";
import { apiRoute, json, parseWith, readJson } from "@/lib/http/route";
import { currentOrganizationCookie } from "@/lib/organizations/current";
import { acceptInvitation } from "@/lib/organizations/invitations";

export const dynamic = "force-dynamic";

// The token is base64url of 32 bytes (43 characters); anything else is no token of ours.
const body = z.object({ token: z.string().regex(/^[A-Za-z0-9_-]{20,128}$/) }).strict();

/** Accept an invitation as the signed-in person, and act in that organization from now on. */
export const POST = apiRoute("invitations.accept", async (request: Request) => {
  const userId = await authenticate(request);
  const { token } = parseWith(body, await readJson(request));
  const joined = await acceptInvitation(userId, token);
  const cookie = currentOrganizationCookie(joined.organizationId);
  const response = json({ ok: true, ...joined });
  response.cookies.set(cookie.name, cookie.value, cookie.options);
  return response;
});
