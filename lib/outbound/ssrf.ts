import dns from "node:dns";
import net from "node:net";
import { envFlag, isProduction, type Env } from "@/lib/config";

// Where calsync may send a webhook. In production (NODE_ENV=production, unless
// OUTBOUND_ALLOW_PRIVATE=1) only https, and never to an address that is loopback,
// private, link-local (cloud metadata lives there), CGNAT, multicast or unspecified.
// The check runs on the addresses DNS gives at connection time, inside the socket's
// own lookup, so a name cannot pass the check and then resolve elsewhere; redirects
// are never followed (lib/outbound/deliver.ts). Development allows localhost.

export class DestinationRefused extends Error {
  override readonly name = "DestinationRefused";
}

export function strictDestinations(env: Env = process.env): boolean {
  return isProduction(env) && !envFlag(env, "OUTBOUND_ALLOW_PRIVATE");
}

const BLOCKED = new net.BlockList();
for (const [address, prefix] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const)
  BLOCKED.addSubnet(address, prefix, "ipv4");
for (const [address, prefix] of [
  ["::", 128],
  ["::1", 128],
  ["fc00::", 7],
  ["fe80::", 10],
  ["ff00::", 8],
  ["64:ff9b::", 96],
] as const)
  BLOCKED.addSubnet(address, prefix, "ipv6");

/** Whether an IP address is one a webhook must never reach in production. */
export function isBlockedAddress(address: string): boolean {
  const family = net.isIP(address);
  if (family === 0) return true;
  if (family === 6) {
    // IPv4-mapped (::ffff:10.0.0.1): judged as the IPv4 address it is.
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped) return BLOCKED.check(mapped[1]!, "ipv4");
    return BLOCKED.check(address, "ipv6");
  }
  return BLOCKED.check(address, "ipv4");
}

/** The URL's own rules, before any connection: scheme, no credentials. */
export function checkUrl(raw: string, strict = strictDestinations()): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new DestinationRefused("not a URL");
  }
  if (url.protocol !== "https:" && !(url.protocol === "http:" && !strict))
    throw new DestinationRefused(strict ? "endpoint URLs must be https" : "endpoint URLs must be http or https");
  if (url.username || url.password) throw new DestinationRefused("endpoint URLs must not carry credentials");
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (strict && net.isIP(host) && isBlockedAddress(host)) throw new DestinationRefused(`${host} is not a public address`);
  return url;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => void;

/** A socket `lookup` that refuses blocked addresses when strict (every address DNS gave must be public). */
export function guardedLookup(strict = strictDestinations()) {
  return (hostname: string, options: dns.LookupOptions, callback: LookupCallback) => {
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      const list = addresses as dns.LookupAddress[];
      const refused = strict ? list.find((entry) => isBlockedAddress(entry.address)) : undefined;
      if (refused)
        return callback(
          Object.assign(new DestinationRefused(`${hostname} resolves to ${refused.address}, not a public address`), { code: "EREFUSED_DESTINATION" }),
          [],
        );
      if (options.all) return callback(null, list);
      const first = list[0];
      if (!first) return callback(Object.assign(new Error(`no address for ${hostname}`), { code: "ENOTFOUND" }), []);
      callback(null, first.address, first.family);
    });
  };
}
