import { z } from "zod";
import { authorize } from "@/lib/auth/viewer";
import { apiRoute, json, parseWith } from "@/lib/http/route";
import { revokeInvitation } from "@/lib/organizations/invitations";

export const dynamic = "force-dynamic";

type Context = { params: Promise<{ id: string }> };
const params = z.object({ id: z.uuid() });

/** Withdraw a pending invitation: its link stops working. */
export const DELETE = apiRoute("invitations.revoke", async (request: Request, context: Context) => {
  const viewer = await authorize(request, "admin");
  const { id } = parseWith(params, await context.params);
  await revokeInvitation(viewer, id);
  return json({ ok: true });
});
