import type { IncomingHttpHeaders } from "node:http";
import {
  createRequestVerifier,
  DEFAULT_SIGNATURE_MAX_AGE_MS,
  IDENTITY_HEADER,
  SIGNATURE_HEADER,
  type SignatureFailure,
} from "@supergraph/auth";
import { ErrorCode } from "@supergraph/error-codes";
import type { Logger, Refusal } from "@supergraph/service-kit";
import type { SigningSettings } from "./config.js";

/** What a client that is not the router is told: the same for every reason, so it learns nothing from it. */
export const SIGNATURE_REFUSAL_MESSAGE =
  "This subgraph answers only GraphQL requests signed by the router: send your request to the router.";

/** Why a request was refused: its signature's failure, or `method` for anything but a POST. */
export type SignatureRefusal = SignatureFailure | "method";

/**
 * The subgraph's `verifyRequest`: every GraphQL request must be a POST signed by the router over its
 * raw body (`createRequestVerifier`: HMAC, time window, no replayed nonce). Anything else is refused
 * with 401 SIGNATURE_INVALID; the reason is logged (at warn), never sent, and the secret never logged.
 * `onRefused` hears of each refusal's reason (e.g. to count it).
 *
 * With `acceptUnsigned` (BENCHMARK_ACCEPT_UNSIGNED, benchmarks only), a POST that carries neither the
 * signature header nor the identity header is let through, and its caller is anonymous (no identity
 * header to read); a request with either header is verified as always, so a bad signature is still
 * refused and an identity is never taken on trust.
 */
export function signatureCheck(
  name: string,
  { secret, maxAgeMs = DEFAULT_SIGNATURE_MAX_AGE_MS, acceptUnsigned = false }: SigningSettings,
  logger: Logger,
  onRefused?: (reason: SignatureRefusal) => void,
): (request: { method: string; headers: IncomingHttpHeaders; body: string }) => Refusal | undefined {
  const verify = createRequestVerifier({ secret, maxAgeMs });
  const refusal: Refusal = {
    status: 401,
    code: ErrorCode.SIGNATURE_INVALID,
    message: SIGNATURE_REFUSAL_MESSAGE,
    headers: { "www-authenticate": `Signature realm="${name}"` },
  };
  return ({ method, headers, body }) => {
    if (
      acceptUnsigned &&
      method === "POST" &&
      headers[SIGNATURE_HEADER] === undefined &&
      headers[IDENTITY_HEADER] === undefined
    ) {
      return undefined;
    }
    const result =
      method === "POST"
        ? verify({ headers, body })
        : {
            ok: false as const,
            code: "method" as const,
            reason: `a ${method} request (the router sends only signed POSTs)`,
          };
    if (result.ok) return undefined;
    onRefused?.(result.code);
    logger.warn(
      { reason: result.reason, method, requestId: headers["x-request-id"] },
      "refused a request without a valid router signature",
    );
    return refusal;
  };
}
