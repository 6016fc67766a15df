import { z } from "zod";
import type { UpcomingEventsResponse } from "@/lib/api/types";
import { authorize } from "@/lib/auth/viewer";
import { upcomingEvents } from "@/lib/connections/queries";
import { apiRoute, json, parseWith } from "@/lib/http/route";

export const dynamic = "force-dynamic";

const query = z.object({ days: z.coerce.number().int().min(1).max(31).default(7) });

export const GET = apiRoute("events.upcoming", async (request: Request) => {
  const viewer = await authorize(request);
  const { days } = parseWith(query, Object.fromEntries(new URL(request.url).searchParams));
  const { from, to, events } = await upcomingEvents(viewer.organizationId, days);
  const body: UpcomingEventsResponse = { from: from.toISOString(), to: to.toISOString(), events };
  return json(body);
});
