import { GOOGLE_BODY_LIMIT, readBodyLimited } from "@/lib/http/body";
import { parseGoogleHeaders, recordGoogleNotification } from "@/lib/webhooks/google";
import { handOff } from "@/lib/webhooks/handoff";
import { intake } from "@/lib/webhooks/intake";

// Google Calendar push notifications. Kept free of googleapis and lib/providers
// (a test walks the imports): a cold start here must not load an SDK.
export async function POST(request: Request): Promise<Response> {
  return intake(request, "google", "webhooks/google", async (context) => {
    // Google sends no body; reading it enforces the limit on anyone who does.
    await readBodyLimited(request, GOOGLE_BODY_LIMIT);
    const notification = parseGoogleHeaders(request.headers);
    context.note({ channelId: notification.channelId, messageNumber: notification.messageNumber, resourceState: notification.resourceState });

    // Committed before anything else happens: a 2xx below means the row is durable.
    const recorded = await recordGoogleNotification(notification, request.headers, context);
    context.note({ eventId: recorded.eventId, organizationId: recorded.organizationId, subscriptionId: recorded.subscriptionId });
    if (recorded.handOff) await handOff(context, [recorded.handOff]);

    // A retired channel (one we stopped or replaced) is acknowledged, not stored.
    const outcome = recorded.status === "pending" ? "accepted" : recorded.status;
    return { status: 200, outcome };
  });
}
