import type { CRON_JOBS, JobName, JobPayloads } from "./catalog";

// What each job does, as plain lib/ functions. Drivers call these; they never hold
// logic of their own. A handler may return follow-up jobs, which the driver
// dispatches (Inngest: step.sendEvent; inline: its own queue), so fan-out is
// visible and durable in Inngest.

export type FollowUp = { [N in JobName]: { name: N; data: JobPayloads[N] } }[JobName];
export interface HandlerResult {
  followUps?: FollowUp[];
  /** Anything worth showing in a run log (counts, ids). Must be JSON and carry no secrets. */
  summary?: Record<string, unknown>;
}

export interface JobHandlers {
  events: { [N in JobName]: (data: JobPayloads[N]) => Promise<HandlerResult> };
  crons: { [K in keyof typeof CRON_JOBS]: () => Promise<HandlerResult> };
}

/** The real handlers. Imported lazily so a driver module stays light for the webhook routes. */
export const handlers: JobHandlers = {
  events: {
    "calendar/sync.requested": async (data) => (await import("@/lib/sync/engine")).syncCalendarJob(data),
    "connection/connected": async (data) => (await import("@/lib/connections/setup")).setUpConnectionJob(data),
    "subscription/lifecycle": async (data) => (await import("@/lib/subscriptions/lifecycle")).lifecycleJob(data),
  },
  crons: {
    poll: async () => (await import("@/lib/sync/poll")).pollJob(),
    renew: async () => (await import("@/lib/subscriptions/lifecycle")).renewJob(),
    retryWebhookEvents: async () => (await import("@/lib/webhooks/processing")).retryWebhookEventsJob(),
    cleanupWebhookEvents: async () => (await import("@/lib/webhooks/retention")).cleanupWebhookEventsJob(),
  },
};
