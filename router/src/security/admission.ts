import { type Identity, TokenError } from "@supergraph/auth";
import { ErrorCode } from "@supergraph/error-codes";
import type { Logger, Refusal, RouteRequest } from "@supergraph/service-kit";
import { RateLimiterRes } from "rate-limiter-flexible";
import { createRateLimiter } from "../shared/rateLimiter.js";
import type { SharedRedis } from "../shared/redis.js";
import type { SecuritySettings } from "./settings.js";

/** Where `admit` leaves the verified identity for the GraphQL context of the same request. */
const IDENTITY = "identity";

/** The identity `admit` verified for this request; null for an anonymous caller. */
export const identityOf = (request: RouteRequest): Identity | null =>
  (request.locals.get(IDENTITY) as Identity | null | undefined) ?? null;

/**
 * Who a caller is, as a key, for whatever the router keeps or shares per caller (deduplicated
 * requests, private cached responses): the user id and scopes (in any order), or anonymous.
 */
export const callerKey = (identity: Identity | null): string =>
  identity ? `${identity.userId}\0${[...identity.scopes].sort().join(" ")}` : "\0anonymous";

const BEARER = /^Bearer +([A-Za-z0-9\-_.~+/]+=*) *$/i;

function unauthenticated(message: string, error: "invalid_request" | "invalid_token"): Refusal {
  return {
    status: 401,
    code: ErrorCode.UNAUTHENTICATED,
    message,
    headers: { "www-authenticate": `Bearer error="${error}"` },
  };
}

export interface AdmissionOptions {
  /** Checks a bearer token; throws TokenError saying why it is refused. */
  verifyToken: (token: string) => Promise<Identity>;
  rateLimit: SecuritySettings["rateLimit"];
  logger: Logger;
  /** Count in this Redis, shared by every router replica (see shared/rateLimiter.ts). Default: in memory. */
  redis?: SharedRedis;
}

/**
 * The router's door, run on every GraphQL request before its body is read: a bearer token, when
 * there is one, must verify (signature, issuer, audience, expiry, not-before), else 401
 * UNAUTHENTICATED; then the caller (its user id when signed in, else its address, through trusted
 * proxies) spends one request of its rate (counted in Redis across router replicas when there is
 * one), else 429 RATE_LIMITED with Retry-After. No token is fine: the caller is anonymous, and the
 * subgraphs decide what anonymous callers may do.
 */
export function createAdmission({ verifyToken, rateLimit, logger, redis }: AdmissionOptions) {
  const limiter = rateLimit.enabled ? createRateLimiter(rateLimit, redis) : undefined;

  const spend = async (key: string): Promise<Refusal | undefined> => {
    if (!limiter) return undefined;
    try {
      await limiter.consume(key);
      return undefined;
    } catch (result) {
      if (!(result instanceof RateLimiterRes)) throw result;
      const seconds = Math.max(1, Math.ceil(result.msBeforeNext / 1000));
      return {
        status: 429,
        code: ErrorCode.RATE_LIMITED,
        message: `Too many requests: at most ${rateLimit.requests} every ${rateLimit.windowSeconds} s per client. Retry in ${seconds} s.`,
        headers: { "retry-after": String(seconds) },
      };
    }
  };

  return async function admit(request: RouteRequest): Promise<Refusal | undefined> {
    const header = request.headers.authorization;
    let identity: Identity | null = null;
    let refusal: Refusal | undefined;
    if (header !== undefined && header !== "") {
      const token = BEARER.exec(header)?.[1];
      if (token === undefined) {
        refusal = unauthenticated('The Authorization header must be "Bearer <token>".', "invalid_request");
      } else {
        try {
          identity = await verifyToken(token);
        } catch (error) {
          if (!(error instanceof TokenError)) throw error;
          // A key set the router cannot get refuses every token: worth a warning, not a debug line.
          logger[error.uncheckable ? "warn" : "debug"](
            { requestId: request.requestId, reason: error.message, cause: String(error.cause) },
            error.uncheckable
              ? "token refused: the identity provider's key set (JWKS_URL) is unavailable"
              : "token refused",
          );
          refusal = unauthenticated(error.message, "invalid_token");
        }
      }
    }
    // Refused tokens still spend the address's rate, so guessing tokens is throttled too.
    const limited = await spend(identity ? `user:${identity.userId}` : `address:${request.ip}`);
    if (limited ?? refusal) return limited ?? refusal;
    request.locals.set(IDENTITY, identity);
    if (identity) request.summary.subject = identity.userId;
    return undefined;
  };
}
