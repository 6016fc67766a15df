import { z } from "zod";
import type { AdminResyncResponse } from "@/lib/api/types";
import { idParams } from "@/lib/admin/query";
import { resyncCalendar } from "@/lib/admin/sync-runs";
import { authorize } from "@/lib/auth/viewer";
import { apiRoute, json, parseWith, readJson } from "@/lib/http/route";

export const dynamic = "force-dynamic";

type Context = { params: Promise<{ id: string }> };
const body = z.object({ mode: z.enum(["incremental", "full"]) }).strict();

/** Asks for a sync of one calendar now; 202 because it runs in the background. */
export const POST = apiRoute("admin.calendars.resync", async (request: Request, context: Context) => {
  const viewer = await authorize(request, "admin");
  const { id } = parseWith(idParams, await context.params);
  const { mode } = parseWith(body, await readJson(request));
  await resyncCalendar(viewer.organizationId, id, mode);
  const answer: AdminResyncResponse = { calendarId: id, mode, requested: true };
  return json(answer, { status: 202 });
});
