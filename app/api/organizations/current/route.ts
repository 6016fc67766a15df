import { z } from "zod";
import { authorize } from "@/lib/auth/viewer";
import { apiRoute, json, parseWith, readJson } from "@/lib/http/route";
import { assertMember, currentOrganizationCookie } from "@/lib/organizations/current";

export const dynamic = "force-dynamic";

const body = z.object({ organizationId: z.uuid() }).strict();

/** Switch the organization the caller acts in (one of their own). */
export const PUT = apiRoute("organizations.switch", async (request: Request) => {
  const viewer = await authorize(request);
  const { organizationId } = parseWith(body, await readJson(request));
  await assertMember(viewer.userId, organizationId);
  const cookie = currentOrganizationCookie(organizationId);
  const response = json({ ok: true, organizationId });
  response.cookies.set(cookie.name, cookie.value, cookie.options);
  return response;
});
