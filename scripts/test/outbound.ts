import http from "node:http";
import type { AddressInfo } from "node:net";

// A local webhook receiver for tests and the benchmark: records every request (its
// headers and raw body) and answers with the status `respond` picks for the nth one.

export interface ReceivedWebhook {
  headers: Record<string, string>;
  body: string;
}

export interface Receiver {
  url: string;
  received: ReceivedWebhook[];
  /** Changes what the next requests are answered with. */
  respond: (nth: number, request: ReceivedWebhook) => number;
  close(): Promise<void>;
}

export async function startReceiver(respond: Receiver["respond"] = () => 200): Promise<Receiver> {
  const receiver: Receiver = { url: "", received: [], respond, close: async () => {} };
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const headers = Object.fromEntries(
        Object.entries(request.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(", ") : (value ?? "")]),
      );
      const webhook = { headers, body: Buffer.concat(chunks).toString("utf8") };
      receiver.received.push(webhook);
      response.statusCode = receiver.respond(receiver.received.length, webhook);
      response.end();
    });
  });
  server.keepAliveTimeout = 1_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  receiver.close = () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve())));
  return receiver;
}
