import { createHmac, createSecretKey, type KeyObject, randomBytes, timingSafeEqual } from "node:crypto";
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

/** The HMAC key for a secret, made once: importing the key for every request would cost as much as the MAC. */
const keys = new Map<string, KeyObject>();
function keyOf(secret: string): KeyObject {
  let key = keys.get(secret);
  if (key === undefined) {
    key = createSecretKey(Buffer.from(secret, "utf8"));
    keys.set(secret, key);
  }
  return key;
}

function mac(key: KeyObject, timestamp: string, nonce: string, identity: string, body: string): Buffer {
  return createHmac("sha256", key).update(`${VERSION}\n${timestamp}\n${nonce}\n${identity}\n${body}`).digest();
}

/** `t=…,n=…,v1=…` -> its three parts, or undefined when it is not exactly that. */
function parseSignature(value: string): { timestamp: string; nonce: string; signature: string } | undefined {
  const first = value.indexOf(",");
  const second = value.indexOf(",", first + 1);
  if (first < 0 || second < 0 || value.indexOf(",", second + 1) >= 0) return undefined;
  if (!value.startsWith("t=") || !value.startsWith("n=", first + 1) || !value.startsWith(`${VERSION}=`, second + 1)) {
    return undefined;
  }
  return {
    timestamp: value.slice(2, first),
    nonce: value.slice(first + 3, second),
    signature: value.slice(second + 2 + VERSION.length),
  };
}

const DIGITS = /^\d{1,16}$/;

/**
 * Nonces only need to be unique: a random prefix per process (so replicas and restarts never
 * collide) and a counter, cheaper than random bytes per request.
 */
const NONCE_PREFIX = randomBytes(9).toString("base64url");
let nonceCounter = 0;
const nextNonce = () => `${NONCE_PREFIX}.${(nonceCounter++).toString(36)}`;

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
  const nonce = nextNonce();
  const signature = mac(keyOf(secret), timestamp, nonce, identity, body).toString("hex");
  return { [IDENTITY_HEADER]: identity, [SIGNATURE_HEADER]: `t=${timestamp},n=${nonce},${VERSION}=${signature}` };
}

export interface VerifierOptions {
  secret: string;
  /** Default: DEFAULT_SIGNATURE_MAX_AGE_MS. */
  maxAgeMs?: number;
  /** The clock. Default: Date.now. */
  now?: () => number;
}

/** Why a signature was refused, as a stable word (e.g. a metric's label): none, unreadable, too old or new, wrong, or used before. */
export type SignatureFailure = "unsigned" | "malformed" | "expired" | "mismatch" | "replay";

/** Whether a request's signature holds; if not, why, in words (`reason`, for the subgraph's log) and as a `code`. */
export type VerifyResult = { ok: true } | { ok: false; code: SignatureFailure; reason: string };

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
  const key = keyOf(secret);
  // Accepted nonces until their signature expires, in the order accepted: roughly the order they
  // expire in, so forgetting stops at the first one still live (constant work per request).
  const seen = new Map<string, number>();
  const sweep = (at: number) => {
    for (const [nonce, expires] of seen) {
      if (expires >= at) break;
      seen.delete(nonce);
    }
  };
  return function verify({
    headers,
    body,
  }: {
    headers: Record<string, string | string[] | undefined>;
    body: string;
  }): VerifyResult {
    const value = header(headers[SIGNATURE_HEADER]);
    if (value === undefined) return { ok: false, code: "unsigned", reason: "the request is not signed" };
    const parts = parseSignature(value);
    // Buffer.from stops at the first character that is not hex: a full 32 bytes means 64 hex digits.
    const given = parts?.signature.length === 64 ? Buffer.from(parts.signature, "hex") : undefined;
    if (!parts || !DIGITS.test(parts.timestamp) || parts.nonce === "" || given?.length !== 32) {
      return { ok: false, code: "malformed", reason: "the signature header is malformed" };
    }
    const { timestamp, nonce } = parts;
    const at = now();
    sweep(at);
    if (Math.abs(at - Number(timestamp)) > maxAgeMs) {
      return { ok: false, code: "expired", reason: "the signature is outside the accepted time window" };
    }
    const expected = mac(key, timestamp, nonce, header(headers[IDENTITY_HEADER]) ?? "", body);
    if (!timingSafeEqual(expected, given)) {
      return { ok: false, code: "mismatch", reason: "the signature does not match the request" };
    }
    if (seen.has(nonce)) return { ok: false, code: "replay", reason: "the signature was already used (a replay)" };
    seen.set(nonce, Number(timestamp) + maxAgeMs);
    return { ok: true };
  };
}

export type RequestVerifier = ReturnType<typeof createRequestVerifier>;
