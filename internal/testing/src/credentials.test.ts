import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import {
  createRequestVerifier,
  createTokenVerifier,
  DEFAULT_TOKEN_CLAIMS,
  DEVELOPMENT_SECRETS,
  decodeIdentity,
  IDENTITY_HEADER,
  TokenError,
} from "@supergraph/auth";
import { describe, expect, it } from "vitest";
import { bearer, signedHeaders } from "./credentials.js";
import { requestInFlight } from "./inFlight.js";
import { graphQLBody, postGraphQL, sendGraphQL } from "./postGraphQL.js";

const verifyToken = createTokenVerifier({ secret: DEVELOPMENT_SECRETS.jwtSecret, ...DEFAULT_TOKEN_CLAIMS });
const tokenOf = ({ authorization }: { authorization: string }) => authorization.replace(/^Bearer /, "");

/** A subgraph stand-in on a free port: 401 unless signed with the development secret, else the identity it was given. */
async function signedOnly() {
  const verify = createRequestVerifier({ secret: DEVELOPMENT_SECRETS.signingSecret });
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const result = verify({ headers: req.headers, body });
      const header = req.headers[IDENTITY_HEADER];
      res.writeHead(result.ok ? 200 : 401, { "content-type": "application/json" }).end(
        JSON.stringify(
          result.ok
            ? {
                data: {
                  identity: decodeIdentity(Array.isArray(header) ? header[0] : header),
                  body: JSON.parse(body),
                },
              }
            : { errors: [{ message: result.reason, extensions: { code: "SIGNATURE_INVALID" } }] },
        ),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    url: `${origin}/graphql`,
    async [Symbol.asyncDispose]() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe("bearer tokens", () => {
  it("bearer mints a development token the router's verifier accepts, for that user and those scopes", async () => {
    const header = await bearer("7", ["admin"]);
    expect(header.authorization).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
    expect(await verifyToken(tokenOf(header))).toEqual({ userId: "7", scopes: ["admin"] });
    expect(await verifyToken(tokenOf(await bearer("8")))).toEqual({ userId: "8", scopes: [] });
  });

  it.each([
    ["expired", { expiresIn: -120 }, "expired"],
    ["not valid yet", { notBefore: 600 }, "not valid yet"],
    ["signed with another secret", { secret: "another-secret-of-enough-length-0123456789" }, "signature"],
    ["from another issuer", { issuer: "someone-else" }, "issuer"],
    ["for another audience", { audience: "someone-else" }, "audience"],
  ] as const)("bearer can mint tokens the router refuses: %s", async (_name, options, reason) => {
    const token = tokenOf(await bearer("1", [], options));
    await expect(verifyToken(token)).rejects.toThrow(TokenError);
    await expect(verifyToken(token)).rejects.toThrow(reason);
  });
});

describe("signed subgraph requests", () => {
  it("postGraphQL with sign: signed afresh for each call with the identity, accepted; unsigned refused", async () => {
    await using subgraph = await signedOnly();
    const signed = await sendGraphQL(subgraph.url, "{ me }", {
      variables: { a: 1 },
      sign: { identity: { userId: "3", scopes: ["admin"] } },
    });
    expect(signed.status).toBe(200);
    expect(signed.body.data).toEqual({
      identity: { userId: "3", scopes: ["admin"] },
      body: { query: "{ me }", variables: { a: 1 } },
    });
    // Each call a new nonce: the same request twice is not a replay.
    expect((await sendGraphQL(subgraph.url, "{ me }", { variables: { a: 1 }, sign: true })).body.data).toMatchObject({
      identity: null,
    });
    expect((await sendGraphQL(subgraph.url, "{ me }", { sign: true })).status).toBe(200);
    const unsigned = await sendGraphQL(subgraph.url, "{ me }");
    expect(unsigned.status).toBe(401);
    expect(unsigned.body.errors?.[0]?.message).toBe("the request is not signed");
  });

  it("signedHeaders signs one exact body: sent twice it is a replay, stale or with another secret it is refused", async () => {
    await using subgraph = await signedOnly();
    const body = graphQLBody("{ me }", { operationName: "Me" });
    expect(JSON.parse(body)).toEqual({ query: "{ me }", operationName: "Me" });
    const send = (headers: Record<string, string>, sent = body) =>
      fetch(subgraph.url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: sent });
    const headers = signedHeaders(body, { identity: { userId: "1" } });
    expect((await send(headers)).status).toBe(200);
    const replay = await send(headers);
    expect(replay.status).toBe(401);
    expect(await replay.text()).toContain("replay");
    expect((await send(signedHeaders(body), `${body} `)).status).toBe(401); // another body
    expect((await send(signedHeaders(body, { now: Date.now() - 10 * 60_000 }))).status).toBe(401);
    expect((await send(signedHeaders(body, { secret: "not-the-shared-secret" }))).status).toBe(401);
    await expect(postGraphQL(subgraph.url, "{ me }", { sign: { secret: "nope" } })).resolves.toMatchObject({
      errors: [{ extensions: { code: "SIGNATURE_INVALID" } }],
    });
  });

  it("requestInFlight can sign the request it holds", async () => {
    await using subgraph = await signedOnly();
    const held = await requestInFlight(subgraph.origin, "{ slow }", { sign: { identity: { userId: "2" } } });
    expect(await held.finish()).toMatchObject({ status: 200, body: { data: { identity: { userId: "2" } } } });
    const unsigned = await requestInFlight(subgraph.origin, "{ slow }");
    expect((await unsigned.finish()).status).toBe(401);
  });
});
