import { BlockList, isIP } from "node:net";
import type { Env } from "@/lib/config";
import type { WebhookProvider } from "@/lib/webhooks/metrics";

/**
 * Where a webhook request came from, as far as we can trust it: the failure budget
 * (lib/webhooks/rate-limit.ts) is kept per source, and the optional allowlists
 * admit only the providers' published ranges.
 *
 * A client-supplied X-Forwarded-For is never believed by default: anyone can send
 * one, to spend a provider's budget or to escape their own. The address comes from:
 * - WEBHOOK_CLIENT_IP_HEADER, a header that the proxy in front of us sets and a
 *   client cannot (`x-vercel-forwarded-for` on Vercel); it may be a list, of which
 *   the rightmost WEBHOOK_TRUSTED_PROXY_HOPS entries (1) were written by our proxies;
 * - WEBHOOK_TRUSTED_PROXY_HOPS alone: X-Forwarded-For behind that many proxies that
 *   each append the address they were reached from, so the entry that many places
 *   from the right is the one the outermost proxy saw;
 * - otherwise the socket, when the server in front of the route handlers passes it
 *   on (`bindSocketAddress`). Next's own server does not expose it to route
 *   handlers, so under `next start` without a proxy setting the source is unknown:
 *   every failure shares one budget, which only decides how cheaply unverified
 *   requests are refused, never whether a verified one is answered.
 */

export interface SourceSettings {
  /** Lower-case header our proxy sets, or null: the socket. */
  header: string | null;
  /** Entries from the right of `header`'s list written by our proxies. */
  hops: number;
  /** Per provider, the sources admitted; null admits every source. */
  allowed: Record<WebhookProvider, BlockList | null>;
}

export class SourceConfigError extends Error {
  override readonly name = "SourceConfigError";
}

export const ALLOWLIST_VARIABLES: Record<WebhookProvider, string> = {
  google: "WEBHOOK_ALLOWED_SOURCES_GOOGLE",
  microsoft: "WEBHOOK_ALLOWED_SOURCES_MICROSOFT",
};

/** A comma- or space-separated list of CIDRs (or single addresses), IPv4 and IPv6. */
export function parseAllowlist(variable: string, value: string | undefined): BlockList | null {
  const entries = (value ?? "").split(/[\s,]+/).filter(Boolean);
  if (entries.length === 0) return null;
  const list = new BlockList();
  for (const entry of entries) {
    const [address = "", prefix, extra] = entry.split("/");
    const family = isIP(address);
    const bits = family === 6 ? 128 : 32;
    const length = prefix === undefined ? bits : /^\d{1,3}$/.test(prefix) ? Number(prefix) : NaN;
    if (family === 0 || extra !== undefined || !(length >= 0 && length <= bits)) {
      throw new SourceConfigError(`${variable}: "${entry}" is not an IPv4 or IPv6 address or CIDR range (e.g. 66.102.0.0/20, 2001:4860::/32)`);
    }
    list.addSubnet(address, length, family === 6 ? "ipv6" : "ipv4");
  }
  return list;
}

/** Reads WEBHOOK_CLIENT_IP_HEADER, WEBHOOK_TRUSTED_PROXY_HOPS and the allowlists; throws SourceConfigError naming a bad value. */
export function sourceSettings(env: Env = process.env): SourceSettings {
  const header = env.WEBHOOK_CLIENT_IP_HEADER?.trim().toLowerCase() || null;
  const hopsText = env.WEBHOOK_TRUSTED_PROXY_HOPS?.trim();
  if (header !== null && !/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(header)) throw new SourceConfigError(`WEBHOOK_CLIENT_IP_HEADER: "${header}" is not a header name`);
  if (hopsText && !/^[1-9]\d{0,1}$/.test(hopsText)) throw new SourceConfigError(`WEBHOOK_TRUSTED_PROXY_HOPS: "${hopsText}" is not a whole number from 1 to 99`);
  return {
    header: header ?? (hopsText ? "x-forwarded-for" : null),
    hops: hopsText ? Number(hopsText) : 1,
    allowed: {
      google: parseAllowlist(ALLOWLIST_VARIABLES.google, env[ALLOWLIST_VARIABLES.google]),
      microsoft: parseAllowlist(ALLOWLIST_VARIABLES.microsoft, env[ALLOWLIST_VARIABLES.microsoft]),
    },
  };
}

// On globalThis, like the limiter: one parse per process however many route bundles load this.
const holder = globalThis as unknown as { __calsyncWebhookSources?: SourceSettings };

/** The process's settings, parsed once (instrumentation.ts parses them at start, so a bad entry stops the server). */
export function webhookSourceSettings(): SourceSettings {
  holder.__calsyncWebhookSources ??= sourceSettings();
  return holder.__calsyncWebhookSources;
}

/** Replaces the process's settings (tests); null goes back to the environment's on next use. */
export function replaceWebhookSourceSettings(settings: SourceSettings | null): void {
  holder.__calsyncWebhookSources = settings ?? undefined;
}

const socketAddresses = new WeakMap<Request, string>();

/** For a server that builds the Request itself (scripts/test/app.ts): the peer address of its socket. */
export function bindSocketAddress(request: Request, address: string | undefined): void {
  if (address) socketAddresses.set(request, address);
}

/** "::ffff:192.0.2.1" and "192.0.2.1" are one source. */
function normalized(address: string): string | null {
  // Some proxies write "192.0.2.1:5678" or "[2001:db8::1]:5678".
  const bare = address
    .trim()
    .replace(/^(\d+\.\d+\.\d+\.\d+):\d+$/, "$1")
    .replace(/^\[(.*)\](?::\d+)?$/, "$1");
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare)?.[1];
  const candidate = mapped ?? bare;
  return isIP(candidate) === 0 ? null : candidate.toLowerCase();
}

/** The trusted client address of `request`, or null when there is none. */
export function webhookSource(request: Request, settings: SourceSettings): string | null {
  if (settings.header === null) {
    const socket = socketAddresses.get(request);
    return socket ? normalized(socket) : null;
  }
  // Repeated header lines arrive joined with ", ", which is also the list separator.
  const entries = (request.headers.get(settings.header) ?? "").split(",");
  const entry = entries.length >= settings.hops ? entries[entries.length - settings.hops] : undefined;
  return entry ? normalized(entry) : null;
}

/** Whether `provider`'s allowlist, if any, admits `source`. An unknown source is refused by a list. */
export function sourceAllowed(provider: WebhookProvider, source: string | null, settings: SourceSettings): boolean {
  const list = settings.allowed[provider];
  if (list === null) return true;
  if (source === null) return false;
  return list.check(source, isIP(source) === 6 ? "ipv6" : "ipv4");
}
