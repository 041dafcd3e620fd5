export { ADMIN_SCOPE, decodeIdentity, encodeIdentity, IDENTITY_HEADER, type Identity, isAdmin } from "./identity.js";
export {
  createRequestVerifier,
  DEFAULT_SIGNATURE_MAX_AGE_MS,
  type RequestVerifier,
  SIGNATURE_HEADER,
  type SignatureFailure,
  signRequest,
  type VerifierOptions,
  type VerifyResult,
} from "./signing.js";
export {
  createTokenVerifier,
  DEFAULT_TOKEN_CLAIMS,
  DEVELOPMENT_SECRETS,
  MIN_PRODUCTION_SECRET_LENGTH,
  type MintOptions,
  mintToken,
  productionSecretProblem,
  TokenError,
  type TokenVerifierSettings,
} from "./tokens.js";
