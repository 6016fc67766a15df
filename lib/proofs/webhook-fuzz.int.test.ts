import { createHash, randomUUID } from "node:crypto";
import http from "node:http";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POST as googleRoute } from "@/app/api/webhooks/google/route";
import { POST as lifecycleRoute } from "@/app/api/webhooks/microsoft/lifecycle/route";
import { POST as graphRoute } from "@/app/api/webhooks/microsoft/route";
import { installJobSender } from "@/lib/jobs/dispatch";
import { LIFECYCLE_EVENTS, type FollowUp } from "@/lib/jobs/catalog";
import { GOOGLE_BODY_LIMIT, GRAPH_BODY_LIMIT } from "@/lib/http/body";
import { HANDOFF_WINDOW_MS } from "@/lib/webhooks/handoff";
import { serveRoutes } from "@/scripts/test/app";
import { setupTestDatabase } from "@/scripts/test/database";
import { propertySettings, replayHint, sleep } from "@/scripts/test/proofs";

// Property-based requests against every webhook route handler, as anyone on the
// internet could send them: headers missing, duplicated, huge, in odd case or odd
// bytes; bodies empty, random, deeply nested, huge, of the wrong types, or the right
// shape with the wrong secret; validation tokens in every legal encoding; sizes
// around the body limits; any method. Mostly straight into the exported handlers
// with real Requests, some over a real socket.
//
// With the database up, whatever arrives:
// - the answer is never a 5xx;
// - nothing is stored and nothing is handed off unless the request carried a valid
//   secret for a live subscription (and never more rows than such notifications);
// - no stored header or body holds a secret in plaintext;
// - a Graph validation token comes back exactly, decoded, as text/plain.
// Real subscriptions are seeded with known secrets (live, pending, replaced within
// and beyond the grace period, stopped), so valid notifications are generated too,
// and a property only passes if some of them were stored.

const database = setupTestDatabase();
const settings = propertySettings(300);
const handOffs: FollowUp[] = [];
let restoreSender: () => void = () => {};
let server: Awaited<ReturnType<typeof serveRoutes>>;

const ROUTES = {
  google: { path: "/api/webhooks/google", handler: googleRoute },
  graph: { path: "/api/webhooks/microsoft", handler: graphRoute },
  lifecycle: { path: "/api/webhooks/microsoft/lifecycle", handler: lifecycleRoute },
} as const;
type RouteName = keyof typeof ROUTES;

const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");

// ---- seeded subscriptions -----------------------------------------------------------

interface GoogleChannel {
  channelId: string;
  resourceId: string | null;
  token: string;
  /** Whether a notification naming it with its token may be stored at all. */
  live: boolean;
}

interface GraphSubscription {
  subscriptionId: string;
  clientState: string;
  live: boolean;
}

interface Seeded {
  organizationId: string;
  /** What a stored notification on each route may be handed off to: a calendar, or (lifecycle) a subscription. */
  targets: Record<RouteName, string>;
  google: GoogleChannel[];
  graph: GraphSubscription[];
  secrets: string[];
}

let seeded: Seeded;

// Secrets with the characters that trip encoders (+ / = % and a space), none that
// JSON would escape: a plaintext leak into a jsonb column then shows up verbatim.
const secret = (label: string) => `${label}+/=%2B ${randomUUID().replaceAll("-", "")}`;

async function seed(): Promise<Seeded> {
  const db = await database.db();
  const tag = randomUUID().slice(0, 8);
  const organization = await db.organization.create({ data: { name: "Fuzz", slug: `fuzz-${tag}` } });
  const organizationId = organization.id;
  const googleConnection = await db.calendarConnection.create({
    data: { organizationId, provider: "google", providerAccountId: `fuzz-g-${tag}`, accountEmail: `g-${tag}@example.com`, scopes: [] },
  });
  const calendar = await db.calendar.create({
    data: { organizationId, connectionId: googleConnection.id, providerCalendarId: `cal-${tag}`, name: "Fuzz", syncEnabled: true },
  });
  const msConnection = await db.calendarConnection.create({
    data: { organizationId, provider: "microsoft", providerAccountId: `fuzz-m-${tag}`, accountEmail: `m-${tag}@contoso.example`, scopes: [] },
  });
  const msCalendar = await db.calendar.create({
    data: { organizationId, connectionId: msConnection.id, providerCalendarId: `ms-${tag}`, name: "Fuzz", syncEnabled: true },
  });

  const google: GoogleChannel[] = [
    { channelId: `chan-${tag}`, resourceId: `res-${tag}`, token: secret("g-live"), live: true },
    // Its watch has not answered yet (Google's `sync` may come first): the token alone verifies.
    { channelId: `chan-pending-${tag}`, resourceId: null, token: secret("g-pending"), live: true },
    // Stopped a day ago (calendar sync turned off, or an admin stopped it).
    { channelId: `chan-stopped-${tag}`, resourceId: `res-stopped-${tag}`, token: secret("g-stopped"), live: false },
  ];
  const statuses = ["active", "pending", "stopped"] as const;
  const googleRows: string[] = [];
  for (const [index, channel] of google.entries()) {
    const row = await db.webhookSubscription.create({
      data: {
        organizationId,
        connectionId: googleConnection.id,
        calendarId: calendar.id,
        provider: "google",
        externalId: channel.channelId,
        resourceId: channel.resourceId,
        secretHash: sha256(channel.token),
        status: statuses[index],
        ...(statuses[index] === "stopped" ? { updatedAt: new Date(Date.now() - 24 * 60 * 60_000) } : {}),
      },
    });
    googleRows.push(row.id);
  }
  const first = googleRows[0]!;
  const replaced: GoogleChannel = { channelId: `chan-old-${tag}`, resourceId: `res-old-${tag}`, token: secret("g-replaced"), live: true };
  const ancient: GoogleChannel = { channelId: `chan-ancient-${tag}`, resourceId: `res-ancient-${tag}`, token: secret("g-ancient"), live: false };
  await db.replacedSubscriptionId.createMany({
    data: [
      { organizationId, subscriptionId: first, externalId: replaced.channelId, resourceId: replaced.resourceId, secretHash: sha256(replaced.token) },
      // Stopped an hour ago: past the grace period in which late deliveries still route.
      {
        organizationId,
        subscriptionId: first,
        externalId: ancient.channelId,
        resourceId: ancient.resourceId,
        secretHash: sha256(ancient.token),
        stoppedAt: new Date(Date.now() - 60 * 60_000),
      },
    ],
  });
  google.push(replaced, ancient);

  const graph: GraphSubscription[] = [
    { subscriptionId: randomUUID(), clientState: secret("m-live"), live: true },
    { subscriptionId: randomUUID(), clientState: secret("m-stopped"), live: false },
  ];
  const graphRows: string[] = [];
  for (const subscription of graph) {
    const row = await db.webhookSubscription.create({
      data: {
        organizationId,
        connectionId: msConnection.id,
        provider: "microsoft",
        externalId: subscription.subscriptionId,
        resource: "me/events",
        secretHash: sha256(subscription.clientState),
        ...(subscription.live ? { status: "active" as const } : { status: "stopped" as const, updatedAt: new Date(Date.now() - 24 * 60 * 60_000) }),
      },
    });
    graphRows.push(row.id);
  }
  return {
    organizationId,
    targets: { google: calendar.id, graph: msCalendar.id, lifecycle: graphRows[0]! },
    google,
    graph,
    secrets: [...google.map((channel) => channel.token), ...graph.map((subscription) => subscription.clientState)],
  };
}

beforeAll(async () => {
  restoreSender = installJobSender(async (items) => {
    handOffs.push(...items);
  });
  seeded = await seed();
  server = await serveRoutes(Object.fromEntries(Object.values(ROUTES).map((route) => [route.path, route.handler])));
});

afterAll(async () => {
  restoreSender();
  await server?.close();
});

// ---- generators ---------------------------------------------------------------------

/** Code points that break naive handling: NUL, lone surrogates, non-characters, line separators, quotes. */
const NASTY = ["\u0000", "\ud800", "\udfff", "\uffff", "\ufeff", "\u2028", "😀", "漢", "é", "\\", '"', "%00", "%", "+", " ", "\n", "<script>"];
const nastyString = fc
  .array(fc.oneof(fc.constantFrom(...NASTY), fc.string({ maxLength: 4 }), fc.string({ unit: "binary", maxLength: 4 })), { maxLength: 8 })
  .map((parts) => parts.join(""));

/** Header values as a server receives them: bytes, read as latin1 (UTF-8 arrives that way). */
const latin1 = (text: string) => Buffer.from(text, "utf8").toString("latin1");
const headerValue = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: nastyString.map((text) => latin1(text).replace(/[\0\r\n]/g, "")) },
  { weight: 1, arbitrary: fc.constantFrom("", " ", "0", "-1", "1e400", "99999999999999999999", "null", "undefined", "[]", "{}") },
  { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 40_000 }).map((length) => "x".repeat(length)) },
);

const GOOGLE_HEADERS = [
  "X-Goog-Channel-ID",
  "X-Goog-Message-Number",
  "X-Goog-Resource-ID",
  "X-Goog-Resource-State",
  "X-Goog-Resource-URI",
  "X-Goog-Channel-Token",
  "X-Goog-Channel-Expiration",
];
const headerName = fc.oneof(
  fc.constantFrom(...GOOGLE_HEADERS, "Content-Type", "User-Agent", "Authorization", "Cookie", "X-Forwarded-For", "X-Real-IP", "Client-State", "X-Api-Key"),
  fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,20}$/),
);

/** The same name in another case: HTTP header names are case-insensitive. */
const recase = (name: string, pattern: number) =>
  [...name].map((char, index) => ((pattern >> (index % 30)) & 1 ? char.toUpperCase() : char.toLowerCase())).join("");

type HeaderList = Array<[string, string]>;

interface Case {
  route: RouteName;
  method: string;
  /** Raw query string, with its "?" (or empty). */
  query: string;
  headers: HeaderList;
  body: Uint8Array | null;
  /** Streamed without Content-Length (chunked). */
  chunked: boolean;
  /** The validation token this request carries, decoded, when it is a handshake. */
  validationToken: string | null;
}

/** `arbitrary` once in `oneIn` draws, null otherwise (fc.option's freq is the other way round). */
function sometimes<T>(arbitrary: fc.Arbitrary<T>, oneIn: number): fc.Arbitrary<T | null> {
  return fc.oneof({ weight: oneIn - 1, arbitrary: fc.constant(null) }, { weight: 1, arbitrary });
}

const method = fc.oneof(
  { weight: 8, arbitrary: fc.constant("POST") },
  { weight: 1, arbitrary: fc.constantFrom("GET", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD") },
);

function googleHeaders(
  channel: GoogleChannel,
  overrides: { messageNumber: string; state: string; token: string | null; resourceId: string | null },
): HeaderList {
  const list: HeaderList = [
    ["X-Goog-Channel-ID", channel.channelId],
    ["X-Goog-Message-Number", overrides.messageNumber],
    ["X-Goog-Resource-ID", overrides.resourceId ?? channel.resourceId ?? "res-unknown"],
    ["X-Goog-Resource-State", overrides.state],
    ["X-Goog-Resource-URI", "https://www.googleapis.com/calendar/v3/calendars/primary/events?alt=json"],
    ["X-Goog-Channel-Expiration", "Tue, 19 Nov 2030 01:13:52 GMT"],
    ["Content-Type", "application/json; utf-8"],
    ["User-Agent", "APIs-Google; (+https://developers.google.com/webmasters/APIs-Google.html)"],
  ];
  if (overrides.token !== null) list.push(["X-Goog-Channel-Token", overrides.token]);
  return list;
}

/** Header-level mischief applied to a list: drop, duplicate, recase, replace, add. */
const headerMutations = fc.array(
  fc.oneof(
    fc.record({ kind: fc.constant("drop" as const), at: fc.nat() }),
    fc.record({ kind: fc.constant("duplicate" as const), at: fc.nat(), value: fc.option(headerValue) }),
    fc.record({ kind: fc.constant("recase" as const), at: fc.nat(), pattern: fc.nat() }),
    fc.record({ kind: fc.constant("replace" as const), at: fc.nat(), value: headerValue }),
    fc.record({ kind: fc.constant("add" as const), name: headerName, value: headerValue }),
  ),
  { maxLength: 4 },
);

function mutateHeaders(list: HeaderList, mutations: Array<{ kind: string; at?: number; value?: string | null; pattern?: number; name?: string }>): HeaderList {
  const out = list.map(([name, value]) => [name, value] as [string, string]);
  for (const mutation of mutations) {
    const index = out.length === 0 ? -1 : (mutation.at ?? 0) % out.length;
    const target = index >= 0 ? out[index] : undefined;
    if (mutation.kind === "drop" && target) out.splice(index, 1);
    else if (mutation.kind === "duplicate" && target) out.push([target[0], mutation.value ?? target[1]]);
    else if (mutation.kind === "recase" && target) target[0] = recase(target[0], mutation.pattern ?? 0);
    else if (mutation.kind === "replace" && target) target[1] = mutation.value ?? "";
    else if (mutation.kind === "add" && mutation.name !== undefined) out.push([mutation.name, mutation.value ?? ""]);
  }
  return out;
}

const utf8 = (text: string) => new Uint8Array(Buffer.from(text, "utf8"));

/** A body of exactly `size` bytes (the limits count bytes, not what they are). */
const sized = (size: number) => new Uint8Array(size).fill(0x20);

const googleBody = fc.oneof(
  { weight: 6, arbitrary: fc.constant<Uint8Array | null>(null) },
  { weight: 2, arbitrary: fc.constant(new Uint8Array(0)) },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 64 }) },
  { weight: 1, arbitrary: fc.constantFrom(GOOGLE_BODY_LIMIT - 1, GOOGLE_BODY_LIMIT, GOOGLE_BODY_LIMIT + 1, 4 * GOOGLE_BODY_LIMIT).map((size) => sized(size)) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((value) => utf8(JSON.stringify(value) ?? "null")) },
);

const googleCase: fc.Arbitrary<Case> = fc
  .record({
    channel: fc.nat(),
    messageNumber: fc.oneof({ weight: 5, arbitrary: fc.bigInt({ min: 1n, max: 10n ** 12n }).map(String) }, { weight: 1, arbitrary: headerValue }),
    state: fc.oneof({ weight: 5, arbitrary: fc.constantFrom("exists", "sync", "not_exists") }, { weight: 1, arbitrary: headerValue }),
    // Mostly the channel's own token (a valid notification), else a wrong, absent or mangled one.
    token: fc.oneof(
      { weight: 5, arbitrary: fc.constant("own" as const) },
      { weight: 1, arbitrary: fc.constant(null) },
      { weight: 1, arbitrary: fc.constant("other" as const) },
      { weight: 2, arbitrary: headerValue },
    ),
    resource: fc.oneof({ weight: 5, arbitrary: fc.constant("own" as const) }, { weight: 1, arbitrary: headerValue }),
    mutations: headerMutations,
    method,
    body: googleBody,
    chunked: fc.boolean(),
  })
  .map((draw) => {
    const channel = seeded.google[draw.channel % seeded.google.length]!;
    const other = seeded.google[(draw.channel + 1) % seeded.google.length]!;
    const token = draw.token === "own" ? channel.token : draw.token === "other" ? other.token : draw.token;
    const headers = mutateHeaders(
      googleHeaders(channel, { messageNumber: draw.messageNumber, state: draw.state, token, resourceId: draw.resource === "own" ? null : draw.resource }),
      draw.mutations,
    );
    const bodyless = draw.method === "GET" || draw.method === "HEAD";
    return {
      route: "google" as const,
      method: draw.method,
      query: "",
      headers,
      body: bodyless ? null : draw.body,
      chunked: draw.chunked,
      validationToken: null,
    };
  });

// ---- Graph ------------------------------------------------------------------------

/** One item of a Graph batch, from well-formed and verifiable to nonsense. */
const graphItem = (route: "graph" | "lifecycle") =>
  fc
    .record({
      subscription: fc.nat(),
      unknownId: fc.uuid(),
      secret: fc.oneof(
        { weight: 4, arbitrary: fc.constant("own" as const) },
        { weight: 1, arbitrary: fc.constant(null) },
        { weight: 1, arbitrary: nastyString },
        { weight: 1, arbitrary: fc.constant("unknown-subscription" as const) },
      ),
      changeType: fc.oneof({ weight: 4, arbitrary: fc.constantFrom("created", "updated", "deleted") }, { weight: 1, arbitrary: nastyString }),
      lifecycleEvent: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...LIFECYCLE_EVENTS) }, { weight: 1, arbitrary: nastyString }),
      resource: fc.oneof({ weight: 4, arbitrary: fc.uuid().map((id) => `Users/u-1/Events/${id}`) }, { weight: 1, arbitrary: nastyString }),
      etag: fc.oneof(fc.string({ minLength: 1, maxLength: 12 }), sometimes(nastyString, 4)),
      extra: sometimes(fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(fc.jsonValue({ maxDepth: 2 }), nastyString), { maxKeys: 3 }), 3),
      wrongType: sometimes(fc.constantFrom("subscriptionId", "clientState", "changeType", "resource", "resourceData", "lifecycleEvent"), 8),
      junk: sometimes(fc.jsonValue({ maxDepth: 3 }), 8),
    })
    .map((draw) => {
      if (draw.junk !== null) return draw.junk;
      const subscription = seeded.graph[draw.subscription % seeded.graph.length]!;
      const item: Record<string, unknown> = {
        subscriptionId: draw.secret === "unknown-subscription" ? draw.unknownId : subscription.subscriptionId,
        clientState: draw.secret === "own" || draw.secret === "unknown-subscription" ? subscription.clientState : draw.secret,
        tenantId: "3c5d6a1e-7a1b-4d2e-9f10-ca15c0e00001",
        subscriptionExpirationDateTime: "2030-10-30T11:00:00Z",
        ...(draw.extra ?? {}),
      };
      if (route === "graph") {
        item.changeType = draw.changeType;
        item.resource = draw.resource;
        item.resourceData = {
          "@odata.type": "#Microsoft.Graph.Event",
          "@odata.id": draw.resource,
          ...(draw.etag === null ? {} : { "@odata.etag": draw.etag }),
          id: "e",
        };
      } else {
        item.lifecycleEvent = draw.lifecycleEvent;
      }
      if (draw.wrongType) item[draw.wrongType] = draw.wrongType === "resourceData" ? "not an object" : 42;
      return item;
    });

const deepJson = fc.integer({ min: 10, max: 20_000 }).map((depth) => `{"value":${"[".repeat(depth)}${"]".repeat(depth)}}`);

const graphBody = (route: "graph" | "lifecycle") =>
  fc.oneof(
    { weight: 8, arbitrary: fc.array(graphItem(route), { minLength: 1, maxLength: 6 }).map((value) => utf8(JSON.stringify({ value }))) },
    { weight: 1, arbitrary: fc.constantFrom("", "{", "null", "[]", "{}", '{"value":[]}', '{"value":"x"}', '{"value":{}}', "\ufeff{}").map(utf8) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }) },
    { weight: 1, arbitrary: deepJson.map(utf8) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((value) => utf8(JSON.stringify(value) ?? "null")) },
    // More items than any Graph batch holds.
    {
      weight: 1,
      arbitrary: fc
        .integer({ min: 1_001, max: 3_000 })
        .map((count) => utf8(JSON.stringify({ value: Array.from({ length: count }, () => ({ subscriptionId: "s", clientState: "c" })) }))),
    },
    // Around the body limit: a valid envelope padded with whitespace to the byte.
    {
      weight: 1,
      arbitrary: fc.tuple(graphItem(route), fc.constantFrom(-1, 0, 1, 2_000)).map(([item, delta]) => {
        const text = JSON.stringify({ value: [item] });
        const size = GRAPH_BODY_LIMIT + delta;
        const bytes = utf8(text);
        return bytes.byteLength >= size ? bytes : utf8(text + " ".repeat(size - bytes.byteLength));
      }),
    },
    // Not UTF-8.
    { weight: 1, arbitrary: fc.constant(new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d])) },
  );

/** Graph's validation token, and one of the ways a URL can legally carry it. */
const TOKEN_CHARS = [..."abcXYZ019 +/=%&?#:;,@!$'()*~-_.", "😀", "漢", "é", "\t", "\n", "%2B", "%25", "+"];
const validation = fc.record({
  token: fc.array(fc.constantFrom(...TOKEN_CHARS), { maxLength: 40 }).map((chars) => chars.join("")),
  encoding: fc.constantFrom("component", "form", "plus-for-space"),
  before: fc.constantFrom("", "a=1&", "validationtoken=x&"),
});

function encodeToken(token: string, encoding: "component" | "form" | "plus-for-space"): string {
  if (encoding === "component") return encodeURIComponent(token);
  if (encoding === "form") return new URLSearchParams({ t: token }).toString().slice(2);
  return token.split(" ").map(encodeURIComponent).join("+");
}

const graphCase = (route: "graph" | "lifecycle"): fc.Arbitrary<Case> =>
  fc
    .record({
      body: graphBody(route),
      handshake: sometimes(validation, 5),
      contentType: fc.constantFrom("application/json; charset=utf-8", "application/json", "text/plain", "multipart/form-data; boundary=x", ""),
      mutations: headerMutations,
      method,
      chunked: fc.boolean(),
    })
    .map((draw) => {
      const headers = mutateHeaders(draw.contentType ? [["Content-Type", draw.contentType]] : [], draw.mutations);
      const query = draw.handshake ? `?${draw.handshake.before}validationToken=${encodeToken(draw.handshake.token, draw.handshake.encoding)}` : "";
      const bodyless = draw.method === "GET" || draw.method === "HEAD";
      return {
        route,
        method: draw.method,
        query,
        headers,
        body: bodyless ? null : draw.body,
        chunked: draw.chunked,
        validationToken: draw.handshake?.token ?? null,
      };
    });

// ---- sending ------------------------------------------------------------------------

interface Answer {
  status: number;
  contentType: string;
  body: string;
}

let sequence = 0;
/**
 * Each request claims a source of its own unless the case itself sets one. The
 * routes do not believe X-Forwarded-For by default (lib/webhooks/source.ts), so
 * every case shares one failure budget: once it is spent, unverified Google
 * deliveries are refused with 429, while verified ones and Graph handshakes must
 * still be answered as ever (checked below).
 */
function withSource(list: HeaderList): HeaderList {
  sequence += 1;
  return list.some(([name]) => name.toLowerCase() === "x-forwarded-for")
    ? list
    : [...list, ["X-Forwarded-For", `198.51.100.${sequence % 250}, fuzz-${sequence}`]];
}

/**
 * What an HTTP client can put on the wire, and Node's server accepts before any
 * handler runs: no control characters, and headers well under its 16 KiB limit
 * (beyond it Node itself answers 431). Huge and odd headers are the direct cases' job.
 */
function onTheWire(list: HeaderList): HeaderList {
  return list.map(([name, value]) => [name, value.replace(/[^\t\x20-\x7e\x80-\xff]/g, "").slice(0, 1_000)]);
}

function headersOf(list: HeaderList): Headers {
  const headers = new Headers();
  for (const [name, value] of list) headers.append(name, value);
  return headers;
}

async function sendDirect(testCase: Case, list: HeaderList): Promise<Answer> {
  const route = ROUTES[testCase.route];
  let body: BodyInit | null = null;
  if (testCase.body !== null) {
    const bytes = testCase.body;
    body = testCase.chunked
      ? new ReadableStream<Uint8Array>({
          start(controller) {
            for (let offset = 0; offset < bytes.byteLength; offset += 4096) controller.enqueue(bytes.slice(offset, offset + 4096));
            controller.close();
          },
        })
      : // Typed as BodyInit wants it: fast-check's arrays may sit on any ArrayBufferLike.
        (bytes as Uint8Array<ArrayBuffer>);
  }
  const request = new Request(`https://calsync.example${route.path}${testCase.query}`, {
    method: testCase.method,
    headers: headersOf(list),
    body,
    ...(testCase.chunked && body !== null ? { duplex: "half" } : {}),
  } as RequestInit);
  const response = await route.handler(request);
  return { status: response.status, contentType: response.headers.get("content-type") ?? "", body: await response.text() };
}

async function sendHttp(testCase: Case, list: HeaderList): Promise<Answer> {
  const route = ROUTES[testCase.route];
  // Node's client keys headers case-insensitively: a second spelling would replace
  // the first. Grouped, each value goes out as a line of its own.
  const spelling = new Map<string, string>();
  const grouped: Record<string, string[]> = {};
  for (const [name, value] of list) {
    const first = spelling.get(name.toLowerCase()) ?? name;
    spelling.set(name.toLowerCase(), first);
    (grouped[first] ??= []).push(value);
  }
  return new Promise<Answer>((resolve, reject) => {
    // A fresh connection each time: a kept-alive socket the server has just timed out resets the next request.
    const request = http.request(`${server.url}${route.path}${testCase.query}`, { method: testCase.method, headers: grouped, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () =>
        resolve({
          status: response.statusCode ?? 0,
          contentType: String(response.headers["content-type"] ?? ""),
          body: Buffer.concat(chunks).toString("utf8"),
        }),
      );
      response.on("error", reject);
    });
    request.on("error", reject);
    // Node frames a body without Content-Length only for some methods: set either one explicitly.
    if (testCase.body !== null) {
      if (testCase.chunked) request.setHeader("Transfer-Encoding", "chunked");
      else request.setHeader("Content-Length", testCase.body.byteLength);
    }
    if (testCase.body !== null) request.end(Buffer.from(testCase.body));
    else request.end();
  });
}

// ---- the oracle: does a request carry a valid secret? --------------------------------------

/** How many notifications in the request name a live subscription with its own secret. */
function verifiable(testCase: Case, headers: Headers): number {
  if (testCase.route === "google") {
    const channel = seeded.google.find((candidate) => candidate.channelId === headers.get("x-goog-channel-id"));
    const token = headers.get("x-goog-channel-token");
    return channel?.live && token !== null && sha256(token) === sha256(channel.token) ? 1 : 0;
  }
  if (testCase.body === null) return 0;
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(testCase.body));
  } catch {
    return 0;
  }
  const items = (parsed as { value?: unknown } | null)?.value;
  if (!Array.isArray(items)) return 0;
  return items.filter((item) => {
    const candidate = item as { subscriptionId?: unknown; clientState?: unknown } | null;
    const subscription = seeded.graph.find((known) => known.subscriptionId === candidate?.subscriptionId);
    return subscription?.live === true && typeof candidate?.clientState === "string" && candidate.clientState === subscription.clientState;
  }).length;
}

interface Tally {
  cases: number;
  verifiedStored: number;
  handshakes: number;
  byStatus: Record<number, number>;
}

// Sync hand-offs are throttled per calendar (lib/webhooks/handoff.ts): one may go
// out up to a second after the request that caused it, during a later request. So
// hand-offs are held against everything stored so far rather than against the
// request they arrive during: each must name a target (a calendar to sync, or a
// subscription for the lifecycle job) that verified notifications were stored
// pending for, and no target is handed off more often than that.
const entitled = new Map<string, number>();
const handedOffTo = new Map<string, number>();
let accounted = 0;

function accountHandOffs(context: string): void {
  for (const job of handOffs.slice(accounted)) {
    // A route hands off nothing else; anything else names no target and fails below.
    const target = job.name === "calendar/sync.requested" ? job.data.calendarId : job.name === "subscription/lifecycle" ? job.data.subscriptionId : job.name;
    handedOffTo.set(target, (handedOffTo.get(target) ?? 0) + 1);
    expect(job.data.organizationId, context).toBe(seeded.organizationId);
    expect(handedOffTo.get(target), `${context}: handed off to ${target} without a verified notification for it`).toBeLessThanOrEqual(
      entitled.get(target) ?? 0,
    );
  }
  accounted = handOffs.length;
}

async function check(testCase: Case, transport: "direct" | "http", tally: Tally): Promise<void> {
  const db = await database.db();
  const list = transport === "http" ? onTheWire(withSource(testCase.headers)) : withSource(testCase.headers);
  const rowsBefore = await db.webhookEvent.count();
  // Nothing processes rows in this file, so pending rows only ever grow.
  const pendingBefore = await db.webhookEvent.count({ where: { status: "pending" } });
  const answer = transport === "direct" ? await sendDirect(testCase, list) : await sendHttp(testCase, list);
  const added = (await db.webhookEvent.count()) - rowsBefore;
  const pendingAdded = (await db.webhookEvent.count({ where: { status: "pending" } })) - pendingBefore;
  const valid = verifiable(testCase, headersOf(list));
  const context = `${replayHint(settings)}: ${testCase.route} ${testCase.method} ${transport} → ${answer.status} ${answer.body.slice(0, 300)}`;

  tally.cases += 1;
  tally.byStatus[answer.status] = (tally.byStatus[answer.status] ?? 0) + 1;
  expect(answer.status, context).toBeGreaterThanOrEqual(200);
  expect(answer.status, context).toBeLessThan(500);
  expect(added, context).toBeLessThanOrEqual(valid);
  if (pendingAdded > 0) {
    const target = seeded.targets[testCase.route];
    entitled.set(target, (entitled.get(target) ?? 0) + pendingAdded);
  }
  accountHandOffs(context);
  // Never refused for a spent budget: a handshake is always echoed.
  if (testCase.validationToken !== null && testCase.route !== "google") {
    tally.handshakes += 1;
    expect(answer.status, context).toBe(200);
    expect(answer.contentType, context).toMatch(/^text\/plain\b/);
    // A HEAD answer carries no body on the wire.
    if (!(transport === "http" && testCase.method === "HEAD")) expect(answer.body, context).toBe(testCase.validationToken);
    expect(added, context).toBe(0);
  }
  if (added > 0) tally.verifiedStored += 1;
}

/** After a property: the trailing hand-offs still due, then the same accounting. */
async function settleHandOffs(): Promise<void> {
  await sleep(HANDOFF_WINDOW_MS + 200);
  accountHandOffs(replayHint(settings));
}

async function assertNoPlaintextSecrets(): Promise<void> {
  const rows = await (
    await database.db()
  ).$queryRawUnsafe<Array<{ stored: string }>>(`SELECT headers::text || coalesce(body::text, '') AS stored FROM webhook_events`);
  for (const { stored } of rows) for (const value of seeded.secrets) expect(stored.includes(value), "a secret was stored in plaintext").toBe(false);
}

// ---- the properties ---------------------------------------------------------------------

describe.each(["google", "graph", "lifecycle"] as const)("%s webhook route under random requests", (route) => {
  const arbitrary = route === "google" ? googleCase : graphCase(route);

  it(`never answers 5xx, stores or hands off only verified notifications (${settings.numRuns} runs)`, async () => {
    const tally: Tally = { cases: 0, verifiedStored: 0, handshakes: 0, byStatus: {} };
    await fc.assert(
      fc.asyncProperty(arbitrary, (testCase) => check(testCase, "direct", tally)),
      { seed: settings.seed, numRuns: settings.numRuns, endOnFailure: settings.endOnFailure },
    );
    await settleHandOffs();
    await assertNoPlaintextSecrets();
    // Not vacuous: valid notifications were among the cases, and were stored.
    expect(tally.verifiedStored, JSON.stringify(tally)).toBeGreaterThan(0);
    if (route !== "google") expect(tally.handshakes, JSON.stringify(tally)).toBeGreaterThan(0);
  }, 120_000);

  it(`behaves the same over a real socket (${Math.max(10, Math.round(settings.numRuns / 5))} runs)`, async () => {
    const tally: Tally = { cases: 0, verifiedStored: 0, handshakes: 0, byStatus: {} };
    await fc.assert(
      fc.asyncProperty(arbitrary, (testCase) => check(testCase, "http", tally)),
      { seed: settings.seed + 1, numRuns: Math.max(10, Math.round(settings.numRuns / 5)), endOnFailure: settings.endOnFailure },
    );
    await settleHandOffs();
    await assertNoPlaintextSecrets();
  }, 120_000);
});

// ---- examples the fuzzing found -------------------------------------------------------------

describe("text PostgreSQL cannot store", () => {
  // JSON may carry "\u0000" and unpaired surrogates ("\ud800"); jsonb refuses both.
  // Stored as-is, one such item failed the whole batch's statement with a 500 (Graph
  // retries a 5xx for hours, and a 5xx spends no failure budget), whoever sent it.
  const batch = (...items: unknown[]) => utf8(JSON.stringify({ value: items }));
  const post = (route: "graph" | "lifecycle", body: Uint8Array) =>
    sendDirect(
      { route, method: "POST", query: "", headers: [], body, chunked: false, validationToken: null },
      withSource([["Content-Type", "application/json"]]),
    );

  it.each(["\u0000", "\ud800", "\udfff"])("an item carrying %j is malformed (400), not a server error", async (bad) => {
    const subscription = seeded.graph[0]!;
    const forged = { subscriptionId: randomUUID(), clientState: "guess", changeType: "updated", resource: `Users/u/Events/${bad}` };
    const answer = await post("graph", batch(forged));
    expect(answer.status).toBe(400);
    const lifecycle = await post(
      "lifecycle",
      batch({ subscriptionId: subscription.subscriptionId, clientState: subscription.clientState, lifecycleEvent: "missed", note: bad }),
    );
    expect(lifecycle.status).toBe(400);
  });

  it("the good items of a batch are still stored next to one that is not storable", async () => {
    const subscription = seeded.graph[0]!;
    const db = await database.db();
    const before = await db.webhookEvent.count();
    const good = {
      subscriptionId: subscription.subscriptionId,
      clientState: subscription.clientState,
      changeType: "updated",
      resource: `Users/u/Events/${randomUUID()}`,
    };
    const bad = { ...good, resource: `Users/u/Events/${randomUUID()}`, resourceData: { id: "x\u0000y" } };
    const answer = await post("graph", batch(bad, good));
    expect(answer.status).toBe(202);
    expect((await db.webhookEvent.count()) - before).toBe(1);
    expect(await db.webhookEvent.count({ where: { resource: good.resource } })).toBe(1);
  });
});
