import { DEFAULT_TOKEN_CLAIMS } from "@supergraph/auth";
import { z } from "zod";

/** router.yaml `authentication`: how bearer tokens are checked. The keys themselves come from the environment (JWT_SECRET or JWKS_URL). */
export const authenticationSchema = z.strictObject({
  /** Required `iss`. Default: `supergraph` (what `npm run token` issues). */
  issuer: z.string().min(1).optional(),
  /** Required `aud`. Default: `supergraph`. */
  audience: z.string().min(1).optional(),
  /** The claim holding the user id (an id of the users subgraph). Default: `sub`. */
  userIdClaim: z.string().min(1).optional(),
  /** The claim holding the scopes: a space-separated string or a list. Default: `scope`. */
  scopeClaim: z.string().min(1).optional(),
  /** Clock difference allowed for `exp` and `nbf`. Default: 30. */
  clockToleranceSeconds: z.number().int().min(0).max(300).optional(),
});

/** router.yaml `rateLimit`: requests per client (token subject, else client address) per window. */
export const rateLimitSchema = z.strictObject({
  /** Default: true. */
  enabled: z.boolean().optional(),
  /** Requests one client may send per window. Default: 50000 (see router.yaml). */
  requests: z.number().int().min(1).optional(),
  /** Window length. Default: 10. */
  windowSeconds: z.number().int().min(1).max(3600).optional(),
});

/** router.yaml `cors`. */
export const corsSchema = z.strictObject({
  /** Browser origins allowed to call the router, exactly as the browser sends them (`https://app.example.com`). */
  origins: z.array(z.string().min(1)).optional(),
});

/** router.yaml `trustedProxies`: addresses or CIDRs of the load balancers whose X-Forwarded-For names the client. */
export const trustedProxiesSchema = z.array(z.string().min(1));

export interface SecuritySettings {
  authentication: {
    issuer: string;
    audience: string;
    userIdClaim: string;
    scopeClaim: string;
    clockToleranceSeconds: number;
  };
  rateLimit: { enabled: boolean; requests: number; windowSeconds: number };
  cors: { origins: readonly string[] };
  trustedProxies: readonly string[];
}

/** The built-in defaults, filled in where router.yaml is silent. */
export function resolveSecuritySettings(file: {
  authentication?: z.infer<typeof authenticationSchema> | undefined;
  rateLimit?: z.infer<typeof rateLimitSchema> | undefined;
  cors?: z.infer<typeof corsSchema> | undefined;
  trustedProxies?: z.infer<typeof trustedProxiesSchema> | undefined;
}): SecuritySettings {
  const { authentication = {}, rateLimit = {}, cors = {}, trustedProxies = [] } = file;
  return Object.freeze({
    authentication: Object.freeze({
      issuer: authentication.issuer ?? DEFAULT_TOKEN_CLAIMS.issuer,
      audience: authentication.audience ?? DEFAULT_TOKEN_CLAIMS.audience,
      userIdClaim: authentication.userIdClaim ?? "sub",
      scopeClaim: authentication.scopeClaim ?? "scope",
      clockToleranceSeconds: authentication.clockToleranceSeconds ?? 30,
    }),
    rateLimit: Object.freeze({
      enabled: rateLimit.enabled ?? true,
      requests: rateLimit.requests ?? 50_000,
      windowSeconds: rateLimit.windowSeconds ?? 10,
    }),
    cors: Object.freeze({ origins: Object.freeze([...(cors.origins ?? [])]) }),
    trustedProxies: Object.freeze([...trustedProxies]),
  });
}
