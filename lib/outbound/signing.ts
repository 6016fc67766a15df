import { createHmac, randomBytes } from "node:crypto";

// Standard Webhooks signatures (https://www.standardwebhooks.com): HMAC-SHA256 over
// "<webhook-id>.<webhook-timestamp>.<body>" with the secret's bytes (base64 after
// "whsec_"), sent as "v1,<base64>"; several space-separated during a secret rotation.

const SECRET_PREFIX = "whsec_";

export const newWebhookSecret = () => SECRET_PREFIX + randomBytes(24).toString("base64");

function secretBytes(secret: string): Buffer {
  if (!secret.startsWith(SECRET_PREFIX)) throw new Error("a webhook secret starts with whsec_");
  return Buffer.from(secret.slice(SECRET_PREFIX.length), "base64");
}

export function signature(secret: string, messageId: string, timestampSeconds: number, body: string): string {
  return `v1,${createHmac("sha256", secretBytes(secret)).update(`${messageId}.${timestampSeconds}.${body}`).digest("base64")}`;
}

/** The three headers of a delivery, signed with every live secret (current first). */
export function signedHeaders(secrets: string[], messageId: string, timestampSeconds: number, body: string): Record<string, string> {
  return {
    "webhook-id": messageId,
    "webhook-timestamp": String(timestampSeconds),
    "webhook-signature": secrets.map((secret) => signature(secret, messageId, timestampSeconds, body)).join(" "),
  };
}
