import { Inngest, eventType, staticSchema } from "inngest";
import type { JobName, JobPayloads } from "@/lib/jobs/catalog";

// Only lib/jobs/dispatch.ts and the functions in this folder use the client: app code
// dispatches through lib/jobs so the inline driver can stand in for Inngest.
export const inngest = new Inngest({ id: "calsync" });

function typedEvent<N extends JobName>(name: N) {
  // Types only: payloads come from our own dispatch, already typed at the call site.
  return eventType(name, { schema: staticSchema<JobPayloads[N]>() });
}

/** One typed Inngest event per catalog event. */
export const jobEvents = {
  "calendar/sync.requested": typedEvent("calendar/sync.requested"),
  "connection/connected": typedEvent("connection/connected"),
  "subscription/lifecycle": typedEvent("subscription/lifecycle"),
} as const satisfies { [N in JobName]: unknown };
