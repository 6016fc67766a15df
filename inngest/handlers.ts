import type { JobHandlers } from "@/lib/jobs/catalog";
import { setUpConnectionJob } from "@/lib/connections/setup";
import { lifecycleJob, renewJob } from "@/lib/subscriptions/lifecycle";
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
    "subscription/lifecycle": lifecycleJob,
    "outbound/changes.appended": changesAppendedJob,
    "outbound/deliver.requested": deliverEndpointJob,
  },
  crons: {
    poll: pollJob,
    renew: renewJob,
    retryWebhookEvents: retryWebhookEventsJob,
    cleanupWebhookEvents: cleanupWebhookEventsJob,
    sweepDeliveries: sweepDeliveriesJob,
    pruneChanges: pruneChangesJob,
  },
};
