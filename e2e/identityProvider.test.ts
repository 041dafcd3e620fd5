/**
 * A real identity provider's tokens, through the router: an HTTP server on a free port of 127.0.0.1
 * stands in for the provider, serving its JSON Web Key Set (an RSA and an EC public key); the router
 * is built from environment variables alone, as its process would be in production (JWKS_URL, the
 * provider's issuer and audience, a custom user-id claim and a list of permissions as scopes), over
 * the real users and products subgraphs (in-memory SQLite), which check the router's signatures.
 * The tokens are signed here with node:crypto, as the provider would, not with the library the
 * router verifies them with.
 */
import { createHash, createHmac, generateKeyPairSync, type KeyObject, sign } from "node:crypto";
import { createServer as createHttpServer, type Server } from "node:http";
import { mintToken } from "@supergraph/auth";
import { ErrorCode } from "@supergraph/error-codes";
import { products } from "@supergraph/products/server";
import { buildRouter } from "@supergraph/router/buildRouter";
import { createLogger } from "@supergraph/service-kit";
import { migrateToLatest, openSqlite, type Subgraph } from "@supergraph/subgraph-kit";
import { freePort, sendGraphQL } from "@supergraph/testing";
import { users } from "@supergraph/users/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ISSUER = "https://idp.example/";
const AUDIENCE = "https://api.supergraph.example";
/** Where the provider puts this system's user id (a namespaced custom claim, as Auth0's and Okta's token hooks add). */
const USER_ID_CLAIM = "https://supergraph.example/user_id";
const SIGNING_SECRET = createHash("sha256").update("identity-provider-test").digest("base64");

const logger = createLogger({ service: "identity-provider-test", level: "silent" });
const closers: (() => Promise<void>)[] = [];
let routerUrl = "";
/** How many times the router fetched the key set. */
let jwksFetches = 0;

type Algorithm = "RS256" | "ES256";
const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
/** A key pair the provider does not list (an attacker's, or a rotated-out one). */
const stranger = generateKeyPairSync("rsa", { modulusLength: 2048 });

/** The provider's public keys, as a JWKS serves them. */
const jwks = {
  keys: [
    { ...rsa.publicKey.export({ format: "jwk" }), kid: "rsa-1", alg: "RS256", use: "sig" },
    { ...ec.publicKey.export({ format: "jwk" }), kid: "ec-1", alg: "ES256", use: "sig" },
  ],
};

const base64url = (value: string | Buffer) => Buffer.from(value).toString("base64url");

/** A JWT signed with `key` (RS256, ES256) as an identity provider issues it: the usual claims, valid for 5 minutes. */
function providerToken(
  { alg, kid, key }: { alg: Algorithm; kid: string; key: KeyObject },
  claims: Record<string, unknown> = {},
): string {
  const now = Math.floor(Date.now() / 1000);
  const header = base64url(JSON.stringify({ alg, kid, typ: "JWT" }));
  const payload = base64url(
    JSON.stringify({ iss: ISSUER, aud: AUDIENCE, sub: "idp|0001", iat: now, exp: now + 300, ...claims }),
  );
  const input = `${header}.${payload}`;
  // ES256 signatures are r || s (IEEE P1363), not DER.
  const signature = sign("sha256", Buffer.from(input), alg === "ES256" ? { key, dsaEncoding: "ieee-p1363" } : key);
  return `${input}.${base64url(signature)}`;
}

const RSA_KEY = { alg: "RS256", kid: "rsa-1", key: rsa.privateKey } as const;
const EC_KEY = { alg: "ES256", kid: "ec-1", key: ec.privateKey } as const;

async function startSubgraph<DB, TStore, TContext extends object, TSettings>(
  subgraph: Subgraph<DB, TStore, TContext, TSettings>,
): Promise<string> {
  const db = openSqlite<DB>({ filename: ":memory:" });
  await migrateToLatest(db, subgraph.migrations, logger);
  const service = await subgraph.createServer({ db, logger, signing: { secret: SIGNING_SECRET } });
  closers.unshift(() => service.close());
  const { port } = await service.listen(0, "127.0.0.1");
  return `http://127.0.0.1:${port}/graphql`;
}

beforeAll(async () => {
  const provider: Server = createHttpServer((request, response) => {
    if (request.url !== "/.well-known/jwks.json") return void response.writeHead(404).end();
    jwksFetches++;
    response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(jwks));
  });
  await new Promise<void>((resolve) => provider.listen(0, "127.0.0.1", resolve));
  closers.unshift(() => new Promise((resolve) => provider.close(() => resolve())));
  const { port: providerPort } = provider.address() as { port: number };

  const [usersUrl, productsUrl] = await Promise.all([startSubgraph(users), startSubgraph(products)]);
  const { service } = await buildRouter({
    NODE_ENV: "production",
    LOG_LEVEL: "silent",
    INTERNAL_PORT: String(await freePort()),
    JWKS_URL: `http://127.0.0.1:${providerPort}/.well-known/jwks.json`,
    SUBGRAPH_SIGNING_SECRET: SIGNING_SECRET,
    ROUTER_AUTHENTICATION__ISSUER: ISSUER,
    ROUTER_AUTHENTICATION__AUDIENCE: AUDIENCE,
    ROUTER_AUTHENTICATION__USER_ID_CLAIM: USER_ID_CLAIM,
    ROUTER_AUTHENTICATION__SCOPE_CLAIM: "permissions",
    ROUTER_SUPERGRAPH__WATCH: "false",
    SUBGRAPH_USERS_URL: usersUrl,
    SUBGRAPH_PRODUCTS_URL: productsUrl,
  });
  closers.unshift(() => service.close());
  const { port } = await service.listen(0, "127.0.0.1");
  routerUrl = `http://127.0.0.1:${port}/graphql`;
});

afterAll(async () => {
  for (const close of closers) await close();
});

/** Alice's email (user 1) as the bearer of `token`: visible only to Alice and admins. */
const aliceEmail = (token: string) =>
  sendGraphQL<{ user: { email: string | null } }>(routerUrl, '{ user(id: "1") { email } }', {
    headers: { authorization: `Bearer ${token}` },
  });

describe("tokens of an identity provider, checked against its JWKS (production router)", () => {
  it.each([RSA_KEY, EC_KEY])("accepts an $alg token; its user-id claim reaches the subgraphs", async (key) => {
    const alice = await aliceEmail(providerToken(key, { [USER_ID_CLAIM]: "1" }));
    expect(alice.status).toBe(200);
    expect(alice.body).toEqual({ data: { user: { email: "alice@example.com" } } });
    const bob = await aliceEmail(providerToken(key, { [USER_ID_CLAIM]: "2" }));
    expect(bob.body).toEqual({ data: { user: { email: null } } });
    expect(jwksFetches).toBeGreaterThan(0);
  });

  it("reads scopes from the configured claim (a list of permissions): admin sees every email", async () => {
    const admin = await aliceEmail(providerToken(EC_KEY, { [USER_ID_CLAIM]: "2", permissions: ["admin"] }));
    expect(admin.body).toEqual({ data: { user: { email: "alice@example.com" } } });
    // `scope` is not the configured claim here: it grants nothing.
    const notAdmin = await aliceEmail(providerToken(RSA_KEY, { [USER_ID_CLAIM]: "2", scope: "admin" }));
    expect(notAdmin.body).toEqual({ data: { user: { email: null } } });
  });

  const refusals: [string, () => string | Promise<string>, RegExp][] = [
    [
      "signed by a key the provider does not list, under a listed kid",
      () => providerToken({ ...RSA_KEY, key: stranger.privateKey }, { [USER_ID_CLAIM]: "1" }),
      /signature/,
    ],
    [
      "signed under a kid the provider does not list",
      () => providerToken({ ...RSA_KEY, kid: "rsa-2", key: stranger.privateKey }, { [USER_ID_CLAIM]: "1" }),
      /key the identity provider does not list/,
    ],
    [
      "a development HS256 token (the development secret is no key of this router)",
      () => mintToken({ userId: "1", issuer: ISSUER, audience: AUDIENCE }),
      /algorithm this router does not accept/,
    ],
    [
      "HS256 keyed with the provider's public key (algorithm confusion)",
      () => {
        const now = Math.floor(Date.now() / 1000);
        const input = `${base64url(JSON.stringify({ alg: "HS256", kid: "rsa-1" }))}.${base64url(
          JSON.stringify({ iss: ISSUER, aud: AUDIENCE, [USER_ID_CLAIM]: "1", exp: now + 300 }),
        )}`;
        const mac = createHmac("sha256", rsa.publicKey.export({ format: "pem", type: "spki" })).update(input);
        return `${input}.${mac.digest("base64url")}`;
      },
      /algorithm this router does not accept/,
    ],
    [
      "from another issuer",
      () => providerToken(RSA_KEY, { [USER_ID_CLAIM]: "1", iss: "https://evil.example/" }),
      /issuer/,
    ],
    ["for another audience", () => providerToken(EC_KEY, { [USER_ID_CLAIM]: "1", aud: "another-api" }), /audience/],
    [
      "expired beyond the clock allowance",
      () => providerToken(EC_KEY, { [USER_ID_CLAIM]: "1", exp: Math.floor(Date.now() / 1000) - 120 }),
      /expired/,
    ],
    [
      "without the user-id claim",
      () => providerToken(RSA_KEY),
      /has no "https:\/\/supergraph\.example\/user_id" claim/,
    ],
  ];
  it.each(refusals)("refuses a token %s with 401 UNAUTHENTICATED", async (_, token, reason) => {
    const refused = await aliceEmail(await token());
    expect(refused.status).toBe(401);
    expect(refused.headers.get("www-authenticate")).toMatch(/^Bearer error="invalid_token"/);
    expect(refused.body.data).toBeUndefined();
    expect(refused.body.errors).toEqual([
      expect.objectContaining({
        extensions: { code: ErrorCode.UNAUTHENTICATED },
        message: expect.stringMatching(reason),
      }),
    ]);
  });
});
