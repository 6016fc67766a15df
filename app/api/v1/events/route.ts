import { EventsQuerySchema } from "@/lib/api/v1/schemas";
import { v1Route } from "@/lib/api/v1/route";
import { listEvents } from "@/lib/changes/resources";
import { db } from "@/lib/db/client";
import { json, parseWith } from "@/lib/http/route";
import { searchParamsOf } from "@/lib/admin/query";

export const dynamic = "force-dynamic";

export const GET = v1Route("v1.events.list", "events:read", async (request, caller) => {
  const filter = parseWith(EventsQuerySchema, searchParamsOf(request));
  return json(await listEvents(await db(), caller.organizationId, filter));
});
