import type { JobHandlers } from "@/lib/jobs/catalog";
import { discoverCalendarsCronJob, refreshCalendarsJob, setUpConnectionJob } from "@/lib/connections/setup";
import { lifecycleJob, renewJob, stopAllForConnection } from "@/lib/subscriptions/lifecycle";
import { syncCalendarJob } from "@/lib/sync/engine";
import { pollJob } from "@/lib/sync/poll";
import { retryWebhookEventsJob } from "@/lib/webhooks/processing";
import { cleanupWebhookEventsJob } from "@/lib/webhooks/retention";
import { pruneChangesJob } from "@/lib/changes/log";
import { changesAppendedJob, deliverEndpointJob, sweepDeliveriesJob } from "@/lib/outbound/deliver";

// Which lib/ function runs each catalog entry: the one place that knows both the
// job list and the work. Adding a job is an entry in lib/jobs/catalog.ts and a line
// here; the types make a missing line a compile error.
export const handlers: JobHandlers = {
  events: {
    "calendar/sync.requested": syncCalendarJob,
    "connection/connected": setUpConnectionJob,
    "connection/calendars.refresh": refreshCalendarsJob,
    "subscription/lifecycle": lifecycleJob,
    "outbound/changes.appended": changesAppendedJob,
    "outbound/deliver.requested": deliverEndpointJob,
  },
  crons: {
    poll: pollJob,
    discoverCalendars: discoverCalendarsCronJob,
    renew: renewJob,
    retryWebhookEvents: retryWebhookEventsJob,
    cleanupWebhookEvents: cleanupWebhookEventsJob,
    sweepDeliveries: sweepDeliveriesJob,
    pruneChanges: pruneChangesJob,
  },
};

/**
 * Lost access to a connection stops its push. Exported from here, not imported by the
 * root on its own, so the root loads the job code through one dynamic import: two
 * import sites made the bundler emit the shared provider code twice, into every
 * function (instrumentation reaches them all).
 */
export async function stopPushForLostAccess({ connectionId, organizationId }: { connectionId: string; organizationId: string }): Promise<void> {
  // The grant is gone: the provider will not deliver to it, and we could not stop it anyway.
  await stopAllForConnection(connectionId, { organizationId, reachProvider: false, reason: "stopped: the connection needs to be reconnected" });
}
