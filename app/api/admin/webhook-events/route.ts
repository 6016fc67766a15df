import { z } from "zod";
import { PROVIDERS } from "@/lib/providers/port";
import { WEBHOOK_EVENT_STATUSES, instant, pageQuery, searchParamsOf, statusSet } from "@/lib/admin/query";
import { listWebhookEvents } from "@/lib/admin/webhook-events";
import { authorize } from "@/lib/auth/viewer";
import { apiRoute, json, parseWith } from "@/lib/http/route";

export const dynamic = "force-dynamic";

const query = z
  .object({
    provider: z.enum(PROVIDERS).optional(),
    status: statusSet(WEBHOOK_EVENT_STATUSES).optional(),
    calendarId: z.uuid().optional(),
    from: instant.optional(),
    to: instant.optional(),
    q: z.string().trim().max(200).optional(),
    ...pageQuery,
  })
  .refine((value) => !value.from || !value.to || value.from <= value.to, { message: "from must not be after to", path: ["from"] });

/** The organization's webhook events, newest first, filtered, in cursor pages. */
export const GET = apiRoute("admin.webhookEvents.list", async (request: Request) => {
  const viewer = await authorize(request, "admin");
  const filters = parseWith(query, searchParamsOf(request));
  return json(await listWebhookEvents(viewer.organizationId, { ...filters, statuses: filters.status }));
});
