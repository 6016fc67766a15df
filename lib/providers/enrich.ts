import { compile } from "html-to-text";
import type { ConferenceProvider, ConferenceRecord } from "./port";

// What both adapters derive the same way from an item: plain text from an HTML
// body, a join link found in free text, and the raw item with secrets removed.

const HTML_TAG = /<\/?[a-z][^>]*>/i;

export function looksLikeHtml(text: string): boolean {
  return HTML_TAG.test(text);
}

// Compiled once: html-to-text's one-shot convert() rebuilds its options per call
// (1.1 ms per body against 0.08 ms compiled), which a 100,000-event sync feels.
const convertHtml = compile({
  wordwrap: false,
  selectors: [
    { selector: "img", format: "skip" },
    { selector: "a", options: { hideLinkHrefIfSameAsText: true } },
  ],
});

// The instances of a series carry the same body: convert it once.
const RECENT_LIMIT = 500;
const recent = new Map<string, string>();

/** Plain text of an HTML body; links keep their address, images are dropped. */
export function htmlToPlainText(html: string): string {
  const known = recent.get(html);
  if (known !== undefined) return known;
  const text = convertHtml(html).trim();
  if (recent.size >= RECENT_LIMIT) recent.delete(recent.keys().next().value as string);
  recent.set(html, text);
  return text;
}

/** Join links of the big three, as their invitations write them. */
const JOIN_LINKS: ReadonlyArray<{ provider: ConferenceProvider; pattern: RegExp }> = [
  { provider: "meet", pattern: /https:\/\/meet\.google\.com\/[a-z]{3}-[a-z]{4}-[a-z]{3}\b/i },
  { provider: "teams", pattern: /https:\/\/teams\.(?:microsoft|live)\.com\/(?:l\/meetup-join|meet)\/[^\s"'<>]+/i },
  { provider: "zoom", pattern: /https:\/\/(?:[a-z0-9-]+\.)?zoom\.us\/(?:j|my|w)\/[^\s"'<>]+/i },
];

/** A Meet, Teams or Zoom link in the location or body, when the provider's own conference fields are empty. */
export function conferenceInText(...texts: Array<string | null | undefined>): ConferenceRecord | null {
  for (const text of texts) {
    if (!text) continue;
    for (const { provider, pattern } of JOIN_LINKS) {
      const match = pattern.exec(text);
      if (match) return { provider, joinUrl: match[0].replace(/&amp;/g, "&"), dialIn: null };
    }
  }
  return null;
}

/** The provider a join URL points at. */
export function conferenceProviderOf(url: string): ConferenceProvider {
  for (const { provider, pattern } of JOIN_LINKS) if (pattern.test(url)) return provider;
  return "other";
}

/**
 * Keys that would carry one of our secrets should a provider ever echo it inside
 * an event item (today neither does: a test keeps it so). Removed at any depth,
 * so the stored raw JSON never holds them. Dial-in PINs are not ours: they are
 * the invitation's content and stay.
 */
export const RAW_SECRET_KEYS: ReadonlySet<string> = new Set([
  "access_token",
  "accessToken",
  "refresh_token",
  "refreshToken",
  "id_token",
  "client_secret",
  "clientState",
  "token",
]);

/**
 * The provider's item as the JSON text the mirror stores, without those keys. Text
 * from the start, in one pass: a sync holds two pages of 2,500 records, and a deep
 * copy of each item, turned into text only when written, was the largest part of
 * them and a second pass over every item.
 */
export function rawItemJson(item: object): string {
  // Array elements come with their index as the key; no secret key is a number.
  return JSON.stringify(item, (key: string, value: unknown) => (RAW_SECRET_KEYS.has(key) ? undefined : value));
}
