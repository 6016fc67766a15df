import type { MembersResponse } from "@/lib/api/types";
import { hasRole } from "@/lib/auth/organizations";
import { authorize } from "@/lib/auth/viewer";
import { apiRoute, json } from "@/lib/http/route";
import { listInvitations } from "@/lib/organizations/invitations";
import { listMembers } from "@/lib/organizations/members";

export const dynamic = "force-dynamic";

/** The organization's members; its pending invitations too for owners and admins. */
export const GET = apiRoute("members.list", async (request: Request) => {
  const viewer = await authorize(request);
  const body: MembersResponse = {
    role: viewer.role,
    members: await listMembers(viewer),
    invitations: hasRole(viewer.role, "admin") ? await listInvitations(viewer.organizationId) : [],
  };
  return json(body);
});
