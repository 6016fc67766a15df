import { z } from "zod";
import type { CalendarDismissResponse } from "@/lib/api/types";
import { authorize } from "@/lib/auth/viewer";
import { dismissCalendar, setCalendarSync } from "@/lib/connections/calendars";
import { oneCalendarSummary } from "@/lib/connections/queries";
import { apiRoute, json, parseWith, readJson } from "@/lib/http/route";

export const dynamic = "force-dynamic";

type Context = { params: Promise<{ id: string }> };
const params = z.object({ id: z.uuid() });
const patch = z.object({ syncEnabled: z.boolean() }).strict();

export const GET = apiRoute("calendars.get", async (request: Request, context: Context) => {
  const viewer = await authorize(request);
  const { id } = parseWith(params, await context.params);
  return json(await oneCalendarSummary(viewer.organizationId, id));
});

/** Choose whether a calendar is synced. */
export const PATCH = apiRoute("calendars.update", async (request: Request, context: Context) => {
  const viewer = await authorize(request);
  const { id } = parseWith(params, await context.params);
  const body = parseWith(patch, await readJson(request));
  await setCalendarSync(viewer.organizationId, id, body.syncEnabled);
  return json(await oneCalendarSummary(viewer.organizationId, id));
});

/** Dismiss a calendar the provider no longer lists (409 for one it still lists), as any member may choose what is synced. */
export const DELETE = apiRoute("calendars.dismiss", async (request: Request, context: Context) => {
  const viewer = await authorize(request);
  const { id } = parseWith(params, await context.params);
  await dismissCalendar(viewer.organizationId, id);
  const answer: CalendarDismissResponse = { calendarId: id, dismissed: true };
  return json(answer);
});
