import { z } from "zod";
import { authorize } from "@/lib/auth/viewer";
import { apiRoute, json, parseWith, readJson } from "@/lib/http/route";
import { changeRole, removeMember } from "@/lib/organizations/members";

export const dynamic = "force-dynamic";

type Context = { params: Promise<{ id: string }> };
const params = z.object({ id: z.uuid() });
const patch = z.object({ role: z.enum(["owner", "admin", "member"]) }).strict();

/** Change a member's role (admins; owners for anything involving the owner role). */
export const PATCH = apiRoute("members.update", async (request: Request, context: Context) => {
  const viewer = await authorize(request, "admin");
  const { id } = parseWith(params, await context.params);
  const { role } = parseWith(patch, await readJson(request));
  return json({ members: await changeRole(viewer, id, role) });
});

/** Remove a member (admins), or leave (one's own membership, anyone). */
export const DELETE = apiRoute("members.remove", async (request: Request, context: Context) => {
  const viewer = await authorize(request);
  const { id } = parseWith(params, await context.params);
  return json({ ok: true, ...(await removeMember(viewer, id)) });
});
