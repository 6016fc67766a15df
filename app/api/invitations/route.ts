import { z } from "zod";
import { authorize } from "@/lib/auth/viewer";
import { apiRoute, json, parseWith, readJson } from "@/lib/http/route";
import { createInvitation } from "@/lib/organizations/invitations";

export const dynamic = "force-dynamic";

const body = z.object({ email: z.string().trim().max(320).pipe(z.email()), role: z.enum(["owner", "admin", "member"]).default("member") }).strict();

/** Invite a person by email (owners and admins; an owner only by an owner). */
export const POST = apiRoute("invitations.create", async (request: Request) => {
  const viewer = await authorize(request, "admin");
  const input = parseWith(body, await readJson(request));
  return json(await createInvitation(viewer, input), { status: 201 });
});
