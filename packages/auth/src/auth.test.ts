import { describe, expect, it } from "vitest";
import { decodeIdentity, encodeIdentity, IDENTITY_HEADER, isAdmin } from "./identity.js";
import { createRequestVerifier, SIGNATURE_HEADER, signRequest } from "./signing.js";
import { createTokenVerifier, DEVELOPMENT_SECRETS, mintToken, productionSecretProblem } from "./tokens.js";

const SECRET = "test-secret-test-secret-test-secret";

describe("identities in a header", () => {
  it("round-trips users and admins, and reads anonymous, absent and malformed values as no one", () => {
    const admin = { userId: "1", scopes: ["admin"] };
    expect(decodeIdentity(encodeIdentity(admin))).toEqual(admin);
    expect(isAdmin(decodeIdentity(encodeIdentity(admin)))).toBe(true);
    expect(isAdmin(decodeIdentity(encodeIdentity({ userId: "2", scopes: [] })))).toBe(false);
    for (const value of [encodeIdentity(null), undefined, "", "%%%", Buffer.from('{"sub":5}').toString("base64url")]) {
      expect(decodeIdentity(value)).toBeNull();
    }
  });
});

describe("request signatures", () => {
  const body = '{"query":"{ me { id } }"}';
  const identity = encodeIdentity({ userId: "3", scopes: [] });

  it("accepts a signed request once, and refuses a replay of it", () => {
    const verify = createRequestVerifier({ secret: SECRET });
    const headers = signRequest(SECRET, { body, identity });
    expect(headers[IDENTITY_HEADER]).toBe(identity);
    expect(verify({ headers, body })).toEqual({ ok: true });
    expect(verify({ headers, body })).toEqual({ ok: false, code: "replay", reason: expect.stringMatching(/replay/) });
    // The same MAC spelt in upper-case hex is the same signature: still a replay.
    const upper = headers[SIGNATURE_HEADER]?.replace(/v1=([0-9a-f]+)$/, (_, hex: string) => `v1=${hex.toUpperCase()}`);
    expect(verify({ headers: { ...headers, [SIGNATURE_HEADER]: upper ?? "" }, body })).toMatchObject({
      code: "replay",
    });
  });

  it("remembers accepted nonces per verifier (per process): another replica accepts a replay once, within the window only", () => {
    const now = 1_800_000_000_000;
    let clock = now;
    const replicaA = createRequestVerifier({ secret: SECRET, maxAgeMs: 30_000, now: () => clock });
    const replicaB = createRequestVerifier({ secret: SECRET, maxAgeMs: 30_000, now: () => clock });
    const replicaC = createRequestVerifier({ secret: SECRET, maxAgeMs: 30_000, now: () => clock });
    const headers = signRequest(SECRET, { body, identity }, now);
    expect(replicaA({ headers, body })).toEqual({ ok: true });
    expect(replicaB({ headers, body })).toEqual({ ok: true });
    expect(replicaB({ headers, body })).toMatchObject({ code: "replay" });
    clock = now + 31_000;
    expect(replicaC({ headers, body })).toMatchObject({ code: "expired" });
  });

  it("signs each request with a new nonce", () => {
    const a = signRequest(SECRET, { body, identity })[SIGNATURE_HEADER];
    const b = signRequest(SECRET, { body, identity })[SIGNATURE_HEADER];
    expect(a).not.toBe(b);
  });

  it.each([
    [
      "unsigned",
      (h: Record<string, string>) => ({ [IDENTITY_HEADER]: h[IDENTITY_HEADER] }),
      body,
      /not signed/,
      "unsigned",
    ],
    [
      "malformed",
      (h: Record<string, string>) => ({ ...h, [SIGNATURE_HEADER]: "v1=abc" }),
      body,
      /malformed/,
      "malformed",
    ],
    [
      "a MAC that is not hex",
      (h: Record<string, string>) => ({ ...h, [SIGNATURE_HEADER]: `t=${Date.now()},n=x.1,v1=${"zz".repeat(32)}` }),
      body,
      /malformed/,
      "malformed",
    ],
    ["a tampered body", (h: Record<string, string>) => h, body.replace("me", "you"), /does not match/, "mismatch"],
    [
      "a tampered identity",
      (h: Record<string, string>) => ({ ...h, [IDENTITY_HEADER]: encodeIdentity({ userId: "1", scopes: ["admin"] }) }),
      body,
      /does not match/,
      "mismatch",
    ],
  ])("refuses %s", (_, change, sentBody, reason, code) => {
    const verify = createRequestVerifier({ secret: SECRET });
    const headers = change(signRequest(SECRET, { body, identity }));
    expect(verify({ headers, body: sentBody })).toEqual({ ok: false, code, reason: expect.stringMatching(reason) });
  });

  it("refuses another secret's signature, and one outside the time window either way", () => {
    const now = 1_800_000_000_000;
    const verify = createRequestVerifier({ secret: SECRET, maxAgeMs: 30_000, now: () => now });
    expect(verify({ headers: signRequest("another-secret", { body, identity }, now), body }).ok).toBe(false);
    expect(verify({ headers: signRequest(SECRET, { body, identity }, now - 31_000), body })).toEqual({
      ok: false,
      code: "expired",
      reason: expect.stringMatching(/time window/),
    });
    expect(verify({ headers: signRequest(SECRET, { body, identity }, now + 31_000), body }).ok).toBe(false);
    expect(verify({ headers: signRequest(SECRET, { body, identity }, now - 29_000), body })).toEqual({ ok: true });
  });
});

describe("tokens", () => {
  const verify = createTokenVerifier({
    secret: DEVELOPMENT_SECRETS.jwtSecret,
    issuer: "supergraph",
    audience: "supergraph",
  });

  it("mints development tokens the verifier accepts, with scopes", async () => {
    expect(await verify(await mintToken({ userId: "8", scopes: ["admin", "audit"] }))).toEqual({
      userId: "8",
      scopes: ["admin", "audit"],
    });
  });

  it("remembers a verified token until it expires, then refuses it", async () => {
    let clock = Date.now();
    const cached = createTokenVerifier({
      secret: DEVELOPMENT_SECRETS.jwtSecret,
      issuer: "supergraph",
      audience: "supergraph",
      clockToleranceSeconds: 0,
      now: () => clock,
    });
    const token = await mintToken({ userId: "4", expiresIn: 30 });
    expect(await cached(token)).toEqual({ userId: "4", scopes: [] });
    clock += 20_000;
    expect(await cached(token)).toEqual({ userId: "4", scopes: [] });
    clock += 20_000;
    await expect(cached(token)).rejects.toThrow(/expired/);
    // A token that failed is never remembered as good.
    await expect(cached(`${token}x`)).rejects.toThrow();
  });

  it("requires an expiry", async () => {
    const { SignJWT } = await import("jose");
    const forever = await new SignJWT({})
      .setProtectedHeader({ alg: "HS256" })
      .setSubject("1")
      .setIssuer("supergraph")
      .setAudience("supergraph")
      .sign(new TextEncoder().encode(DEVELOPMENT_SECRETS.jwtSecret));
    await expect(verify(forever)).rejects.toThrow(/"exp" claim/);
  });

  it("names what makes a production secret unacceptable, never the secret", () => {
    expect(productionSecretProblem("JWT_SECRET", undefined, DEVELOPMENT_SECRETS.jwtSecret)).toMatch(/required/);
    expect(productionSecretProblem("JWT_SECRET", DEVELOPMENT_SECRETS.jwtSecret, DEVELOPMENT_SECRETS.jwtSecret)).toMatch(
      /development secret/,
    );
    expect(productionSecretProblem("JWT_SECRET", "short", DEVELOPMENT_SECRETS.jwtSecret)).toMatch(/at least 32/);
    expect(productionSecretProblem("JWT_SECRET", "x".repeat(32), DEVELOPMENT_SECRETS.jwtSecret)).toBeUndefined();
  });
});
