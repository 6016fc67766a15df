import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { isProduction, type Env } from "@/lib/config";
import { localSecret } from "@/lib/local-secret";

/**
 * AES-256-GCM for secrets at rest (OAuth tokens). A sealed value names the key that
 * sealed it, so keys rotate without a migration: new writes use the current key,
 * reads accept the current and any previous one.
 *
 *   v1:<key id>:<iv, base64url>:<auth tag, base64url>:<ciphertext, base64url>
 *
 * Meant to be applied once, at the data layer; nothing else handles these columns.
 */

const FORMAT = "v1";

export interface EncryptionKey {
  id: string;
  key: Buffer;
}

export interface KeyRing {
  current: EncryptionKey;
  /** Every key that may have sealed a stored value, the current one included. */
  byId: ReadonlyMap<string, EncryptionKey>;
}

export class EncryptionConfigError extends Error {
  override readonly name = "EncryptionConfigError";
}

export class DecryptionError extends Error {
  override readonly name = "DecryptionError";
}

/** A key's id: derived from the key, so the same key always has the same id. */
function keyId(key: Buffer): string {
  return createHash("sha256").update(key).digest("base64url").slice(0, 8);
}

/** Parses one key: 32 bytes, base64 or base64url (`openssl rand -base64 32`). */
export function parseKey(text: string, source: string): EncryptionKey {
  const key = Buffer.from(text.trim(), "base64");
  if (key.length !== 32) {
    throw new EncryptionConfigError(`${source} must be 32 random bytes, base64-encoded (openssl rand -base64 32); it decodes to ${key.length} bytes`);
  }
  return { id: keyId(key), key };
}

/**
 * The key ring from the environment:
 * - `ENCRYPTION_KEY`: the current key. Required in production.
 * - `ENCRYPTION_KEYS_PREVIOUS`: comma-separated retired keys, still accepted for reading.
 * Without `ENCRYPTION_KEY` outside production, a key is generated once and kept in
 * `<data dir>/encryption.key`, so the embedded default needs no set-up.
 */
export function loadKeyRing(env: Env = process.env): KeyRing {
  let current: EncryptionKey;
  if (env.ENCRYPTION_KEY?.trim()) {
    current = parseKey(env.ENCRYPTION_KEY, "ENCRYPTION_KEY");
  } else if (isProduction(env)) {
    throw new EncryptionConfigError("ENCRYPTION_KEY is required in production (openssl rand -base64 32)");
  } else {
    current = parseKey(localSecret("encryption.key", env), "the generated key in .data/encryption.key");
  }
  const byId = new Map<string, EncryptionKey>([[current.id, current]]);
  for (const [index, text] of (env.ENCRYPTION_KEYS_PREVIOUS ?? "").split(",").entries()) {
    if (!text.trim()) continue;
    const previous = parseKey(text, `ENCRYPTION_KEYS_PREVIOUS[${index}]`);
    byId.set(previous.id, previous);
  }
  return { current, byId };
}

export function seal(plaintext: string, ring: KeyRing): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", ring.current.key, iv);
  const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [FORMAT, ring.current.id, iv.toString("base64url"), tag.toString("base64url"), ciphertext.toString("base64url")].join(":");
}

export function isSealed(value: string): boolean {
  return value.startsWith(`${FORMAT}:`) && value.split(":").length === 5;
}

export function open(sealed: string, ring: KeyRing): string {
  const parts = sealed.split(":");
  if (parts.length !== 5 || parts[0] !== FORMAT) throw new DecryptionError("not a sealed value");
  const [, id, iv, tag, ciphertext] = parts as [string, string, string, string, string];
  const key = ring.byId.get(id);
  if (!key) throw new DecryptionError(`sealed with key ${id}, which is neither ENCRYPTION_KEY nor in ENCRYPTION_KEYS_PREVIOUS`);
  try {
    const decipher = createDecipheriv("aes-256-gcm", key.key, Buffer.from(iv, "base64url"));
    decipher.setAuthTag(Buffer.from(tag, "base64url"));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, "base64url")), decipher.final()]).toString("utf8");
  } catch {
    // Never echo the value: it is a secret, even when damaged.
    throw new DecryptionError(`sealed value under key ${id} failed authentication (damaged or altered)`);
  }
}

/** True when a value was sealed with a key other than the current one (re-seal it). */
export function needsRotation(sealed: string, ring: KeyRing): boolean {
  return keyIdOf(sealed) !== ring.current.id;
}

/** The id of the key that sealed a value (the format's second field). */
export function keyIdOf(sealed: string): string {
  return sealed.split(":")[1] ?? "";
}

/** The same, as a SQL expression over a column (for counting without decrypting). */
export function sqlKeyIdOf(column: string): string {
  return `split_part(${column}, ':', 2)`;
}
