import { createRemoteJWKSet, errors, type JWTPayload, jwtVerify, SignJWT } from "jose";
import type { Identity } from "./identity.js";

/**
 * The development secrets: what `npm start`, the tests and `npm run token` share when nothing is
 * configured. Documented in the README, never logged, refused in production.
 */
export const DEVELOPMENT_SECRETS = Object.freeze({
  /** HS256 key of development bearer tokens. */
  jwtSecret: "supergraph-development-jwt-secret-do-not-use-in-production",
  /** HMAC key of development router-to-subgraph signatures. */
  signingSecret: "supergraph-development-signing-secret-do-not-use-in-production",
});

/** Who issues tokens, and for whom, unless configured otherwise. */
export const DEFAULT_TOKEN_CLAIMS = Object.freeze({ issuer: "supergraph", audience: "supergraph" });

/** Shortest secret accepted in production (HS256 keys and the signing secret): 256 bits of base64 or hex. */
export const MIN_PRODUCTION_SECRET_LENGTH = 32;

export interface TokenVerifierSettings {
  /** HS256 shared secret. One of `secret` and `jwksUrl`. */
  secret?: string | undefined;
  /** The identity provider's JWKS (RS256, ES256, ...). One of `secret` and `jwksUrl`. */
  jwksUrl?: string | undefined;
  issuer: string;
  audience: string;
  /** Allowed clock difference for `exp` and `nbf`. Default: 30 s. */
  clockToleranceSeconds?: number;
  /** The claim that holds the user id. Default: `sub`. */
  userIdClaim?: string;
  /** The claim that holds the scopes: a space-separated string (OAuth `scope`) or a list (`scp`). Default: `scope`. */
  scopeClaim?: string;
  /** How many verified tokens to remember (a client sends the same one with every request). Default: 10000; 0: none. */
  cacheSize?: number;
  /** The clock. Default: Date.now. */
  now?: () => number;
}

/** A verified token is re-verified after this long even if it expires later (e.g. to notice a JWKS key rotation). */
const CACHE_TTL_MS = 60_000;

/** A token that cannot be trusted; `message` says why in words a client may see. */
export class TokenError extends Error {
  override readonly name = "TokenError";
  /**
   * True when the fault is not the token's: the identity provider's key set could not be fetched,
   * was not a key set, or took too long. The token is refused all the same; an operator should hear of it.
   */
  readonly uncheckable: boolean;
  constructor(message: string, options: { cause?: unknown; uncheckable?: boolean } = {}) {
    super(message, { cause: options.cause });
    this.uncheckable = options.uncheckable ?? false;
  }
}

function reasonOf(error: unknown): string {
  if (error instanceof errors.JWTExpired) return "The token has expired.";
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.reason === "missing") return `The token has no "${error.claim}" claim.`;
    if (error.claim === "nbf") return "The token is not valid yet.";
    if (error.claim === "iss") return "The token was issued by another issuer.";
    if (error.claim === "aud") return "The token is for another audience.";
    return `The token's "${error.claim}" claim is invalid.`;
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return "The token's signature is invalid.";
  // JOSENotSupported: an algorithm no key of a JWKS can have (e.g. HS256 against an identity provider's keys).
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported)
    return "The token is signed with an algorithm this router does not accept.";
  if (error instanceof errors.JWKSNoMatchingKey)
    return "The token is signed by a key the identity provider does not list.";
  if (isUncheckable(error)) return "The token could not be checked.";
  return "The token is malformed.";
}

/**
 * Whether verification failed for want of the identity provider's keys rather than because of the
 * token: the key set timed out, was unreachable (a fetch error, not a JOSEError), answered other
 * than 200 or with something other than a key set (JWKSInvalid, or a bare JOSEError).
 */
const isUncheckable = (error: unknown) =>
  error instanceof errors.JWKSTimeout ||
  error instanceof errors.JWKSInvalid ||
  !(error instanceof errors.JOSEError) ||
  error.code === errors.JOSEError.code;

function scopesOf(value: unknown): string[] {
  if (typeof value === "string") return value.split(/\s+/).filter(Boolean);
  if (Array.isArray(value)) return value.filter((scope): scope is string => typeof scope === "string");
  return [];
}

/**
 * `verify(token)`: the identity a bearer token proves, checking its signature (HS256 secret or the
 * JWKS's keys), issuer, audience, expiry and not-before (with a small clock allowance). Throws
 * TokenError, whose message says what is wrong.
 */
export function createTokenVerifier(settings: TokenVerifierSettings): (token: string) => Promise<Identity> {
  const {
    issuer,
    audience,
    clockToleranceSeconds = 30,
    userIdClaim = "sub",
    scopeClaim = "scope",
    cacheSize = 10_000,
    now = Date.now,
  } = settings;
  if ((settings.secret === undefined) === (settings.jwksUrl === undefined)) {
    throw new Error("createTokenVerifier needs exactly one of secret and jwksUrl");
  }
  const options = { issuer, audience, clockTolerance: clockToleranceSeconds, requiredClaims: ["exp"] };
  const key = settings.secret === undefined ? undefined : new TextEncoder().encode(settings.secret);
  const jwks = settings.jwksUrl === undefined ? undefined : createRemoteJWKSet(new URL(settings.jwksUrl));
  // Verified tokens, until they expire (or CACHE_TTL_MS): a cached answer costs a lookup, not a
  // signature check. Only successes are kept; an entry past its time is dropped and checked again.
  const verified = new Map<string, { identity: Identity; until: number }>();
  const verify = async (token: string): Promise<Identity> => {
    let payload: JWTPayload;
    try {
      const at = { ...options, currentDate: new Date(now()) };
      payload = key
        ? (await jwtVerify(token, key, { ...at, algorithms: ["HS256"] })).payload
        : (await jwtVerify(token, jwks as ReturnType<typeof createRemoteJWKSet>, at)).payload;
    } catch (error) {
      throw new TokenError(reasonOf(error), { cause: error, uncheckable: isUncheckable(error) });
    }
    const userId = payload[userIdClaim];
    if ((typeof userId !== "string" && typeof userId !== "number") || String(userId) === "") {
      throw new TokenError(`The token has no "${userIdClaim}" claim naming a user.`);
    }
    const identity = Object.freeze({ userId: String(userId), scopes: Object.freeze(scopesOf(payload[scopeClaim])) });
    if (cacheSize > 0 && typeof payload.exp === "number") {
      if (verified.size >= cacheSize) verified.delete(verified.keys().next().value as string);
      const expires = (payload.exp + clockToleranceSeconds) * 1000;
      verified.set(token, { identity, until: Math.min(expires, now() + CACHE_TTL_MS) });
    }
    return identity;
  };
  return async (token) => {
    const cached = verified.get(token);
    if (cached !== undefined) {
      if (now() < cached.until) return cached.identity;
      verified.delete(token);
    }
    return verify(token);
  };
}

export interface MintOptions {
  /** The user id, in `sub`. */
  userId: string;
  scopes?: readonly string[];
  /** A jose time span such as `1h`, `15m`, `7d`, or seconds; negative spans mint expired tokens (for tests). Default: `1h`. */
  expiresIn?: string | number;
  /** Not valid before now plus this span. Default: valid at once. */
  notBefore?: string | number;
  secret?: string;
  issuer?: string;
  audience?: string;
}

const offset = (span: string | number) => (typeof span === "number" ? Math.floor(Date.now() / 1000) + span : span);

/** An HS256 bearer token for `userId`: what `npm run token` prints and what tests sign in with. Default: the development secret. */
export function mintToken({
  userId,
  scopes = [],
  expiresIn = "1h",
  notBefore,
  secret = DEVELOPMENT_SECRETS.jwtSecret,
  issuer = DEFAULT_TOKEN_CLAIMS.issuer,
  audience = DEFAULT_TOKEN_CLAIMS.audience,
}: MintOptions): Promise<string> {
  const jwt = new SignJWT(scopes.length > 0 ? { scope: scopes.join(" ") } : {})
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(userId)
    .setIssuer(issuer)
    .setAudience(audience)
    .setIssuedAt()
    .setExpirationTime(offset(expiresIn));
  if (notBefore !== undefined) jwt.setNotBefore(offset(notBefore));
  return jwt.sign(new TextEncoder().encode(secret));
}

/**
 * Why `value` may not serve as the secret `variable` in production (unset, the development secret,
 * or shorter than MIN_PRODUCTION_SECRET_LENGTH), or undefined when it may. Never quotes the value.
 */
export function productionSecretProblem(
  variable: string,
  value: string | undefined,
  developmentValue: string,
): string | undefined {
  if (value === undefined) return `${variable}: required in production (or ${variable}_FILE)`;
  if (value === developmentValue) return `${variable}: the development secret is refused in production`;
  if (value.length < MIN_PRODUCTION_SECRET_LENGTH) {
    return `${variable}: at least ${MIN_PRODUCTION_SECRET_LENGTH} characters in production (e.g. openssl rand -base64 48)`;
  }
  return undefined;
}
