// TLS material for the HTTPS listener: a throwaway CA and a leaf for
// localhost/127.0.0.1/::1 signed by it. EC P-256 keeps generation around
// 30 ms (RSA via selfsigned is several times slower). Nothing is committed:
// the CA certificate is written to a temp directory so a separate app process
// can trust it with NODE_EXTRA_CA_CERTS.

import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { generate } from "selfsigned";

export interface TlsMaterial {
  caCertPem: string;
  keyPem: string;
  certPem: string;
}

const TEN_YEARS_MS = 10 * 365 * 86_400_000;

export async function createTlsMaterial(): Promise<TlsMaterial> {
  const notBeforeDate = new Date(Date.now() - 86_400_000);
  const notAfterDate = new Date(Date.now() + TEN_YEARS_MS);
  const ca = await generate([{ name: "commonName", value: "calsync provider emulator CA" }], {
    keyType: "ec",
    algorithm: "sha256",
    notBeforeDate,
    notAfterDate,
    extensions: [
      { name: "basicConstraints", cA: true, critical: true },
      { name: "keyUsage", keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  const leaf = await generate([{ name: "commonName", value: "localhost" }], {
    keyType: "ec",
    algorithm: "sha256",
    notBeforeDate,
    notAfterDate,
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: "basicConstraints", cA: false },
      { name: "keyUsage", digitalSignature: true, critical: true },
      { name: "extKeyUsage", serverAuth: true },
      {
        name: "subjectAltName",
        altNames: [
          { type: 2, value: "localhost" },
          { type: 7, ip: "127.0.0.1" },
          { type: 7, ip: "::1" },
        ],
      },
    ],
  });
  return { caCertPem: ca.cert, keyPem: leaf.private, certPem: leaf.cert };
}

/** Writes `ca.pem` into `directory` (created if needed) and returns its path. */
export function writeCaCertificate(material: TlsMaterial, directory: string): string {
  mkdirSync(directory, { recursive: true });
  const caPath = path.join(directory, "ca.pem");
  writeFileSync(caPath, material.caCertPem);
  return caPath;
}
