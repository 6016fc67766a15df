import { z } from "zod";
import type { MeetingHoursResponse } from "@/lib/api/types";
import { authorize } from "@/lib/auth/viewer";
import { searchParamsOf } from "@/lib/admin/query";
import { apiRoute, json, parseWith } from "@/lib/http/route";
import { meetingHours } from "@/lib/meetings/meetings";
import { isKnownZone } from "@/lib/providers/time";

export const dynamic = "force-dynamic";

const query = z.object({
  weeks: z.coerce.number().int().min(1).max(26).default(8),
  timeZone: z.string().max(64).refine(isKnownZone, "not an IANA time zone").default("UTC"),
});

/** Meeting hours per person per week for the organization (each meeting counted once per person). */
export const GET = apiRoute("admin.meetingHours", async (request: Request) => {
  const viewer = await authorize(request, "admin");
  const { weeks, timeZone } = parseWith(query, searchParamsOf(request));
  const rows = await meetingHours(viewer.organizationId, { weeks, timeZone });
  const body: MeetingHoursResponse = { weeks, timeZone, rows };
  return json(body);
});
