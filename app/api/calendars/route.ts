import type { CalendarsResponse } from "@/lib/api/types";
import { authorize } from "@/lib/auth/viewer";
import { calendarSummaries } from "@/lib/connections/queries";
import { apiRoute, json } from "@/lib/http/route";

export const dynamic = "force-dynamic";

export const GET = apiRoute("calendars.list", async (request: Request) => {
  const viewer = await authorize(request);
  const body: CalendarsResponse = { calendars: await calendarSummaries(viewer.organizationId) };
  return json(body);
});
