// The benchmark's yardstick (scripts/bench/webhooks.ts): a route handler of the same
// build doing no work, so the webhook routes can be measured as a ratio of what
// Next.js alone allows on the machine. It exists only when the server was started
// with CALSYNC_BENCH=1 (read per request, not at build time); otherwise it is a 404
// like any unknown path, so production exposes nothing.
export async function POST(): Promise<Response> {
  if (process.env.CALSYNC_BENCH !== "1") return new Response(null, { status: 404 });
  return new Response(null, { status: 200 });
}
