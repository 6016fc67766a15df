// Bearer-token checks for Google APIs, with Google's 401/403 bodies.

import type { EmulatorServices } from "../context";
import { googleErrors } from "../errors";
import type { RequestContext } from "../http";
import type { Account, Calendar } from "../state";
import type { AccessTokenRecord } from "../oauth";

const AUTH = "https://www.googleapis.com/auth/";

/** Scope sets (any one suffices) per kind of access, from the Calendar API reference. */
export const GOOGLE_SCOPES = {
  eventsRead: ["calendar", "calendar.readonly", "calendar.events", "calendar.events.readonly", "calendar.events.owned", "calendar.events.owned.readonly"].map(
    (s) => AUTH + s,
  ),
  eventsWrite: ["calendar", "calendar.events", "calendar.events.owned"].map((s) => AUTH + s),
  calendarListRead: ["calendar", "calendar.readonly", "calendar.calendarlist", "calendar.calendarlist.readonly"].map((s) => AUTH + s),
  userinfo: [AUTH + "userinfo.email", AUTH + "userinfo.profile", "openid"],
};

export interface GoogleCaller {
  account: Account;
  token: AccessTokenRecord;
}

export function requireGoogleCaller(ctx: RequestContext, services: EmulatorServices, anyOfScopes: readonly string[]): GoogleCaller {
  const check = services.oauth.checkBearer("google", ctx.header("authorization"));
  if (!check.ok) throw check.reason === "missing" ? googleErrors.loginRequired() : googleErrors.invalidCredentials();
  if (!check.token.scopes.some((scope) => anyOfScopes.includes(scope))) throw googleErrors.insufficientScopes();
  return { account: check.account, token: check.token };
}

/** Resolves `primary` and checks the calendar belongs to the caller (others answer 404 like Google). */
export function callerCalendar(services: EmulatorServices, caller: GoogleCaller, calendarId: string): Calendar {
  const calendar = calendarId === "primary" ? services.store.primaryCalendar(caller.account.id) : services.store.calendars.get(calendarId);
  if (!calendar || calendar.accountId !== caller.account.id) throw googleErrors.notFound();
  return calendar;
}
