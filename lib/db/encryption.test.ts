import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { DecryptionError, EncryptionConfigError, isSealed, loadKeyRing, needsRotation, open, seal } from "@/lib/db/encryption";

const key = () => randomBytes(32).toString("base64");

describe("seal and open", () => {
  const ring = loadKeyRing({ ENCRYPTION_KEY: key() });

  it("round-trips, with a fresh IV every time and no plaintext in the output", () => {
    const token = "ya29.a0AfH6SMBrefresh-token-value";
    const a = seal(token, ring);
    const b = seal(token, ring);
    expect(a).not.toBe(b);
    expect(a).not.toContain(token);
    expect(isSealed(a)).toBe(true);
    expect(a.split(":")[1]).toBe(ring.current.id);
    expect(open(a, ring)).toBe(token);
    expect(open(b, ring)).toBe(token);
  });

  it("refuses a value altered in any part", () => {
    const sealed = seal("secret", ring);
    const parts = sealed.split(":");
    const flipped = (s: string) => (s[0] === "A" ? "B" : "A") + s.slice(1);
    for (const index of [2, 3, 4]) {
      const altered = parts.map((p, i) => (i === index ? flipped(p) : p)).join(":");
      expect(() => open(altered, ring)).toThrow(DecryptionError);
    }
    expect(() => open("plaintext-token", ring)).toThrow(DecryptionError);
  });

  it("rotates: values sealed with a previous key still open; new ones use the current key", () => {
    const oldKey = key();
    const before = loadKeyRing({ ENCRYPTION_KEY: oldKey });
    const sealed = seal("secret", before);
    const after = loadKeyRing({ ENCRYPTION_KEY: key(), ENCRYPTION_KEYS_PREVIOUS: oldKey });
    expect(open(sealed, after)).toBe("secret");
    expect(needsRotation(sealed, after)).toBe(true);
    expect(needsRotation(seal("secret", after), after)).toBe(false);
    expect(() => open(sealed, loadKeyRing({ ENCRYPTION_KEY: key() }))).toThrow(/neither ENCRYPTION_KEY nor/);
  });
});

describe("loadKeyRing", () => {
  it("requires ENCRYPTION_KEY in production, and a 32-byte one anywhere", () => {
    expect(() => loadKeyRing({ NODE_ENV: "production" })).toThrow(EncryptionConfigError);
    expect(() => loadKeyRing({ ENCRYPTION_KEY: Buffer.alloc(16).toString("base64") })).toThrow(/decodes to 16 bytes/);
  });

  it("generates a key once under the data directory for the embedded default", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "calsync-keys-"));
    try {
      const first = loadKeyRing({ CALSYNC_DATA_DIR: dir });
      const second = loadKeyRing({ CALSYNC_DATA_DIR: dir });
      expect(second.current.id).toBe(first.current.id);
      const file = path.join(dir, "encryption.key");
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      expect(open(seal("x", first), second)).toBe("x");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
