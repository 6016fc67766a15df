import { randomUUID } from "node:crypto";
import type { Database } from "@/lib/db/client";
import { secretHash } from "@/lib/subscriptions/identity";

// Fixtures for the webhook integration tests: an organization with one Google and
// one Microsoft connection, their calendars and push subscriptions, each secret
// known to the test and stored only as its hash, as production stores it.

export interface WebhookFixture {
  organizationId: string;
  google: {
    connectionId: string;
    calendarId: string;
    /** A calendar whose sync is off: its notifications are recorded, not acted on. */
    disabledCalendarId: string;
    channelId: string;
    resourceId: string;
    token: string;
    subscriptionId: string;
    disabledChannelId: string;
    disabledToken: string;
    /** A channel renewal replaced, not yet stopped: still routes with its own token. */
    replacedChannelId: string;
    replacedResourceId: string;
    replacedToken: string;
    /** Replaced and stopped an hour ago: past the grace period. */
    stoppedChannelId: string;
    stoppedToken: string;
  };
  microsoft: {
    connectionId: string;
    calendarIds: string[];
    disabledCalendarId: string;
    externalId: string;
    clientState: string;
    subscriptionId: string;
  };
}

export async function seedWebhookFixture(client: Database): Promise<WebhookFixture> {
  const tag = randomUUID().slice(0, 8);
  const organization = await client.organization.create({ data: { name: "Acme", slug: `acme-${tag}` } });
  const organizationId = organization.id;

  const googleConnection = await client.calendarConnection.create({
    data: { organizationId, provider: "google", providerAccountId: `g-${tag}`, accountEmail: `alice-${tag}@example.com`, scopes: ["calendar.readonly"] },
  });
  const calendar = await client.calendar.create({
    data: { organizationId, connectionId: googleConnection.id, providerCalendarId: `primary-${tag}`, name: "Alice", syncEnabled: true },
  });
  const disabledCalendar = await client.calendar.create({
    data: { organizationId, connectionId: googleConnection.id, providerCalendarId: `team-${tag}`, name: "Team", syncEnabled: false },
  });
  const google = {
    connectionId: googleConnection.id,
    calendarId: calendar.id,
    disabledCalendarId: disabledCalendar.id,
    channelId: `chan-${tag}`,
    resourceId: `res-${tag}`,
    token: `tok+/=${tag}-current`,
    subscriptionId: "",
    disabledChannelId: `chan-off-${tag}`,
    disabledToken: `tok-${tag}-off`,
    replacedChannelId: `chan-old-${tag}`,
    replacedResourceId: `res-old-${tag}`,
    replacedToken: `tok-${tag}-old`,
    stoppedChannelId: `chan-ancient-${tag}`,
    stoppedToken: `tok-${tag}-ancient`,
  };
  const subscription = await client.webhookSubscription.create({
    data: {
      organizationId,
      connectionId: googleConnection.id,
      calendarId: calendar.id,
      provider: "google",
      externalId: google.channelId,
      resourceId: google.resourceId,
      resource: `https://www.googleapis.com/calendar/v3/calendars/primary-${tag}/events`,
      secretHash: secretHash(google.token),
      status: "active",
    },
  });
  google.subscriptionId = subscription.id;
  await client.webhookSubscription.create({
    data: {
      organizationId,
      connectionId: googleConnection.id,
      calendarId: disabledCalendar.id,
      provider: "google",
      externalId: google.disabledChannelId,
      resourceId: `res-off-${tag}`,
      secretHash: secretHash(google.disabledToken),
      status: "active",
    },
  });
  await client.replacedSubscriptionId.createMany({
    data: [
      {
        organizationId,
        subscriptionId: subscription.id,
        externalId: google.replacedChannelId,
        resourceId: google.replacedResourceId,
        secretHash: secretHash(google.replacedToken),
      },
      {
        organizationId,
        subscriptionId: subscription.id,
        externalId: google.stoppedChannelId,
        resourceId: `res-ancient-${tag}`,
        secretHash: secretHash(google.stoppedToken),
        stoppedAt: new Date(Date.now() - 60 * 60_000),
      },
    ],
  });

  const msConnection = await client.calendarConnection.create({
    data: { organizationId, provider: "microsoft", providerAccountId: `m-${tag}`, accountEmail: `bob-${tag}@contoso.example`, scopes: ["Calendars.Read"] },
  });
  const msCalendars = [];
  for (const [index, syncEnabled] of [true, true, false].entries()) {
    msCalendars.push(
      await client.calendar.create({
        data: { organizationId, connectionId: msConnection.id, providerCalendarId: `ms-cal-${index}-${tag}`, name: `Calendar ${index}`, syncEnabled },
      }),
    );
  }
  const microsoft = {
    connectionId: msConnection.id,
    calendarIds: msCalendars.filter((c) => c.syncEnabled).map((c) => c.id),
    disabledCalendarId: msCalendars.find((c) => !c.syncEnabled)!.id,
    externalId: randomUUID(),
    clientState: `cs+/= ${tag}%2B`,
    subscriptionId: "",
  };
  const msSubscription = await client.webhookSubscription.create({
    data: {
      organizationId,
      connectionId: msConnection.id,
      provider: "microsoft",
      externalId: microsoft.externalId,
      resource: "me/events",
      secretHash: secretHash(microsoft.clientState),
      status: "active",
    },
  });
  microsoft.subscriptionId = msSubscription.id;
  return { organizationId, google, microsoft };
}
