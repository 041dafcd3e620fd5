import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { IDENTITY_HEADER } from "./identity.js";

/**
 * The header proving a subgraph request comes from the router: `t=<unix ms>,n=<nonce>,v1=<hex>`,
 * where `v1` is HMAC-SHA256, keyed by the shared signing secret, over the timestamp, the nonce, the
 * identity header and the raw body. A subgraph refuses it when the MAC is wrong, when `t` is outside
 * its window, or when the same nonce was already accepted within the window (a replay).
 */
export const SIGNATURE_HEADER = "x-supergraph-signature";

/** How far a signature's timestamp may be from the subgraph's clock, either way. Longer than the router's fetch deadline (10 s). */
export const DEFAULT_SIGNATURE_MAX_AGE_MS = 60_000;

const VERSION = "v1";

function mac(secret: string, timestamp: string, nonce: string, identity: string, body: string): Buffer {
  return createHmac("sha256", secret).update(`${VERSION}\n${timestamp}\n${nonce}\n${identity}\n`).update(body).digest();
}

/**
 * The headers that sign one request: the identity header (as given) and the signature over it and
 * `body`. Sign every try afresh (a retry is a new request with a new nonce).
 */
export function signRequest(
  secret: string,
  { body, identity }: { body: string; identity: string },
  now: number = Date.now(),
): Record<string, string> {
  const timestamp = String(now);
  const nonce = randomBytes(12).toString("base64url");
  const signature = mac(secret, timestamp, nonce, identity, body).toString("hex");
  return { [IDENTITY_HEADER]: identity, [SIGNATURE_HEADER]: `t=${timestamp},n=${nonce},${VERSION}=${signature}` };
}

export interface VerifierOptions {
  secret: string;
  /** Default: DEFAULT_SIGNATURE_MAX_AGE_MS. */
  maxAgeMs?: number;
  /** The clock. Default: Date.now. */
  now?: () => number;
}

/** Why a request was refused, for the subgraph's log and its 401 answer. */
export type VerifyResult = { ok: true } | { ok: false; reason: string };

const header = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

/**
 * Verifies signed requests: `verify({ headers, body })` over the raw body. Accepted nonces are
 * remembered for the window, so a captured request cannot be sent again (within one process; a
 * replay to another replica is still bounded by the window).
 */
export function createRequestVerifier({
  secret,
  maxAgeMs = DEFAULT_SIGNATURE_MAX_AGE_MS,
  now = Date.now,
}: VerifierOptions) {
  const seen = new Map<string, number>();
  let nextSweep = 0;
  const sweep = (at: number) => {
    if (at < nextSweep) return;
    nextSweep = at + 1000;
    for (const [nonce, expires] of seen) if (expires < at) seen.delete(nonce);
  };
  return function verify({
    headers,
    body,
  }: {
    headers: Record<string, string | string[] | undefined>;
    body: string;
  }): VerifyResult {
    const value = header(headers[SIGNATURE_HEADER]);
    if (value === undefined) return { ok: false, reason: "the request is not signed" };
    const parts = Object.fromEntries(
      value.split(",").map((part) => {
        const at = part.indexOf("=");
        return [part.slice(0, at).trim(), part.slice(at + 1).trim()];
      }),
    ) as Record<string, string | undefined>;
    const { t: timestamp, n: nonce, [VERSION]: signature } = parts;
    if (!timestamp || !/^\d+$/.test(timestamp) || !nonce || !signature || !/^[0-9a-f]{64}$/.test(signature)) {
      return { ok: false, reason: "the signature header is malformed" };
    }
    const at = now();
    sweep(at);
    if (Math.abs(at - Number(timestamp)) > maxAgeMs) {
      return { ok: false, reason: "the signature is outside the accepted time window" };
    }
    const expected = mac(secret, timestamp, nonce, header(headers[IDENTITY_HEADER]) ?? "", body);
    if (!timingSafeEqual(expected, Buffer.from(signature, "hex"))) {
      return { ok: false, reason: "the signature does not match the request" };
    }
    if (seen.has(nonce)) return { ok: false, reason: "the signature was already used (a replay)" };
    seen.set(nonce, Number(timestamp) + maxAgeMs);
    return { ok: true };
  };
}

export type RequestVerifier = ReturnType<typeof createRequestVerifier>;
