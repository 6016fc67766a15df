import { IdParamsSchema } from "@/lib/api/v1/schemas";
import { v1Route } from "@/lib/api/v1/route";
import { meetingById } from "@/lib/changes/resources";
import { db } from "@/lib/db/client";
import { json, parseWith } from "@/lib/http/route";

export const dynamic = "force-dynamic";
type Context = { params: Promise<{ id: string }> };

export const GET = v1Route("v1.meetings.get", "events:read", async (_request, caller, context: Context) => {
  const { id } = parseWith(IdParamsSchema, await context.params);
  return json({ meeting: await meetingById(await db(), caller.organizationId, id) });
});
