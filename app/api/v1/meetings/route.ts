import { MeetingsQuerySchema } from "@/lib/api/v1/schemas";
import { v1Route } from "@/lib/api/v1/route";
import { listMeetings } from "@/lib/changes/resources";
import { db } from "@/lib/db/client";
import { json, parseWith } from "@/lib/http/route";
import { searchParamsOf } from "@/lib/admin/query";

export const dynamic = "force-dynamic";

export const GET = v1Route("v1.meetings.list", "events:read", async (request, caller) => {
  const filter = parseWith(MeetingsQuerySchema, searchParamsOf(request));
  return json(await listMeetings(await db(), caller.organizationId, filter));
});
