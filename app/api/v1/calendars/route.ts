import type { z } from "zod";
import type { CalendarsResponseSchema } from "@/lib/api/v1/schemas";
import { v1Route } from "@/lib/api/v1/route";
import { listCalendars } from "@/lib/changes/resources";
import { db } from "@/lib/db/client";
import { json } from "@/lib/http/route";

export const dynamic = "force-dynamic";

export const GET = v1Route("v1.calendars.list", "events:read", async (_request, caller) => {
  const body: z.infer<typeof CalendarsResponseSchema> = { calendars: await listCalendars(await db(), caller.organizationId) };
  return json(body);
});
