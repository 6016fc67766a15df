import {
  buildNotification,
  DeliveryError,
  deliver,
  forgedAnswer,
  forgedSecret,
  isExpectedAnswer,
  loadSimulationTarget,
  SIMULATED_CHANGE_TYPES,
  webhookUrl,
  type DeliveryResult,
} from "@/lib/webhooks/simulate";
import { oneOf, parsePositiveInt, required } from "./args";
import { CliError, defineCommand, EXIT, parseOptions, UsageError } from "./command";
import { commandSpec } from "./commands";
import { formatMs, formatWhen, plural, truncate } from "./format";
import { progress } from "./progress";
import { errorMessage } from "@/lib/format";

const MAX_COUNT = 1_000;
const BODY_SHOWN = 500;

export const usage = `Usage: npm run calsync -- test-webhook --subscription <id|external id> --url <URL>
                                    [--forge] [--change-type created|updated|deleted] [--count N]

Sends a notification exactly as Google (channel headers, no body) or Microsoft
Graph (a JSON batch) would for an existing subscription, signed with its stored
secret, and prints each answer: status, latency, request id and body. The
secret itself is never printed.

  --subscription <id>   our subscription id, or the provider's channel/subscription id
  --url <URL>           the app's origin (https://calsync.example.com: the route
                        /api/webhooks/<provider> is added) or a full URL, used as given
  --forge               sign with a wrong secret instead; the route must answer 401
                        (Google) or 202 with nothing stored (Graph, as Microsoft advises)
  --change-type <type>  Graph changeType (default updated); Google sends "exists" for all
  --count <N>           send N notifications one after another (default 1, at most ${MAX_COUNT})

Each notification is a new one (a fresh Google message number, a fresh Graph
event id and etag), so it is stored and, on a synced calendar, starts a sync.

Exit code: 0 when every answer was the expected one (2xx; with --forge 401 for Google, 202 for Graph),
1 otherwise or on error, 64 on wrong arguments.`;

export const command = defineCommand(commandSpec("test-webhook", usage), async (argv, io) => {
  const values = parseOptions(argv, {
    subscription: { type: "string" },
    url: { type: "string" },
    forge: { type: "boolean", default: false },
    "change-type": { type: "string" },
    count: { type: "string" },
  });
  const reference = required(values.subscription, "--subscription").trim();
  const base = required(values.url, "--url");
  const changeType = values["change-type"] === undefined ? "updated" : oneOf(values["change-type"], "--change-type", SIMULATED_CHANGE_TYPES);
  const count = values.count === undefined ? 1 : parsePositiveInt(values.count, "--count", MAX_COUNT);
  const forged = values.forge;
  const endpoint = (provider: "google" | "microsoft") => {
    try {
      return webhookUrl(base, provider);
    } catch (err) {
      throw new UsageError(`--url: ${errorMessage(err)}`);
    }
  };
  // A malformed --url fails before the database is opened.
  endpoint("google");

  const { target, secret } = await loadSimulationTarget(reference);
  if (!forged && !secret) {
    throw new CliError(
      `subscription ${target.subscriptionId} has no stored secret (registered before secrets were kept, it gets one when next recreated); only --forge works for it`,
    );
  }
  const url = endpoint(target.provider);
  const now = new Date();
  io.stdout.write(
    `Sending ${plural(count, `${forged ? "forged " : ""}${target.provider} notification`)} for subscription ${target.subscriptionId}\n` +
      `  external id ${target.externalId}, ${target.accountEmail}, ${target.status}, expires ${formatWhen(target.expiresAt, now)}\n` +
      `  to ${url}\n`,
  );

  const results: DeliveryResult[] = [];
  const bar = count > 1 ? progress(io.stderr, "sending", { total: count }) : null;
  try {
    for (let index = 0; index < count; index += 1) {
      const request = buildNotification(target, { secret: forged ? forgedSecret() : secret!, changeType });
      const result = await deliver(url, request);
      results.push(result);
      bar?.update(index + 1);
      io.stdout.write(`${describeAnswer(index + 1, result, forged, target.provider)}\n`);
    }
  } catch (err) {
    if (err instanceof DeliveryError) throw new CliError(err.message);
    throw err;
  } finally {
    bar?.finish();
  }

  const unexpected = results.filter((result) => !isExpectedAnswer(result.status, forged, target.provider)).length;
  if (count > 1) io.stdout.write(`${summary(results)}\n`);
  if (unexpected > 0) {
    io.stderr.write(`error: ${plural(unexpected, "answer")} of ${count} not the expected ${forged ? forgedAnswer(target.provider) : "2xx"}\n`);
    return EXIT.failed;
  }
  return EXIT.ok;
});

export const run = command.run;

function describeAnswer(ordinal: number, result: DeliveryResult, forged: boolean, provider: "google" | "microsoft"): string {
  const verdict = isExpectedAnswer(result.status, forged, provider) ? "" : `  (expected ${forged ? forgedAnswer(provider) : "2xx"})`;
  const body = result.body.length === 0 ? "(empty body)" : truncate(result.body, BODY_SHOWN);
  return `#${ordinal}  ${result.status} ${result.statusText}  ${formatMs(result.latencyMs)}  request ${result.requestId ?? "-"}  ${body}${verdict}`;
}

function summary(results: DeliveryResult[]): string {
  const byStatus = new Map<number, number>();
  for (const result of results) byStatus.set(result.status, (byStatus.get(result.status) ?? 0) + 1);
  const latencies = results.map((result) => result.latencyMs).sort((a, b) => a - b);
  const median = latencies[Math.floor((latencies.length - 1) / 2)] ?? 0;
  const slowest = latencies[latencies.length - 1] ?? 0;
  const statuses = [...byStatus].map(([status, times]) => `${times} × ${status}`).join(", ");
  return `${results.length} sent: ${statuses}; latency median ${formatMs(median)}, max ${formatMs(slowest)}`;
}
