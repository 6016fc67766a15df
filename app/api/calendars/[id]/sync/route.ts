import { z } from "zod";
import type { CalendarSyncResponse } from "@/lib/api/types";
import { resyncCalendar } from "@/lib/admin/sync-runs";
import { authorize } from "@/lib/auth/viewer";
import { apiRoute, json, parseWith } from "@/lib/http/route";

export const dynamic = "force-dynamic";

type Context = { params: Promise<{ id: string }> };
const params = z.object({ id: z.uuid() });

/** The dashboard's "Sync now": the admin console's manual sync (incremental), for any member; 202, it runs in the background. */
export const POST = apiRoute("calendars.sync", async (request: Request, context: Context) => {
  const viewer = await authorize(request);
  const { id } = parseWith(params, await context.params);
  const requestedAt = new Date().toISOString();
  await resyncCalendar(viewer.organizationId, id, "incremental");
  const answer: CalendarSyncResponse = { calendarId: id, requested: true, requestedAt };
  return json(answer, { status: 202 });
});
