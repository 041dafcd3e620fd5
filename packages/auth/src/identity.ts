/**
 * The identity of the caller of one operation, as the router verified it from a bearer token and
 * passes it to subgraphs (in `IDENTITY_HEADER`, covered by the request's signature). Anonymous
 * callers have none (`null`).
 */
export interface Identity {
  /** The user's id in the users subgraph (the token's user-id claim, `sub` by default). */
  readonly userId: string;
  /** What the token grants beyond being this user; `admin` may do anything. */
  readonly scopes: readonly string[];
}

/** The scope that may read and change every user's and product's data. */
export const ADMIN_SCOPE = "admin";

/** The header that carries the caller's identity from the router to a subgraph. Clients' copies are never forwarded. */
export const IDENTITY_HEADER = "x-supergraph-identity";

/** The header value for no identity (an anonymous caller). */
const ANONYMOUS = "anonymous";

export const isAdmin = (identity: Identity | null | undefined): boolean =>
  identity?.scopes.includes(ADMIN_SCOPE) ?? false;

/** The header value for `identity`: `anonymous`, or its JSON in base64url (header-safe whatever the claims hold). */
export function encodeIdentity(identity: Identity | null): string {
  if (identity === null) return ANONYMOUS;
  let encoded = encodings.get(identity);
  if (encoded === undefined) {
    encoded = Buffer.from(JSON.stringify({ sub: identity.userId, scopes: identity.scopes }), "utf8").toString(
      "base64url",
    );
    encodings.set(identity, encoded);
  }
  return encoded;
}

/** Each identity's header value, once: the router sends the same identity (one per token) with every request. */
const encodings = new WeakMap<Identity, string>();

/** The identity a header value encodes; `null` for anonymous, absent or malformed values. */
export function decodeIdentity(value: string | undefined): Identity | null {
  if (value === undefined || value === ANONYMOUS || value === "") return null;
  const known = decoded.get(value);
  if (known !== undefined) return known;
  const identity = parseIdentity(value);
  if (decoded.size >= DECODED_CACHE_SIZE) decoded.delete(decoded.keys().next().value as string);
  decoded.set(value, identity);
  return identity;
}

/** Header values already decoded (a caller sends the same one with every request), oldest first. */
const decoded = new Map<string, Identity | null>();
const DECODED_CACHE_SIZE = 10_000;

function parseIdentity(value: string): Identity | null {
  try {
    const decoded = JSON.parse(Buffer.from(value, "base64url").toString("utf8")) as { sub?: unknown; scopes?: unknown };
    if (typeof decoded.sub !== "string" || decoded.sub === "") return null;
    const scopes = Array.isArray(decoded.scopes)
      ? decoded.scopes.filter((s): s is string => typeof s === "string")
      : [];
    return Object.freeze({ userId: decoded.sub, scopes: Object.freeze(scopes) });
  } catch {
    return null;
  }
}
