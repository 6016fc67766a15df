import { CHANGE_TYPES } from "@/lib/api/v1/schemas";
import { replayDeliveries, sendTestEvent } from "@/lib/outbound/deliver";
import { createEndpoint, listEndpoints } from "@/lib/outbound/endpoints";
import { parseUuid, required } from "./args";
import { defineCommand, EXIT, parseOptions } from "./command";
import { commandSpec } from "./commands";
import { table } from "./format";
import { listOf, organizationOf, subcommand } from "./organization";

export const usage = `Usage: npm run calsync -- endpoints list --org <id|slug>
       npm run calsync -- endpoints add --org <id|slug> --url <https url> [--description <text>] [--events <list>]
       npm run calsync -- endpoints test --org <id|slug> --id <endpoint id>
       npm run calsync -- endpoints replay --org <id|slug> --id <endpoint id> [--delivery <delivery id>]

Outbound webhook endpoints (Standard Webhooks signatures). add prints the signing
secret once. test sends a signed test event now. replay sends one delivery again,
or, without --delivery, re-enables the endpoint and sends every failed delivery in order.

  --events   comma-separated change types (default: all): ${CHANGE_TYPES.join(", ")}

Exit code: 0 done, 1 on error (or a test delivery that failed), 64 on wrong arguments.`;

export const command = defineCommand(commandSpec("endpoints", usage), async (argv, io) => {
  const [action, rest] = subcommand(argv, ["list", "add", "test", "replay"] as const);
  const values = parseOptions(rest, {
    org: { type: "string" },
    url: { type: "string" },
    description: { type: "string" },
    events: { type: "string" },
    id: { type: "string" },
    delivery: { type: "string" },
  });
  const organization = await organizationOf(values.org);
  if (action === "add") {
    const { endpoint, secret } = await createEndpoint(organization.id, {
      url: required(values.url, "--url"),
      description: values.description ?? "",
      eventTypes: listOf(values.events, "--events", CHANGE_TYPES),
    });
    io.stderr.write(
      `Added endpoint ${endpoint.id} (${endpoint.url}); it receives changes from cursor ${endpoint.deliveredThrough} on. Signing secret (shown once):\n`,
    );
    io.stdout.write(`${secret}\n`);
    return EXIT.ok;
  }
  if (action === "test") {
    const delivery = await sendTestEvent(organization.id, parseUuid(required(values.id, "--id"), "--id"));
    io.stdout.write(
      `${delivery.status === "succeeded" ? "delivered" : "FAILED"}: ${delivery.messageId}, ${delivery.responseStatus ?? "no answer"}, ${delivery.latencyMs} ms${delivery.error ? ` (${delivery.error})` : ""}\n`,
    );
    return delivery.status === "succeeded" ? EXIT.ok : EXIT.failed;
  }
  if (action === "replay") {
    const endpointId = parseUuid(required(values.id, "--id"), "--id");
    const { replayed } = await replayDeliveries(organization.id, endpointId, values.delivery ? parseUuid(values.delivery, "--delivery") : undefined);
    io.stdout.write(
      values.delivery ? `Sent delivery ${values.delivery} again.\n` : `Re-enabled; ${replayed} failed deliveries are being sent again in order.\n`,
    );
    return EXIT.ok;
  }
  const endpoints = await listEndpoints(organization.id);
  io.stdout.write(
    `${table(
      [
        { header: "ID" },
        { header: "URL" },
        { header: "EVENTS" },
        { header: "STATE" },
        { header: "CURSOR", align: "right" },
        { header: "FAILURES", align: "right" },
      ],
      endpoints.map((endpoint) => [
        endpoint.id,
        endpoint.url,
        endpoint.eventTypes.join(",") || "all",
        endpoint.enabled ? "enabled" : `disabled${endpoint.disabledReason ? `: ${endpoint.disabledReason}` : ""}`,
        endpoint.deliveredThrough,
        String(endpoint.consecutiveFailures),
      ]),
    )}\n`,
  );
  return EXIT.ok;
});

export const run = command.run;
