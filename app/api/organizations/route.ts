import type { OrganizationsResponse } from "@/lib/api/types";
import { authorize } from "@/lib/auth/viewer";
import { apiRoute, json } from "@/lib/http/route";
import { organizationsOf } from "@/lib/organizations/members";

export const dynamic = "force-dynamic";

/** The caller's organizations and the one they act in (the header's switcher). */
export const GET = apiRoute("organizations.list", async (request: Request) => {
  const viewer = await authorize(request);
  const body: OrganizationsResponse = { currentId: viewer.organizationId, organizations: await organizationsOf(viewer.userId) };
  return json(body);
});
