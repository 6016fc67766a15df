// The emulator's own page at `/`: accounts, calendars, events (add / edit /
// delete through plain forms), channels, subscriptions and recent deliveries.
// Form posts go through the same core methods as the control API, so they
// notify the app exactly as a provider-side change would.

import { escapeHtml as h, type RequestContext, type RouteDefinition } from "./http";
import type { EmulatorOperations } from "./operations";
import type { EventTimeView } from "./types";

const RECENT_DELIVERIES = 50;

function timeText(time: EventTimeView): string {
  return "date" in time ? time.date : `${time.dateTime} (${time.timeZone})`;
}

/** `datetime-local` value (wall time) for an edit form. */
function inputValue(time: EventTimeView): string {
  return "date" in time ? time.date : time.dateTime.slice(0, 16);
}

function page(core: EmulatorOperations): string {
  const snapshot = core.snapshot();
  const info = core.info();
  const calendarOptions = snapshot.calendars
    .map((calendar) => `<option value="${h(calendar.id)}">${h(calendar.accountEmail)} / ${h(calendar.name)}</option>`)
    .join("");
  const calendars = snapshot.calendars
    .map((calendar) => {
      const rows = snapshot.events
        .filter((event) => event.calendarId === calendar.id)
        .map(
          (event) => `<tr${event.deleted ? ' class="deleted"' : ""}>
  <td><code>${h(event.id)}</code>${event.seriesMasterId ? `<br><small>instance of ${h(event.seriesMasterId)}</small>` : ""}</td>
  <td>${h(event.summary)}</td><td>${h(timeText(event.start))}</td><td>${h(timeText(event.end))}</td>
  <td>${h(event.recurrence?.join(" ") ?? "")}</td><td>${event.deleted ? "deleted" : h(event.status)}</td>
  <td>${
    event.deleted
      ? ""
      : `<form method="post" action="/_emulator/ui/events/update" class="inline">
    <input type="hidden" name="calendarId" value="${h(calendar.id)}"><input type="hidden" name="eventId" value="${h(event.id)}">
    <input name="summary" value="${h(event.summary)}" aria-label="Summary">
    <input name="start" value="${h(inputValue(event.start))}" aria-label="Start"><input name="end" value="${h(inputValue(event.end))}" aria-label="End">
    <button>Save</button></form>
  <form method="post" action="/_emulator/ui/events/delete" class="inline">
    <input type="hidden" name="calendarId" value="${h(calendar.id)}"><input type="hidden" name="eventId" value="${h(event.id)}"><button>Delete</button></form>`
  }</td></tr>`,
        )
        .join("\n");
      return `<h3>${h(calendar.name)} <small>${h(calendar.provider)} · ${h(calendar.accountEmail)} · ${h(calendar.timeZone)}${calendar.primary ? " · primary" : ""} · <code>${h(calendar.id)}</code></small></h3>
<table><tr><th>id</th><th>summary</th><th>start</th><th>end</th><th>recurrence</th><th>status</th><th></th></tr>${rows}</table>`;
    })
    .join("\n");
  const channels = snapshot.channels
    .map(
      (channel) =>
        `<tr><td>${h(channel.id)}</td><td>${h(channel.accountEmail)}</td><td>${h(channel.address)}</td><td>${h(channel.state)}</td><td>${new Date(channel.expiration).toISOString()}</td><td>${channel.lastMessageNumber}</td></tr>`,
    )
    .join("");
  const subscriptions = snapshot.subscriptions
    .map(
      (subscription) =>
        `<tr><td>${h(subscription.id)}</td><td>${h(subscription.accountEmail)}</td><td>${h(subscription.notificationUrl)}</td><td>${h(subscription.state)}${subscription.needsReauthorization ? " (reauthorization required)" : ""}</td><td>${h(subscription.expirationDateTime)}</td></tr>`,
    )
    .join("");
  const deliveries = core.services.deliverer.log
    .list()
    .slice(-RECENT_DELIVERIES)
    .reverse()
    .map(
      (record) =>
        `<tr><td>${record.id}</td><td>${h(record.kind)}</td><td>${h(record.url)}</td><td>${record.attempt}</td><td>${h(record.outcome)}</td><td>${record.status ?? ""}</td><td>${record.latencyMs} ms</td><td>${record.okWithin3s ? "yes" : "no"}</td></tr>`,
    )
    .join("");
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>calsync provider emulator</title>
<style>body{font-family:system-ui,sans-serif;margin:1.5rem}table{border-collapse:collapse;margin-bottom:1rem}td,th{border:1px solid #ccc;padding:.25rem .5rem;font-size:.85rem;vertical-align:top}.deleted{color:#999;text-decoration:line-through}form.inline{display:inline}</style></head>
<body>
<h1>calsync provider emulator</h1>
<form method="post" action="/_emulator/ui/reset" onsubmit="return confirm('Start fresh? Every account, event, grant, channel and subscription is replaced by the seed.')">
  <button data-testid="emulator-reset">Start fresh</button> <small>Replaces everything (also what the state file keeps) with the seed; connected apps must connect again.</small>
</form>
<p>Google: <code>${h(info.google.origin)}</code> · Microsoft + Graph: <code>${h(info.microsoft.origin)}</code> · CA: <code>${h(info.caCertPath)}</code></p>
<h2>Accounts</h2>
<ul>${snapshot.accounts.map((account) => `<li>${h(account.provider)}: ${h(account.name)} &lt;${h(account.email)}&gt;${account.tenantId ? ` tenant ${h(account.tenantId)}` : ""}</li>`).join("")}</ul>
<h2>Add an event</h2>
<form method="post" action="/_emulator/ui/events">
  <select name="calendarId" aria-label="Calendar">${calendarOptions}</select>
  <input name="summary" placeholder="Summary" required>
  <input name="start" placeholder="2026-01-05T09:00 or 2026-01-05" required aria-label="Start">
  <input name="end" placeholder="2026-01-05T10:00 or 2026-01-06" required aria-label="End">
  <input name="recurrence" placeholder="RRULE:FREQ=WEEKLY;COUNT=4" aria-label="Recurrence">
  <button>Add</button>
</form>
<h2>Calendars and events</h2>
${calendars}
<h2>Google channels</h2>
<table><tr><th>id</th><th>account</th><th>address</th><th>state</th><th>expiration</th><th>last message</th></tr>${channels}</table>
<h2>Graph subscriptions</h2>
<table><tr><th>id</th><th>account</th><th>notificationUrl</th><th>state</th><th>expires</th></tr>${subscriptions}</table>
<h2>Recent deliveries</h2>
<table><tr><th>#</th><th>kind</th><th>url</th><th>attempt</th><th>outcome</th><th>status</th><th>latency</th><th>2xx within 3 s</th></tr>${deliveries}</table>
</body></html>`;
}

async function formAction(ctx: RequestContext, action: (form: URLSearchParams) => void): Promise<void> {
  const form = await ctx.form();
  try {
    action(form);
    ctx.redirect("/", 303);
  } catch (error) {
    ctx.sendHtml(400, `<!doctype html><p>${h(error instanceof Error ? error.message : String(error))}</p><p><a href="/">Back</a></p>`);
  }
}

export function webRoutes(core: EmulatorOperations): RouteDefinition[] {
  const value = (form: URLSearchParams, name: string) => form.get(name) ?? "";
  return [
    { method: "GET", path: "/", family: "emulator", handler: (ctx) => ctx.sendHtml(200, page(core)) },
    {
      method: "POST",
      path: "/_emulator/ui/events",
      family: "emulator",
      handler: (ctx) =>
        formAction(ctx, (form) => {
          const recurrence = value(form, "recurrence").trim();
          core.createEvent(value(form, "calendarId"), {
            summary: value(form, "summary"),
            start: value(form, "start"),
            end: value(form, "end"),
            recurrence: recurrence ? [recurrence] : undefined,
          });
        }),
    },
    {
      method: "POST",
      path: "/_emulator/ui/events/update",
      family: "emulator",
      handler: (ctx) =>
        formAction(ctx, (form) => {
          core.updateEvent(value(form, "calendarId"), value(form, "eventId"), {
            summary: value(form, "summary"),
            start: value(form, "start"),
            end: value(form, "end"),
          });
        }),
    },
    {
      method: "POST",
      path: "/_emulator/ui/reset",
      family: "emulator",
      handler: async (ctx) => {
        await core.reset();
        ctx.redirect("/", 303);
      },
    },
    {
      method: "POST",
      path: "/_emulator/ui/events/delete",
      family: "emulator",
      handler: (ctx) => formAction(ctx, (form) => core.deleteEvent(value(form, "calendarId"), value(form, "eventId"))),
    },
  ];
}
