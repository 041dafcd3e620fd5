import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEVELOPMENT_SECRETS, mintToken, SIGNATURE_HEADER, signRequest } from "@supergraph/auth";
import { describe, expect, it } from "vitest";
import { findLeaks, scanLogDir } from "./logScan.js";

describe("the log scan", () => {
  it("finds tokens, Authorization values, signatures and the development secrets, and masks them in its report", async () => {
    const token = await mintToken({ userId: "1" });
    const signature = signRequest("k", { body: "{}", identity: "x" })[SIGNATURE_HEADER] ?? "";
    const text = [
      JSON.stringify({ msg: "request", requestId: "a", status: 200 }),
      JSON.stringify({ msg: "oops", token }),
      `authorization: Bearer ${"A".repeat(20)}`,
      JSON.stringify({ msg: "signed", header: signature }),
      `secret is ${DEVELOPMENT_SECRETS.signingSecret}`,
    ].join("\n");
    const leaks = findLeaks(text, "router.log");
    expect(leaks.map((leak) => [leak.line, leak.what])).toEqual([
      [2, "a JSON Web Token"],
      [3, "an Authorization header value"],
      [4, "a request signature"],
      [5, "the development signingSecret"],
    ]);
    expect(leaks.map((leak) => leak.excerpt).join("\n")).not.toContain(token);
  });

  it("scans every .log file of a folder", () => {
    const dir = mkdtempSync(join(tmpdir(), "log-scan-"));
    try {
      writeFileSync(join(dir, "users.log"), '{"msg":"request"}\n');
      writeFileSync(join(dir, "router.log"), `{"jwt":"${DEVELOPMENT_SECRETS.jwtSecret}"}\n`);
      writeFileSync(join(dir, "notes.txt"), DEVELOPMENT_SECRETS.jwtSecret);
      const { files, leaks } = scanLogDir(dir);
      expect(files).toBe(2);
      expect(leaks).toEqual([
        expect.objectContaining({ file: "router.log", line: 1, what: "the development jwtSecret" }),
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
