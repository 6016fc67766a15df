import { tooLarge } from "@/lib/http/errors";

/** Google notifications carry no body; anything near this size is not from Google. */
export const GOOGLE_BODY_LIMIT = 16 * 1024;
/** Graph batches several subscriptions' notifications into one POST. */
export const GRAPH_BODY_LIMIT = 1024 * 1024;

/**
 * Reads a request body, stopping as soon as it passes `limit` bytes. Content-Length
 * is only a shortcut for the honest case: a chunked body has none and a sender can
 * lie, so the count of bytes actually read is what decides.
 */
export async function readBodyLimited(request: Request, limit: number): Promise<Uint8Array> {
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > limit) throw tooLarge(limit);
  // "0" is the one declaration that needs no checking: HTTP/1.1 framing ends the
  // message there, so no byte can follow. Every Google notification says so.
  if (declared === "0" || !request.body) return new Uint8Array(0);

  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      // Stop the sender rather than draining megabytes we will not use.
      await reader.cancel().catch(() => {});
      throw tooLarge(limit);
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0]!;
  const body = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

const decoder = new TextDecoder("utf-8", { fatal: true });

/** The body as UTF-8 text; invalid UTF-8 is a malformed request, not a crash. */
export function utf8(body: Uint8Array): string | null {
  try {
    return decoder.decode(body);
  } catch {
    return null;
  }
}
