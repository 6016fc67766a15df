// RS256 signing keys for id tokens, published as JWKS (and, for Google, as
// PEM certificates: google-auth-library's verifyIdToken reads those).

import { createHash, createPrivateKey, createPublicKey, generateKeyPair, sign, X509Certificate, type KeyObject } from "node:crypto";
import { promisify } from "node:util";
import { generate } from "selfsigned";
import { randomToken } from "./opaque";

const generateRsaKeyPair = promisify(generateKeyPair);

export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicJwk: Record<string, unknown>;
  /** Self-signed X.509 certificate over the public key (Google's `oauth2/v1/certs` format). */
  certificatePem: string;
}

export async function createSigningKey(commonName: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateRsaKeyPair("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
  });
  const kid = randomToken("", 40).replace(/[-_]/g, "a");
  const certificate = await generate([{ name: "commonName", value: commonName }], {
    keyPair: { privateKey, publicKey },
    algorithm: "sha256",
  });
  const der = new X509Certificate(certificate.cert).raw.toString("base64");
  const jwk = createPublicKey(publicKey).export({ format: "jwk" });
  return {
    kid,
    privateKey: createPrivateKey(privateKey),
    publicJwk: { ...jwk, kid, use: "sig", alg: "RS256", x5c: [der] },
    certificatePem: certificate.cert,
  };
}

export function signJwt(key: SigningKey, claims: Record<string, unknown>): string {
  const header = Buffer.from(JSON.stringify({ alg: "RS256", kid: key.kid, typ: "JWT" })).toString("base64url");
  const payload = Buffer.from(JSON.stringify(claims)).toString("base64url");
  const signature = sign("RSA-SHA256", Buffer.from(`${header}.${payload}`), key.privateKey).toString("base64url");
  return `${header}.${payload}.${signature}`;
}

/** OpenID `at_hash`: left half of the SHA-256 of the access token. */
export function accessTokenHash(accessToken: string): string {
  const digest = createHash("sha256").update(accessToken).digest();
  return digest.subarray(0, digest.length / 2).toString("base64url");
}

/** Decodes a JWT payload without verifying it (tests and the web page). */
export function decodeJwtPayload(token: string): Record<string, unknown> {
  const payload = token.split(".")[1] ?? "";
  return JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Record<string, unknown>;
}
