// Opaque tokens (sync tokens, page tokens, delta/skip tokens) and random ids.
// Tokens carry their own state, signed with a per-instance secret, so a client
// cannot forge or edit one and a token from another emulator instance is
// rejected like a token from another Google project would be.

import { createHmac, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";

export class OpaqueTokenCodec {
  constructor(private readonly secret: Buffer = randomBytes(32)) {}

  encode(kind: string, payload: object): string {
    const body = Buffer.from(JSON.stringify({ k: kind, p: payload })).toString("base64url");
    return `${body}.${this.sign(body)}`;
  }

  /** The payload, or undefined when the token is malformed, tampered with or of another kind. */
  decode<T>(kind: string, token: string): T | undefined {
    const dot = token.lastIndexOf(".");
    if (dot <= 0) return undefined;
    const body = token.slice(0, dot);
    const signature = Buffer.from(token.slice(dot + 1));
    const expected = Buffer.from(this.sign(body));
    if (signature.length !== expected.length || !timingSafeEqual(signature, expected)) return undefined;
    try {
      const decoded = JSON.parse(Buffer.from(body, "base64url").toString("utf8")) as { k?: unknown; p?: unknown };
      return decoded.k === kind ? (decoded.p as T) : undefined;
    } catch {
      return undefined;
    }
  }

  private sign(body: string): string {
    return createHmac("sha256", this.secret).update(body).digest("base64url").slice(0, 16);
  }
}

/** Random string over an alphabet, e.g. Google's base32hex event ids. */
export function randomString(length: number, alphabet: string): string {
  const bytes = randomBytes(length);
  let out = "";
  for (let i = 0; i < length; i += 1) out += alphabet[(bytes[i] ?? 0) % alphabet.length];
  return out;
}

export const BASE32HEX_LOWER = "0123456789abcdefghijklmnopqrstuv";
const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

export function randomToken(prefix: string, length = 48): string {
  return prefix + randomString(length, ALPHANUMERIC + "-_");
}

export function newGuid(): string {
  return randomUUID();
}

/** Base64url of `text`; used to derive stable, opaque provider ids from internal keys. */
export function opaqueIdFrom(text: string): string {
  return Buffer.from(text).toString("base64url");
}
