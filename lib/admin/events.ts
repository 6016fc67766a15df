import type { AdminWebhookEvent, WebhookEventStatus } from "@/lib/api/types";
import type { ProviderName } from "@/lib/providers/port";
import { iso } from "@/lib/format";

// How a stored notification reads in the console; shared by the events log and the
// subscriptions list (each subscription shows its latest few).

export interface StoredEventRow {
  id: string;
  provider: ProviderName;
  status: WebhookEventStatus;
  externalId: string;
  subscriptionId: string | null;
  calendarId: string | null;
  changeType: string | null;
  messageNumber: bigint | null;
  attempts: number;
  error: string | null;
  nextAttemptAt: Date | null;
  receivedAt: Date;
  processedAt: Date | null;
  calendar: { name: string } | null;
}

/** The columns `toAdminEvent` needs, for Prisma `select`. */
export const eventSummarySelect = {
  id: true,
  provider: true,
  status: true,
  externalId: true,
  subscriptionId: true,
  calendarId: true,
  changeType: true,
  messageNumber: true,
  attempts: true,
  error: true,
  nextAttemptAt: true,
  receivedAt: true,
  processedAt: true,
  calendar: { select: { name: true } },
} as const;

export function toAdminEvent(row: StoredEventRow): AdminWebhookEvent {
  return {
    id: row.id,
    provider: row.provider,
    status: row.status,
    externalId: row.externalId,
    subscriptionId: row.subscriptionId,
    calendarId: row.calendarId,
    calendarName: row.calendar?.name ?? null,
    changeType: row.changeType,
    messageNumber: row.messageNumber === null ? null : row.messageNumber.toString(),
    attempts: row.attempts,
    error: row.error,
    nextAttemptAt: iso(row.nextAttemptAt),
    receivedAt: row.receivedAt.toISOString(),
    processedAt: iso(row.processedAt),
    latencyMs: row.processedAt ? Math.max(0, row.processedAt.getTime() - row.receivedAt.getTime()) : null,
  };
}
