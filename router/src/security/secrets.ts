import { DEVELOPMENT_SECRETS, productionSecretProblem } from "@supergraph/auth";
import { ConfigError, collectProblems, readSecret } from "@supergraph/service-kit";

/** Where the router's keys come from: the token key (HS256 secret or a JWKS URL) and the subgraph signing secret. */
export interface RouterSecrets {
  /** HS256 key of bearer tokens, or undefined with a JWKS. */
  jwtSecret: string | undefined;
  /** The identity provider's JWKS, or undefined with an HS256 secret. */
  jwksUrl: string | undefined;
  /** HMAC key of router-to-subgraph signatures, shared with every subgraph. */
  signingSecret: string;
  /** Whether a development secret is in use (never in production). */
  development: boolean;
}

/**
 * Reads JWT_SECRET (or JWT_SECRET_FILE), JWKS_URL and SUBGRAPH_SIGNING_SECRET (or _FILE). Outside
 * production, what is unset falls back to the documented development secrets; in production each
 * must be real (not the development value, long enough) or the router refuses to start.
 */
export function readRouterSecrets(source: NodeJS.ProcessEnv, production: boolean): RouterSecrets {
  const problems: string[] = [];
  const read = (name: string) => collectProblems(() => readSecret(name, source), problems);
  const jwtSecret = read("JWT_SECRET");
  const jwksUrl = source.JWKS_URL?.trim() || undefined;
  const signingSecret = read("SUBGRAPH_SIGNING_SECRET");
  if (jwtSecret !== undefined && jwksUrl !== undefined) {
    problems.push("JWT_SECRET and JWKS_URL: set one of them (an HS256 secret or the identity provider's key set)");
  }
  if (jwksUrl !== undefined && !/^https?:\/\/\S+$/.test(jwksUrl)) {
    problems.push("JWKS_URL: expected an http(s) URL such as https://idp.example.com/.well-known/jwks.json");
  }
  if (production) {
    if (jwksUrl === undefined) {
      const problem = productionSecretProblem("JWT_SECRET", jwtSecret, DEVELOPMENT_SECRETS.jwtSecret);
      if (problem) problems.push(jwtSecret === undefined ? `${problem}, or JWKS_URL` : problem);
    }
    const problem = productionSecretProblem(
      "SUBGRAPH_SIGNING_SECRET",
      signingSecret,
      DEVELOPMENT_SECRETS.signingSecret,
    );
    if (problem) problems.push(problem);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze({
    jwtSecret: jwksUrl === undefined ? (jwtSecret ?? DEVELOPMENT_SECRETS.jwtSecret) : undefined,
    jwksUrl,
    signingSecret: signingSecret ?? DEVELOPMENT_SECRETS.signingSecret,
    development: (jwksUrl === undefined && jwtSecret === undefined) || signingSecret === undefined,
  });
}
