/**
 * Mints a bearer token for the router: HS256, signed with JWT_SECRET (or JWT_SECRET_FILE) or, when
 * neither is set, the development secret that `npm start` uses. Prints the token alone, so it can be
 * captured: `export SUPERGRAPH_TOKEN=$(npm run -s token -- --user 1)`.
 *
 *   npm run token -- --user <id> [--scope admin] [--expires 1h] [--issuer supergraph] [--audience supergraph]
 */
import { parseArgs } from "node:util";
import { DEFAULT_TOKEN_CLAIMS, DEVELOPMENT_SECRETS, mintToken } from "@supergraph/auth";
import { ConfigError, readSecret } from "@supergraph/service-kit";

const USAGE =
  "usage: npm run token -- --user <id> [--scope <scope>]... [--expires <span: 1h, 30m, 7d>] [--issuer <iss>] [--audience <aud>]";

function fail(message: string): never {
  console.error(`${message}\n${USAGE}`);
  process.exit(2);
}

let values: {
  user?: string;
  scope?: string[];
  expires: string;
  issuer: string;
  audience: string;
  help?: boolean;
};
try {
  ({ values } = parseArgs({
    options: {
      user: { type: "string" },
      scope: { type: "string", multiple: true },
      expires: { type: "string", default: "1h" },
      issuer: { type: "string", default: DEFAULT_TOKEN_CLAIMS.issuer },
      audience: { type: "string", default: DEFAULT_TOKEN_CLAIMS.audience },
      help: { type: "boolean", short: "h" },
    },
  }));
} catch (error) {
  fail((error as Error).message);
}
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
if (!values.user || !/^[1-9]\d*$/.test(values.user)) fail("--user must be a user id, such as 1");
if (!/^\d+\s*[a-z]+$/i.test(values.expires)) fail("--expires must be a span such as 15m, 1h or 7d");

let secret: string | undefined;
try {
  secret = readSecret("JWT_SECRET");
} catch (error) {
  if (error instanceof ConfigError) fail(error.message);
  throw error;
}
let token: string;
try {
  token = await mintToken({
    userId: values.user,
    scopes: values.scope ?? [],
    expiresIn: values.expires,
    issuer: values.issuer,
    audience: values.audience,
    secret: secret ?? DEVELOPMENT_SECRETS.jwtSecret,
  });
} catch (error) {
  // jose's own check of the span (e.g. "1x"): a usage error, not a crash.
  if (error instanceof TypeError) fail(`--expires: ${error.message} (e.g. 15m, 1h, 7d)`);
  throw error;
}
if (secret === undefined)
  console.error("(signed with the development secret: accepted by a router without JWT_SECRET)");
console.log(token);
