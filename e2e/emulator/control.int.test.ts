// The emulator itself: instances side by side, the control API, the web page,
// call counting, reset, the clock, and `npm run emulator`.
import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EmulatorControlError } from "./client";
import type { Emulator } from "./server";
import { googleCalendarApi, googleSignIn, startTestEmulator, WebhookReceiver } from "./test-support";

let emu: Emulator;

beforeAll(async () => {
  emu = await startTestEmulator();
});
afterAll(() => emu.stop());

describe("instances", () => {
  it("runs two instances on port 0 side by side with separate state", async () => {
    const other = await startTestEmulator({ seed: "empty" });
    try {
      expect(other.httpOrigin).not.toBe(emu.httpOrigin);
      expect(other.httpsOrigin).not.toBe(emu.httpsOrigin);
      expect(other.caCertPath).not.toBe(emu.caCertPath);
      expect((await other.control.state()).accounts).toEqual([]);
      expect((await emu.control.state()).accounts.map((account) => account.email)).toEqual(["alice@example.com", "bob@contoso.example"]);
      await other.control.addAccount({ provider: "google", email: "carol@example.com", name: "Carol" });
      expect((await emu.control.state()).accounts).toHaveLength(2);
      // Tokens of one instance mean nothing to the other.
      const { tokens } = await googleSignIn(emu);
      const response = await fetch(`${other.google.origin}/calendar/v3/users/me/calendarList`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
      expect(response.status).toBe(401);
    } finally {
      await other.stop();
    }
  });

  it("starts with `npm run emulator` (EMULATOR_PORT=0), prints its URLs and serves them", async () => {
    const child = spawn("npm", ["run", "--silent", "emulator"], {
      env: { ...process.env, EMULATOR_PORT: "0" },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    try {
      const started = Date.now();
      const output = await new Promise<string>((resolve, reject) => {
        let text = "";
        const timer = setTimeout(() => reject(new Error(`No ready line: ${text}`)), 15_000);
        child.stdout.on("data", (chunk: Buffer) => {
          text += chunk.toString();
          if (text.includes("trust it with")) {
            clearTimeout(timer);
            resolve(text);
          }
        });
        child.on("exit", (code) => reject(new Error(`exited ${code}: ${text}`)));
      });
      expect(Date.now() - started).toBeLessThan(15_000);
      const web = /web page\s+(\S+)/.exec(output)?.[1];
      expect(output).toMatch(/CA certificate\s+\S+ca\.pem/);
      expect(output).toMatch(/Graph baseUrl\s+https:\/\/localhost:\d+/);
      const page = await fetch(web!);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain("alice@example.com");
    } finally {
      if (child.pid) process.kill(-child.pid, "SIGTERM");
    }
  });
});

describe("control API", () => {
  it("reports 400 for invalid input and 404 for unknown things", async () => {
    await emu.reset();
    const calendarId = await emu.control.primaryCalendarId("alice@example.com");
    await expect(emu.control.createEvent(calendarId, { summary: "bad", start: "tomorrow", end: "later" })).rejects.toMatchObject({ status: 400 });
    await expect(
      emu.control.createEvent(calendarId, { summary: "bad", start: "2030-01-01", end: "2030-01-02", recurrence: ["RRULE:FREQ=HOURLY"] }),
    ).rejects.toMatchObject({ status: 400 });
    await expect(emu.control.deleteEvent("no-such-calendar", "x")).rejects.toBeInstanceOf(EmulatorControlError);
    await expect(emu.control.expireChannel("nope")).rejects.toMatchObject({ status: 404 });
    await expect(emu.control.failNext({ endpoint: "google.events.list", status: 418 as never })).rejects.toMatchObject({ status: 400 });
  });

  it("removes a calendar from its account's list with its events, lists it again when added back, and never removes a primary one", async () => {
    await emu.reset();
    const { client } = await googleSignIn(emu);
    const calendar = googleCalendarApi(emu, client);
    const team = await emu.control.addCalendar("alice@example.com", { name: "Team", events: [{ summary: "Standup", start: "2030-01-01", end: "2030-01-02" }] });
    const listed = async () => ((await calendar.calendarList.list()).data.items ?? []).map((item) => item.id);
    expect(await listed()).toContain(team.id);
    expect(await emu.control.removeCalendar(team.id)).toMatchObject({ id: team.id, accountEmail: "alice@example.com" });
    expect(await listed()).not.toContain(team.id);
    await expect(calendar.events.list({ calendarId: team.id })).rejects.toMatchObject({ status: 404 });
    await expect(emu.control.removeCalendar(team.id)).rejects.toMatchObject({ status: 404 });
    await expect(emu.control.removeCalendar(await emu.control.primaryCalendarId("alice@example.com"))).rejects.toMatchObject({ status: 400 });
    await emu.control.addCalendar("alice@example.com", { id: team.id, name: "Team" });
    expect(await listed()).toContain(team.id);
    expect(await emu.control.listEvents(team.id)).toEqual([]);
  });

  it("counts API calls per endpoint and per account, and resets everything on reset()", async () => {
    await emu.reset();
    const { client } = await googleSignIn(emu);
    const calendar = googleCalendarApi(emu, client);
    await calendar.events.list({ calendarId: "primary" });
    await calendar.events.list({ calendarId: "primary" });
    await calendar.calendarList.list();
    const calls = await emu.control.calls();
    expect(calls.byEndpoint).toMatchObject({ "google.events.list": 2, "google.calendarList.list": 1, "google.token": 1, "google.oauth.authorize": 1 });
    expect(calls.byAccount["alice@example.com"]).toEqual({ "google.events.list": 2, "google.calendarList.list": 1 });
    const extra = await emu.control.createEvent("alice@example.com", { summary: "temporary", start: "2030-01-01", end: "2030-01-02" });
    await emu.reset();
    expect((await emu.control.calls()).byEndpoint).toEqual({});
    expect((await emu.control.listEvents("alice@example.com")).map((event) => event.id)).not.toContain(extra.id);
    await expect(calendar.events.list({ calendarId: "primary" })).rejects.toMatchObject({ status: 401 });
  });

  it("delays provider calls by the set latency until clearFaults()", async () => {
    await emu.reset();
    const { client } = await googleSignIn(emu);
    const calendar = googleCalendarApi(emu, client);
    const timed = async (call: () => Promise<unknown>) => {
      const started = performance.now();
      await call();
      return performance.now() - started;
    };
    await emu.control.setLatency(300);
    expect((await emu.control.faults()).latencyMs).toBe(300);
    expect(await timed(() => calendar.events.list({ calendarId: "primary" }))).toBeGreaterThanOrEqual(290);
    await emu.control.clearFaults();
    expect((await emu.control.faults()).latencyMs).toBe(0);
    await expect(emu.control.setLatency(-1)).rejects.toBeInstanceOf(EmulatorControlError);
  });

  it("seeds custom accounts with calendars, events and exceptions", async () => {
    await emu.reset({
      accounts: [
        {
          provider: "microsoft",
          email: "dana@fabrikam.example",
          name: "Dana",
          tenantId: "11111111-2222-3333-4444-555555555555",
          calendars: [
            {
              name: "Calendar",
              primary: true,
              timeZone: "Europe/London",
              events: [
                {
                  summary: "Series",
                  start: "2030-01-06T09:00:00",
                  end: "2030-01-06T10:00:00",
                  recurrence: ["RRULE:FREQ=WEEKLY;UNTIL=20300127"],
                  exceptions: [{ originalStart: "2030-01-13T09:00:00", cancelled: true }],
                },
              ],
            },
          ],
        },
      ],
    });
    const state = await emu.control.state();
    expect(state.accounts).toEqual([expect.objectContaining({ email: "dana@fabrikam.example", tenantId: "11111111-2222-3333-4444-555555555555" })]);
    expect(state.events.filter((event) => event.seriesMasterId)).toEqual([
      expect.objectContaining({ status: "cancelled", originalStart: { dateTime: "2030-01-13T09:00:00Z", timeZone: "Europe/London" } }),
    ]);
    expect(state.calendars[0]?.timeZone).toBe("Europe/London");
  });
});

describe("web page", () => {
  it("lists accounts, calendars and events, and its forms add, edit and delete events (notifying channels)", async () => {
    await emu.reset();
    const receiver = await new WebhookReceiver().start();
    try {
      const { client } = await googleSignIn(emu);
      await googleCalendarApi(emu, client).events.watch({ calendarId: "primary", requestBody: { id: "web-channel", type: "web_hook", address: receiver.url } });
      await receiver.waitFor((all) => all.length === 1);
      const html = await (await fetch(emu.info.webUrl)).text();
      for (const text of ["alice@example.com", "bob@contoso.example", "Planning", "Weekly review", "web-channel"]) expect(html).toContain(text);
      const post = (path: string, fields: Record<string, string>) =>
        fetch(`${emu.httpOrigin}${path}`, { method: "POST", body: new URLSearchParams(fields), redirect: "manual" });
      const added = await post("/_emulator/ui/events", {
        calendarId: "alice@example.com",
        summary: "From the page",
        start: "2030-05-01T10:00",
        end: "2030-05-01T11:00",
      });
      expect(added.status).toBe(303);
      const event = (await emu.control.listEvents("alice@example.com")).find((candidate) => candidate.summary === "From the page")!;
      expect(event.start).toEqual({ dateTime: "2030-05-01T10:00:00+02:00", timeZone: "Europe/Berlin" });
      expect(
        (
          await post("/_emulator/ui/events/update", {
            calendarId: "alice@example.com",
            eventId: event.id,
            summary: "Renamed",
            start: "2030-05-01T10:00",
            end: "2030-05-01T12:00",
          })
        ).status,
      ).toBe(303);
      expect((await emu.control.listEvents("alice@example.com")).find((candidate) => candidate.id === event.id)?.summary).toBe("Renamed");
      expect((await post("/_emulator/ui/events/delete", { calendarId: "alice@example.com", eventId: event.id })).status).toBe(303);
      expect((await emu.control.listEvents("alice@example.com")).find((candidate) => candidate.id === event.id)?.deleted).toBe(true);
      await receiver.waitFor((all) => all.length === 4);
      expect(receiver.requests.slice(1).every((request) => request.headers["x-goog-resource-state"] === "exists")).toBe(true);
      const invalid = await post("/_emulator/ui/events", { calendarId: "alice@example.com", summary: "x", start: "garbage", end: "garbage" });
      expect(invalid.status).toBe(400);
    } finally {
      await receiver.stop();
    }
  });
});
