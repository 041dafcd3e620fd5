import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runNode, startProcess } from "./processes.js";
import { TemporaryProject } from "./temporaryProject.js";
import { listWorkspaces, REPO_ROOT } from "./workspaces.js";

describe("processes", () => {
  it("runProcess collects stdout, stderr, the exit code and IPC messages", async () => {
    const script = 'console.log("out"); console.error("err"); process.send?.({ hello: 1 }, () => process.exit(3));';
    const result = await runNode(["-e", script], { ipc: true });
    expect(result).toMatchObject({ code: 3, signal: null, stdout: "out\n", stderr: "err\n", timedOut: false });
    expect(result.messages).toEqual([{ hello: 1 }]);
  });

  it("runProcess kills a command that outlives its timeout", async () => {
    const result = await runNode(["-e", "setTimeout(() => {}, 60_000)"], { timeoutMs: 200 });
    expect(result).toMatchObject({ timedOut: true, signal: "SIGKILL" });
  });

  it("startProcess stops a service with SIGTERM, or SIGKILL once the grace period is over; await using stops it", async () => {
    const polite = startProcess(process.execPath, ["-e", "console.log('up'); setInterval(() => {}, 1000)"]);
    await expect.poll(() => polite.output()).toContain("up");
    expect(await polite.exited(50)).toBeUndefined();
    await polite.stop();
    expect(polite.running).toBe(false);

    const stubborn = startProcess(process.execPath, [
      "-e",
      "process.on('SIGTERM', () => {}); console.log('up'); setInterval(() => {}, 1000)",
    ]);
    await expect.poll(() => stubborn.output()).toContain("up");
    const started = Date.now();
    await stubborn.stop("SIGTERM", 200);
    expect(stubborn.running).toBe(false);
    expect(Date.now() - started).toBeLessThan(5000);

    let leaked: ReturnType<typeof startProcess> | undefined;
    {
      await using child = startProcess(process.execPath, ["-e", "setInterval(() => {}, 1000)"]);
      leaked = child;
      expect(child.running).toBe(true);
    }
    expect(leaked.running).toBe(false);
  });

  it("startProcess with a logFile: the child writes to the file (no pipe to drain), output() reads it, and it keeps appending", async () => {
    const dir = mkdtempSync(join(tmpdir(), "process-log-"));
    try {
      const logFile = join(dir, "service.log");
      const script = "console.log('out'); console.error('err'); setInterval(() => {}, 1000)";
      const first = startProcess(process.execPath, ["-e", script], { logFile });
      await expect.poll(() => first.output()).toBe("out\nerr\n");
      await first.stop();
      const second = startProcess(process.execPath, ["-e", "console.log('again')"], { logFile });
      expect(await second.exited()).toBe(0);
      expect(readFileSync(logFile, "utf8")).toBe("out\nerr\nagain\n");
      expect(second.output()).toBe("out\nerr\nagain\n");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("temporary projects and workspaces", () => {
  it("copies files into a git repository of its own, edits them only where the text is, and is removed by await using", async () => {
    let root = "";
    {
      await using project = TemporaryProject.create({ from: REPO_ROOT, paths: ["supergraph.yaml"] });
      root = project.root;
      expect(project.git("log", "--format=%s").trim()).toBe("base");
      project.edit("supergraph.yaml", "users:", "people:");
      expect(project.read("supergraph.yaml")).toContain("people:");
      expect(() => project.edit("supergraph.yaml", "no such text", "x")).toThrow(/does not contain/);
      project.commit("rename");
      expect(project.git("log", "--format=%s").trim().split("\n")).toEqual(["rename", "base"]);
    }
    expect(existsSync(root)).toBe(false);
  });

  it("lists the repository's workspaces with their manifests", () => {
    const workspaces = listWorkspaces();
    expect(workspaces.map((workspace) => workspace.path)).toEqual(
      expect.arrayContaining([
        "packages/error-codes",
        "subgraphs/users",
        "router",
        "client",
        "tools/schema-checks",
        "internal/testing",
      ]),
    );
    expect(workspaces.find((workspace) => workspace.path === "router")?.name).toBe("@supergraph/router");
  });
});
