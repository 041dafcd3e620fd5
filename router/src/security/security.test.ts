import { join } from "node:path";
import {
  createTokenVerifier,
  DEFAULT_TOKEN_CLAIMS,
  DEVELOPMENT_SECRETS,
  encodeIdentity,
  mintToken,
  SIGNATURE_HEADER,
  TokenError,
} from "@supergraph/auth";
import { ErrorCode } from "@supergraph/error-codes";
import { configProblems, deadUrl, type RouterInputs, scratchFiles, startGraph } from "@supergraph/testing";
import { describe, expect, it, onTestFinished } from "vitest";
import { readConfig } from "../config.js";
import { createServer, type RouterSecurity, SANDBOX_ORIGINS } from "../server.js";
import { resolveSecuritySettings } from "./settings.js";

const SECRET = DEVELOPMENT_SECRETS.jwtSecret;
const SIGNING = "graph-test-signing-secret-0123456789abcdef";

function security(overrides: Parameters<typeof resolveSecuritySettings>[0] = {}): RouterSecurity {
  const settings = resolveSecuritySettings(overrides);
  return {
    verifyToken: createTokenVerifier({ secret: SECRET, ...settings.authentication }),
    signingSecret: SIGNING,
    settings,
  };
}

const secured =
  (overrides: Parameters<typeof resolveSecuritySettings>[0] = {}, extra: { production?: boolean } = {}) =>
  (inputs: RouterInputs) =>
    createServer({ ...inputs, ...extra, security: security(overrides) });

/** POSTs `query` and returns the HTTP status, the headers and the body. */
async function post(url: string, query: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ query }),
  });
  // biome-ignore lint/suspicious/noExplicitAny: a response body the assertions read freely
  const body = (await response.json()) as Record<string, any>;
  return { status: response.status, headers: response.headers, body };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe("authentication at the router", () => {
  it("passes the verified identity to subgraphs, and anonymous callers as anonymous", async () => {
    await using graph = await startGraph({ createRouter: secured(), signingSecret: SIGNING });
    expect((await post(graph.routerUrl, "{ whoami }")).body).toEqual({ data: { whoami: null } });
    const user = await mintToken({ userId: "7" });
    expect((await post(graph.routerUrl, "{ whoami }", bearer(user))).body).toEqual({ data: { whoami: "7" } });
    const admin = await mintToken({ userId: "1", scopes: ["admin"] });
    expect((await post(graph.routerUrl, "{ whoami }", bearer(admin))).body).toEqual({ data: { whoami: "1 admin" } });
  });

  it("strips identity and signature headers a client sends: they never reach a subgraph", async () => {
    await using graph = await startGraph({ createRouter: secured(), signingSecret: SIGNING, chaos: ["users"] });
    const forged = {
      "x-supergraph-identity": encodeIdentity({ userId: "1", scopes: ["admin"] }),
      [SIGNATURE_HEADER]: "t=1,n=x,v1=00",
    };
    expect((await post(graph.routerUrl, "{ whoami }", forged)).body).toEqual({ data: { whoami: null } });
    const token = await mintToken({ userId: "2" });
    expect((await post(graph.routerUrl, "{ whoami }", { ...forged, ...bearer(token) })).body).toEqual({
      data: { whoami: "2" },
    });
    const sent = graph.chaosOf("users").routerHeaders.filter((headers) => !headers["x-supergraph-router-retryable"]);
    expect(sent.map((headers) => headers["x-supergraph-identity"])).not.toContain(forged["x-supergraph-identity"]);
  });

  const refusals: [string, () => Promise<string>, RegExp][] = [
    ["expired", () => mintToken({ userId: "1", expiresIn: -120 }), /expired/],
    ["not yet valid", () => mintToken({ userId: "1", notBefore: 3600, expiresIn: 7200 }), /not valid yet/],
    [
      "signed with another key",
      () => mintToken({ userId: "1", secret: "another-secret-another-secret-12345" }),
      /signature/,
    ],
    ["from another issuer", () => mintToken({ userId: "1", issuer: "https://elsewhere.example" }), /issuer/],
    ["for another audience", () => mintToken({ userId: "1", audience: "another-api" }), /audience/],
    ["malformed", async () => "not.a.token", /malformed/],
  ];
  it.each(refusals)(
    "refuses a token that is %s with 401 UNAUTHENTICATED, before any subgraph",
    async (_, mint, reason) => {
      await using graph = await startGraph({ createRouter: secured(), signingSecret: SIGNING, chaos: ["users"] });
      const { status, headers, body } = await post(graph.routerUrl, "{ whoami }", bearer(await mint()));
      expect(status).toBe(401);
      expect(headers.get("www-authenticate")).toMatch(/^Bearer error="invalid_token"/);
      expect(body.errors).toHaveLength(1);
      expect(body.errors[0]).toMatchObject({ extensions: { code: ErrorCode.UNAUTHENTICATED } });
      expect(body.errors[0].message).toMatch(reason);
      expect(graph.chaosOf("users").hits).toBe(0);
    },
  );

  it("accepts a token within the clock allowance, and an Authorization header that is not a bearer token is refused", async () => {
    await using graph = await startGraph({ createRouter: secured(), signingSecret: SIGNING });
    const late = await mintToken({ userId: "3", expiresIn: -10 }); // expired 10 s ago: within the 30 s allowance
    expect((await post(graph.routerUrl, "{ whoami }", bearer(late))).body).toEqual({ data: { whoami: "3" } });
    const basic = await post(graph.routerUrl, "{ whoami }", { authorization: "Basic dXNlcjpwYXNz" });
    expect(basic.status).toBe(401);
    expect(basic.body.errors[0].extensions.code).toBe(ErrorCode.UNAUTHENTICATED);
  });

  it("reads the user id from the configured claim, so a real identity provider's tokens work", async () => {
    await using graph = await startGraph({
      createRouter: secured({ authentication: { userIdClaim: "user_id", issuer: "https://idp.example" } }),
      signingSecret: SIGNING,
    });
    const { SignJWT } = await import("jose");
    const token = await new SignJWT({ user_id: 42, scp: "ignored" })
      .setProtectedHeader({ alg: "HS256" })
      .setSubject("auth0|abc")
      .setIssuer("https://idp.example")
      .setAudience(DEFAULT_TOKEN_CLAIMS.audience)
      .setExpirationTime("5m")
      .sign(new TextEncoder().encode(SECRET));
    expect((await post(graph.routerUrl, "{ whoami }", bearer(token))).body).toEqual({ data: { whoami: "42" } });
  });
});

describe("signed router-to-subgraph requests", () => {
  it("subgraphs that check signatures answer the router, and refuse a router with another secret", async () => {
    await using good = await startGraph({ createRouter: secured(), signingSecret: SIGNING });
    expect((await post(good.routerUrl, '{ user(id: "1") { name } }')).body).toEqual({
      data: { user: { name: "Ada" } },
    });
    await using bad = await startGraph({
      createRouter: (inputs) =>
        createServer({ ...inputs, security: { ...security(), signingSecret: "not-the-subgraphs-secret-0123456789" } }),
      signingSecret: SIGNING,
    });
    const refused = await post(bad.routerUrl, '{ user(id: "1") { name } }');
    expect(refused.body.data).toEqual({ user: null });
    // Clients learn that the subgraph refused the router, not how subgraphs check it (the router logs that).
    expect(refused.body.errors[0]).toMatchObject({
      message: 'Subgraph "users" is unavailable: it responded with HTTP 401.',
      extensions: { code: ErrorCode.SUBGRAPH_UNAVAILABLE, serviceName: "users" },
    });
  });

  it("signs each try afresh: a retried query carries a new signature", async () => {
    await using graph = await startGraph({ createRouter: secured(), signingSecret: SIGNING, chaos: ["users"] });
    const proxy = graph.chaosOf("users");
    proxy.next.push(503);
    expect((await post(graph.routerUrl, '{ user(id: "2") { name } }')).body).toEqual({
      data: { user: { name: "Grace" } },
    });
    const signatures = proxy.routerHeaders
      .filter((_, index) => proxy.operations[index] === "query")
      .map((headers) => headers[SIGNATURE_HEADER]);
    expect(signatures).toHaveLength(2);
    expect(signatures[0]).toMatch(/^t=\d+,n=[\w.-]+,v1=[0-9a-f]{64}$/);
    expect(signatures[1]).not.toBe(signatures[0]);
  });

  it("signs its health probes, so signature-checking subgraphs count as up", async () => {
    await using graph = await startGraph({ createRouter: secured(), signingSecret: SIGNING });
    await post(graph.routerUrl, '{ user(id: "1") { name } }');
    let ready: { subgraphs?: Record<string, { status: string }> } = {};
    for (let i = 0; i < 50 && ready.subgraphs?.users?.status !== "up"; i++) {
      ready = (await (await fetch(`${graph.origin}/ready`)).json()) as typeof ready;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(ready.subgraphs?.users?.status).toBe("up");
  });
});

describe("rate limits", () => {
  it("answers 429 RATE_LIMITED with Retry-After past a client's rate, by token subject else address", async () => {
    await using graph = await startGraph({
      createRouter: secured({ rateLimit: { requests: 3, windowSeconds: 60 } }),
      signingSecret: SIGNING,
      chaos: ["users"],
    });
    for (let i = 0; i < 3; i++) expect((await post(graph.routerUrl, "{ whoami }")).status).toBe(200);
    const hitsBefore = graph.chaosOf("users").hits;
    const limited = await post(graph.routerUrl, "{ whoami }");
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(limited.body.errors[0].extensions.code).toBe(ErrorCode.RATE_LIMITED);
    expect(graph.chaosOf("users").hits).toBe(hitsBefore);
    // A signed-in client from the same address has its own rate.
    const token = await mintToken({ userId: "5" });
    expect((await post(graph.routerUrl, "{ whoami }", bearer(token))).body).toEqual({ data: { whoami: "5" } });
  });

  it("believes X-Forwarded-For only from trusted proxies", async () => {
    const rateLimit = { requests: 1, windowSeconds: 60 };
    await using direct = await startGraph({ createRouter: secured({ rateLimit }), signingSecret: SIGNING });
    expect((await post(direct.routerUrl, "{ whoami }", { "x-forwarded-for": "203.0.113.1" })).status).toBe(200);
    expect((await post(direct.routerUrl, "{ whoami }", { "x-forwarded-for": "203.0.113.2" })).status).toBe(429);

    await using proxied = await startGraph({
      createRouter: secured({ rateLimit, trustedProxies: ["127.0.0.1"] }),
      signingSecret: SIGNING,
    });
    expect((await post(proxied.routerUrl, "{ whoami }", { "x-forwarded-for": "203.0.113.1" })).status).toBe(200);
    expect((await post(proxied.routerUrl, "{ whoami }", { "x-forwarded-for": "203.0.113.2" })).status).toBe(200);
    expect((await post(proxied.routerUrl, "{ whoami }", { "x-forwarded-for": "203.0.113.1" })).status).toBe(429);
  });
});

describe("CORS and internal endpoints", () => {
  const preflight = (url: string, origin: string) =>
    fetch(url, {
      method: "OPTIONS",
      headers: {
        origin,
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization,content-type",
      },
    });

  it("admits Apollo Sandbox's origins in development and the configured ones, not others", async () => {
    await using graph = await startGraph({
      createRouter: secured({ cors: { origins: ["https://app.example.com"] } }),
      signingSecret: SIGNING,
    });
    for (const origin of [...SANDBOX_ORIGINS, "https://app.example.com"]) {
      const response = await preflight(graph.routerUrl, origin);
      expect(response.headers.get("access-control-allow-origin"), origin).toBe(origin);
      expect(response.headers.get("access-control-allow-headers")).toMatch(/authorization/);
    }
    const evil = await preflight(graph.routerUrl, "https://evil.example");
    expect(evil.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("in production admits only the configured origins", async () => {
    await using graph = await startGraph({ createRouter: secured({}, { production: true }), signingSecret: SIGNING });
    const response = await preflight(graph.routerUrl, SANDBOX_ORIGINS[0] as string);
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("serves /ready only on the internal listener when it has one", async () => {
    await using graph = await startGraph({
      createRouter: (inputs) => createServer({ ...inputs, security: security(), internal: { port: 0 } }),
      signingSecret: SIGNING,
    });
    expect((await fetch(`${graph.origin}/ready`)).status).toBe(404);
    expect((await fetch(`${graph.origin}/health`)).status).toBe(200);
  });

  it("masks unexpected errors with a request id the user can quote, echoed as x-request-id", async () => {
    await using graph = await startGraph({ createRouter: secured(), signingSecret: SIGNING });
    const response = await post(graph.routerUrl, '{ user(id: "boom") { name } }', { "x-request-id": "req-42" });
    expect(response.headers.get("x-request-id")).toBe("req-42");
    expect(response.body.errors[0].extensions).toEqual({
      code: ErrorCode.INTERNAL_SERVER_ERROR,
      serviceName: "users",
      requestId: "req-42",
    });
  });
});

describe("secrets in the router's configuration", () => {
  const production = { NODE_ENV: "production" };
  const strong = "s".repeat(40);

  it("uses the development secrets when nothing is set, outside production", () => {
    const config = readConfig({});
    expect(config.secrets).toMatchObject({
      jwtSecret: DEVELOPMENT_SECRETS.jwtSecret,
      signingSecret: DEVELOPMENT_SECRETS.signingSecret,
      development: true,
    });
    expect(config.internal).toBeUndefined();
  });

  it("refuses to start in production without real secrets, naming each variable, never the value", () => {
    const problems = (env: NodeJS.ProcessEnv) => configProblems(() => readConfig(env));
    expect(problems(production).join("\n")).toMatch(
      /JWT_SECRET: required in production[\s\S]*SUBGRAPH_SIGNING_SECRET: required/,
    );
    const dev = problems({
      ...production,
      JWT_SECRET: DEVELOPMENT_SECRETS.jwtSecret,
      SUBGRAPH_SIGNING_SECRET: "short",
    });
    expect(dev.join("\n")).toMatch(/JWT_SECRET: the development secret is refused/);
    expect(dev.join("\n")).toMatch(/SUBGRAPH_SIGNING_SECRET: at least 32 characters/);
    expect(dev.join("\n")).not.toContain(DEVELOPMENT_SECRETS.jwtSecret);
    expect(
      problems({
        ...production,
        JWT_SECRET: strong,
        JWKS_URL: "https://idp.example/jwks",
        SUBGRAPH_SIGNING_SECRET: strong,
      }),
    ).toEqual([expect.stringMatching(/JWT_SECRET and JWKS_URL/)]);
    expect(
      problems({ ...production, JWT_SECRET: strong, SUBGRAPH_SIGNING_SECRET: strong, PROTECTIONS: "off" }),
    ).toEqual(["PROTECTIONS: off is refused in production"]);
  });

  it("reads secrets from files (JWT_SECRET_FILE, SUBGRAPH_SIGNING_SECRET_FILE), and serves /ready on an internal port in production", () => {
    const secrets = scratchFiles("router-secrets");
    onTestFinished(() => secrets.remove());
    const { dir } = secrets;
    secrets.file(`${strong}j\n`, "jwt");
    secrets.file(`${strong}s\n`, "signing");
    const config = readConfig({
      ...production,
      JWT_SECRET_FILE: join(dir, "jwt"),
      SUBGRAPH_SIGNING_SECRET_FILE: join(dir, "signing"),
    });
    expect(config.secrets).toMatchObject({ jwtSecret: `${strong}j`, signingSecret: `${strong}s`, development: false });
    expect(config.internal).toEqual({ port: 4088, host: "127.0.0.1" });
    expect(() =>
      readConfig({ ...production, JWT_SECRET_FILE: join(dir, "missing"), SUBGRAPH_SIGNING_SECRET: strong }),
    ).toThrow(/JWT_SECRET_FILE: cannot read/);
  });
});

describe("a token checked against a JWKS", () => {
  it("verifies tokens signed by a key the identity provider lists", async () => {
    const { exportJWK, generateKeyPair, SignJWT } = await import("jose");
    const { publicKey, privateKey } = await generateKeyPair("RS256");
    const jwk = { ...(await exportJWK(publicKey)), kid: "k1", alg: "RS256" };
    const { createServer: createHttpServer } = await import("node:http");
    const idp = createHttpServer((_req, res) =>
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: [jwk] })),
    );
    await new Promise<void>((resolve) => idp.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = idp.address() as { port: number };
      const verify = createTokenVerifier({
        jwksUrl: `http://127.0.0.1:${port}/jwks`,
        issuer: "https://idp.example",
        audience: "supergraph",
      });
      const sign = (key: Parameters<InstanceType<typeof SignJWT>["sign"]>[0], alg: string) =>
        new SignJWT({ scope: "admin" })
          .setProtectedHeader({ alg, kid: "k1" })
          .setSubject("9")
          .setIssuer("https://idp.example")
          .setAudience("supergraph")
          .setExpirationTime("5m")
          .sign(key);
      expect(await verify(await sign(privateKey, "RS256"))).toEqual({ userId: "9", scopes: ["admin"] });
      const other = await generateKeyPair("RS256");
      await expect(verify(await sign(other.privateKey, "RS256"))).rejects.toThrow(/signature/);
      // An HS256 token signed with the public key's bytes must not pass (algorithm confusion).
      await expect(verify(await sign(new TextEncoder().encode(JSON.stringify(jwk)), "HS256"))).rejects.toThrow();
    } finally {
      idp.close();
    }
  });

  it("refuses every token while the key set is unavailable, flagged as the router's problem (not the token's)", async () => {
    const { generateKeyPair, SignJWT } = await import("jose");
    const { privateKey } = await generateKeyPair("ES256");
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: "ES256", kid: "k1" })
      .setSubject("9")
      .setIssuer("https://idp.example")
      .setAudience("supergraph")
      .setExpirationTime("5m")
      .sign(privateKey);
    const { createServer: createHttpServer } = await import("node:http");
    const answers: Record<string, [number, string]> = {
      "/error": [500, "{}"],
      "/not-a-key-set": [200, '{"keys":"none"}'],
      "/not-json": [200, "<html></html>"],
    };
    const idp = createHttpServer((req, res) => {
      const [status, body] = answers[req.url ?? ""] ?? [404, ""];
      res.writeHead(status, { "content-type": "application/json" }).end(body);
    });
    await new Promise<void>((resolve) => idp.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = idp.address() as { port: number };
      const urls = [await deadUrl(), ...Object.keys(answers).map((path) => `http://127.0.0.1:${port}${path}`)];
      for (const jwksUrl of urls) {
        const verify = createTokenVerifier({ jwksUrl, issuer: "https://idp.example", audience: "supergraph" });
        const refusal = await verify(token).then(
          () => undefined,
          (error: unknown) => error,
        );
        expect(refusal, jwksUrl).toBeInstanceOf(TokenError);
        expect(refusal, jwksUrl).toMatchObject({ message: "The token could not be checked.", uncheckable: true });
      }
      // A token's own faults are not the key set's.
      const verify = createTokenVerifier({ jwksUrl: urls[1] as string, issuer: "x", audience: "y" });
      await expect(verify("not.a.token")).rejects.toMatchObject({ uncheckable: false });
    } finally {
      idp.close();
    }
  });
});

describe("an unsigned direct call to a signature-checking subgraph", () => {
  it("gets 401 SIGNATURE_INVALID", async () => {
    await using graph = await startGraph({ createRouter: secured(), signingSecret: SIGNING, chaos: ["users"] });
    // The chaos proxy forwards only the router's x-supergraph-* headers: a client's request through it carries none.
    const response = await fetch(graph.chaosOf("users").url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "{ whoami }" }),
    });
    expect(response.status).toBe(401);
    expect(((await response.json()) as { errors: { extensions: { code: string } }[] }).errors[0]?.extensions.code).toBe(
      ErrorCode.SIGNATURE_INVALID,
    );
  });
});
