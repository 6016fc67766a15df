// Seeding: the default data set (used by `npm run emulator` and reset()) and
// the code that loads any seed into the store and OAuth client registry.

import { eventFieldsFromInput, eventFieldsFromPatch, parseOriginalStart } from "./event-input";
import type { OAuthServer } from "./oauth";
import type { Account, CalendarStore } from "./state";
import { addDays, isValidTimeZone } from "./time";
import type { OAuthClientInput, Seed, SeedAccount, SeedCalendar } from "./types";
import { InvalidInputError } from "./state";

export const DEFAULT_GOOGLE_CLIENT: OAuthClientInput = {
  provider: "google",
  clientId: "calsync-dev.apps.googleusercontent.com",
  clientSecret: "calsync-dev-google-secret",
};

export const DEFAULT_MICROSOFT_CLIENT: OAuthClientInput = {
  provider: "microsoft",
  clientId: "5f0c7c1e-6b7a-4a55-9d3e-ca15c0000001",
  clientSecret: "calsync-dev-microsoft-secret",
};

export const DEFAULT_TENANT_ID = "3c5d6a1e-7a1b-4d2e-9f10-ca15c0e00001";

/**
 * Alice (Google) and Bob (Microsoft), each with a primary calendar holding a
 * timed event, an all-day event and a weekly series in the next 7 days, plus
 * one secondary calendar. Dates are relative to `today` (UTC date).
 */
export function defaultSeed(now: number): Seed {
  const today = new Date(now).toISOString().slice(0, 10);
  const day = (offset: number) => addDays(today, offset);
  return {
    clients: [DEFAULT_GOOGLE_CLIENT, DEFAULT_MICROSOFT_CLIENT],
    accounts: [
      {
        provider: "google",
        email: "alice@example.com",
        name: "Alice Example",
        calendars: [
          {
            name: "alice@example.com",
            primary: true,
            timeZone: "Europe/Berlin",
            events: [
              {
                summary: "Planning",
                start: `${day(1)}T09:00:00`,
                end: `${day(1)}T10:00:00`,
                location: "Room 1",
                attendees: [{ email: "bob@contoso.example", name: "Bob Contoso" }],
              },
              { summary: "Offsite", start: day(2), end: day(3) },
              {
                summary: "Daily standup",
                start: `${day(1)}T09:30:00`,
                end: `${day(1)}T09:45:00`,
                recurrence: ["RRULE:FREQ=DAILY;COUNT=5"],
                exceptions: [{ originalStart: `${day(3)}T09:30:00`, cancelled: true }],
              },
            ],
          },
          { name: "Team", timeZone: "Europe/Berlin", events: [{ summary: "Team lunch", start: `${day(4)}T12:00:00`, end: `${day(4)}T13:00:00` }] },
        ],
      },
      {
        provider: "microsoft",
        email: "bob@contoso.example",
        name: "Bob Contoso",
        calendars: [
          {
            name: "Calendar",
            primary: true,
            timeZone: "America/New_York",
            events: [
              { summary: "Customer call", start: `${day(1)}T14:00:00`, end: `${day(1)}T15:00:00` },
              { summary: "Public holiday", start: day(5), end: day(6) },
              { summary: "Weekly review", start: `${day(2)}T16:00:00`, end: `${day(2)}T16:30:00`, recurrence: ["RRULE:FREQ=WEEKLY;COUNT=4"] },
            ],
          },
          { name: "Birthdays", timeZone: "America/New_York" },
        ],
      },
    ],
  };
}

export function applySeed(seed: Seed, store: CalendarStore, oauth: OAuthServer, defaultTenantId: string): Account[] {
  for (const client of seed.clients ?? []) oauth.registerClient(client);
  return seed.accounts.map((input) => addSeedAccount(input, store, defaultTenantId));
}

export function addSeedAccount(input: SeedAccount, store: CalendarStore, defaultTenantId: string): Account {
  const account = store.addAccount({ ...input, tenantId: input.provider === "microsoft" ? (input.tenantId ?? defaultTenantId) : undefined });
  const calendars: SeedCalendar[] = input.calendars?.some((calendar) => calendar.primary)
    ? input.calendars
    : [{ name: input.provider === "google" ? account.email : "Calendar", primary: true, timeZone: input.timeZone }, ...(input.calendars ?? [])];
  for (const calendarInput of calendars) addSeedCalendar(account, calendarInput, store);
  return account;
}

export function addSeedCalendar(account: Account, input: SeedCalendar, store: CalendarStore): void {
  const timeZone = input.timeZone ?? "UTC";
  if (!isValidTimeZone(timeZone)) throw new InvalidInputError(`Unknown time zone ${timeZone}`);
  const calendar = store.addCalendar(account, { id: input.id, name: input.name, timeZone, primary: input.primary ?? false });
  for (const eventInput of input.events ?? []) {
    const master = store.createEvent(calendar, eventFieldsFromInput(eventInput, calendar), { id: eventInput.id, iCalUID: eventInput.iCalUID });
    for (const change of eventInput.exceptions ?? []) {
      const originalStart = parseOriginalStart(change.originalStart, master);
      store.upsertException(calendar, master.id, originalStart, eventFieldsFromPatch(change, master, calendar), { cancel: change.cancelled });
    }
  }
}
