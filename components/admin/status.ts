import type { HealthStatus, SubscriptionStatus, SyncRunStatus, WebhookEventStatus } from "@/lib/api/types";
import type { BadgeTone } from "@/components/ui/badge";

// One look per state, everywhere in the console.

export const EVENT_STATUS: Record<WebhookEventStatus, { label: string; tone: BadgeTone; hint: string }> = {
  pending: { label: "Pending", tone: "info", hint: "Recorded; its sync has not finished yet" },
  processed: { label: "Processed", tone: "success", hint: "A sync covered it" },
  ignored: { label: "Ignored", tone: "neutral", hint: "Understood and deliberately not acted on" },
  duplicate: { label: "Duplicate", tone: "neutral", hint: "The provider delivered it twice" },
  failed: { label: "Failed", tone: "warning", hint: "Its sync failed; it will be retried" },
  dead: { label: "Dead", tone: "danger", hint: "Retries exhausted; replay it once the cause is fixed" },
};

export const EVENT_STATUSES = Object.keys(EVENT_STATUS) as WebhookEventStatus[];

export const SUBSCRIPTION_STATUS: Record<SubscriptionStatus, { label: string; tone: BadgeTone }> = {
  active: { label: "Active", tone: "success" },
  pending: { label: "Registering", tone: "info" },
  expired: { label: "Expired", tone: "danger" },
  failed: { label: "Failed", tone: "danger" },
  stopped: { label: "Stopped", tone: "neutral" },
};

export const RUN_STATUS: Record<SyncRunStatus, { label: string; tone: BadgeTone }> = {
  running: { label: "Running", tone: "info" },
  succeeded: { label: "Succeeded", tone: "success" },
  failed: { label: "Failed", tone: "danger" },
};

export const RUN_STATUSES = Object.keys(RUN_STATUS) as SyncRunStatus[];

export const HEALTH_STATUS: Record<HealthStatus, { label: string; tone: BadgeTone }> = {
  ok: { label: "Healthy", tone: "success" },
  degraded: { label: "Degraded", tone: "warning" },
  unhealthy: { label: "Unhealthy", tone: "danger" },
};
