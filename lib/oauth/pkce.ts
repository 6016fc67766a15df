import { createHash, randomBytes } from "node:crypto";

/** A random URL-safe string of `bytes` bytes of entropy. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString("base64url");
}

/** RFC 7636: a 43-character verifier (32 random bytes) and its S256 challenge. */
export function createPkcePair(): { verifier: string; challenge: string } {
  const verifier = randomToken(32);
  return { verifier, challenge: s256(verifier) };
}

export function s256(value: string): string {
  return createHash("sha256").update(value).digest("base64url");
}

/** Hex SHA-256, for storing secrets we only ever compare (state, channel secrets). */
export function sha256Hex(value: string): string {
  return createHash("sha256").update(value).digest("hex");
}
