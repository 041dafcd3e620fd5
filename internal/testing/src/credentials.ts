/**
 * Credentials as the system's callers hold them: a bearer token for the router (as `npm run token`
 * mints it), and the router's signature for a direct call to a subgraph. Both default to the
 * development secrets that services use when none is configured (what tests and scripts run).
 */
import { DEVELOPMENT_SECRETS, encodeIdentity, type MintOptions, mintToken, signRequest } from "@supergraph/auth";

/** A caller as the router passes it to subgraphs: a user id and its scopes (`admin` may do anything). */
export interface Caller {
  userId: string;
  scopes?: readonly string[];
}

/** What else a token may say or be signed with: expiry, not-before, issuer, audience, secret. */
export type TokenOptions = Omit<MintOptions, "userId" | "scopes">;

/**
 * The `authorization` header of a signed-in user: `Bearer <HS256 JWT>` for `userId` with `scopes`,
 * valid for an hour unless `options` say otherwise (negative `expiresIn` seconds: already expired).
 */
export async function bearer(
  userId: string,
  scopes: readonly string[] = [],
  options: TokenOptions = {},
): Promise<{ authorization: string }> {
  return { authorization: `Bearer ${await mintToken({ userId, scopes, ...options })}` };
}

export interface SignOptions {
  /** Who the router says the caller is; null (the default) for an anonymous caller. */
  identity?: Caller | null;
  /** The shared signing secret. Default: the development one (subgraphs' default too). */
  secret?: string;
  /** The signature's clock, in ms since the epoch (e.g. 10 minutes ago, to be refused as stale). Default: now. */
  now?: number;
}

/**
 * The headers the router adds to a subgraph request with exactly this `body`: the identity header
 * and a fresh signature over it (a new nonce each call, so each request is signed afresh).
 */
export function signedHeaders(
  body: string,
  { identity = null, secret, now }: SignOptions = {},
): Record<string, string> {
  const encoded = encodeIdentity(identity && { userId: identity.userId, scopes: [...(identity.scopes ?? [])] });
  return signRequest(secret ?? DEVELOPMENT_SECRETS.signingSecret, { body, identity: encoded }, now);
}
