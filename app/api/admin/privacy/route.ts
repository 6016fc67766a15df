import { z } from "zod";
import type { PrivacySettingsResponse } from "@/lib/api/types";
import { authorize } from "@/lib/auth/viewer";
import { apiRoute, json, parseWith, readJson } from "@/lib/http/route";
import { PRIVATE_EVENT_POLICIES } from "@/lib/privacy/policy";
import { privacySettings, updatePrivacySettings } from "@/lib/privacy/settings";

export const dynamic = "force-dynamic";

const settings = z.object({ privateEvents: z.enum(PRIVATE_EVENT_POLICIES), keepDeclined: z.boolean() }).strict();

/** What the organization keeps of private and declined events. */
export const GET = apiRoute("admin.privacy.get", async (request: Request) => {
  const viewer = await authorize(request, "admin");
  const body: PrivacySettingsResponse = { settings: await privacySettings(viewer.organizationId), rewritten: 0, resynced: 0 };
  return json(body);
});

/** Changes it: what the new setting no longer allows is rewritten at once, and every synced calendar resyncs in full. */
export const PATCH = apiRoute("admin.privacy.update", async (request: Request) => {
  const viewer = await authorize(request, "admin");
  const input = parseWith(settings, await readJson(request));
  const body: PrivacySettingsResponse = await updatePrivacySettings(viewer.organizationId, input);
  return json(body);
});
