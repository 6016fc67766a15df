// What every provider module gets: the shared services of one emulator
// instance. Built once by server.ts.

import type { FaultInjector } from "./faults";
import type { SigningKey } from "./jwt";
import type { OAuthServer } from "./oauth";
import type { OpaqueTokenCodec } from "./opaque";
import type { Deliverer } from "./push";
import type { CalendarStore, Clock } from "./state";

export interface EmulatorSettings {
  /** Lifetime of issued access tokens. Default 3600. */
  accessTokenTtlSeconds: number;
  /** Lifetime of authorization codes. Default 600. */
  authCodeTtlSeconds: number;
  /** First retry delay of push/notification deliveries (doubles per attempt). Default 1000. */
  retryBaseDelayMs: number;
  /** Delivery attempts per notification. Default 5. */
  maxDeliveryAttempts: number;
  /** How long the emulator waits for the app to answer a Google push. Default 10000. */
  googlePushTimeoutMs: number;
  /** How long it waits for a Graph notification answer (Graph's client gives up after 3 s). Default 3000. */
  graphNotificationTimeoutMs: number;
  /** How long the app has to answer the Graph validation handshake. Default 10000. */
  graphValidationTimeoutMs: number;
  /** Changes within this window reach the same notificationUrl in one `value[]` POST. Default 25. */
  graphBatchWindowMs: number;
  /** Graph delta page size without `Prefer: odata.maxpagesize`. Default 100. */
  graphDefaultPageSize: number;
  /**
   * The most items either half serves on one events page, whatever the client asks:
   * Google documents that a page may be short while more remain, and Graph that
   * it may serve fewer than `odata.maxpagesize`. Default: no cap beyond each API's own.
   */
  maxServedPageSize: number | null;
  /** Channel TTL when the app asks for none (Google's published default). Default 604800. */
  googleChannelDefaultTtlSeconds: number;
  /** Longest channel the emulator grants (Google publishes no maximum). Default 604800. */
  googleChannelMaxTtlSeconds: number;
  /** Reject http:// webhook addresses like the real providers do. Default false (local dev has no TLS). */
  requireHttpsWebhooks: boolean;
  /** Tenant id of seeded Microsoft accounts that name none. */
  defaultTenantId: string;
}

export interface Origins {
  http: string;
  https: string;
}

export interface EmulatorServices {
  settings: EmulatorSettings;
  store: CalendarStore;
  clock: Clock & { advance(ms: number): void };
  oauth: OAuthServer;
  codec: OpaqueTokenCodec;
  faults: FaultInjector;
  deliverer: Deliverer;
  keys: { google: SigningKey; microsoft: SigningKey };
  origins: Origins;
}
