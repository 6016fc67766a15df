import type { EventRecord } from "@/lib/providers/port";

// What an organization keeps of private events and declined ones, applied to each
// record on the sync write path (lib/sync/store.ts applyPage) before anything is
// written: a busy-only event never reaches a table, an answer or a log whole.

export const PRIVATE_EVENT_POLICIES = ["everything", "busy_only", "nothing"] as const;
export type PrivateEventPolicy = (typeof PRIVATE_EVENT_POLICIES)[number];

export interface PrivacySettings {
  privateEvents: PrivateEventPolicy;
  /** Events the calendar's owner declined: kept (true) or skipped. */
  keepDeclined: boolean;
}

export const DEFAULT_PRIVACY: PrivacySettings = { privateEvents: "everything", keepDeclined: true };

/** What a busy-only private event is called. */
export const BUSY_TITLE = "Busy";

/** Google `private`/`confidential`, Graph `private`/`confidential` (Graph's `personal` is shown to delegates, so it is not private). */
export const PRIVATE_VISIBILITIES: ReadonlySet<EventRecord["visibility"]> = new Set(["private", "confidential"]);

export function isPrivate(event: Pick<EventRecord, "visibility">): boolean {
  return PRIVATE_VISIBILITIES.has(event.visibility);
}

/**
 * The record as the organization keeps it, or null when it keeps nothing of it.
 * Busy-only keeps times, busy/free, visibility, type and the identifiers (iCalUID,
 * series) that place it; it drops the title, description, location, link,
 * organizer, attendees, conference and raw item.
 */
export function applyPrivacy(event: EventRecord, settings: PrivacySettings): EventRecord | null {
  if (!settings.keepDeclined && event.selfResponse === "declined") return null;
  if (!isPrivate(event) || settings.privateEvents === "everything") return event;
  if (settings.privateEvents === "nothing") return null;
  return {
    ...event,
    title: BUSY_TITLE,
    descriptionText: null,
    descriptionHtml: null,
    location: null,
    locationAddress: null,
    locationLatitude: null,
    locationLongitude: null,
    webLink: null,
    organizerEmail: null,
    organizerName: null,
    attendeeCount: 0,
    attendees: [],
    conference: null,
    rawJson: null,
  };
}
