/**
 * A temporary copy of some of a repository's files in a folder of its own, optionally a git
 * repository (branch main, one commit: the base), with node_modules linked to the original one so
 * code in the copy runs. For tests that edit files and run tools over them.
 */
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

export interface TemporaryProjectOptions {
  /** The repository to copy from. */
  from: string;
  /** Files and folders to copy, relative to `from`. */
  paths: readonly string[];
  /** Make the copy a git repository with one commit on `main`. Default: true. */
  git?: boolean;
}

export class TemporaryProject implements AsyncDisposable {
  private constructor(readonly root: string) {}

  /** Copies the files; with `git`, commits them on `main` as the base. */
  static create({ from, paths, git = true }: TemporaryProjectOptions): TemporaryProject {
    const project = new TemporaryProject(mkdtempSync(join(tmpdir(), "project-copy-")));
    for (const path of paths) cpSync(join(from, path), project.path(path), { recursive: true });
    symlinkSync(join(from, "node_modules"), project.path("node_modules"), "dir");
    project.write(".gitignore", "node_modules\n");
    if (git) {
      project.git("init", "--quiet", "--initial-branch=main");
      project.commit("base");
    }
    return project;
  }

  path(file: string): string {
    return join(this.root, file);
  }

  read(file: string): string {
    return readFileSync(this.path(file), "utf8");
  }

  write(file: string, text: string): void {
    mkdirSync(dirname(this.path(file)), { recursive: true });
    writeFileSync(this.path(file), text);
  }

  /** Replaces `from` with `to` in a file; throws if `from` is not there (so a fixture cannot silently rot). */
  edit(file: string, from: string, to: string): void {
    const text = this.read(file);
    if (!text.includes(from)) throw new Error(`${file} does not contain ${JSON.stringify(from)}`);
    this.write(file, text.replace(from, to));
  }

  git(...args: string[]): string {
    return execFileSync(
      "git",
      ["-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false", ...args],
      { cwd: this.root, encoding: "utf8" },
    );
  }

  commit(message: string): void {
    this.git("add", "--all");
    this.git("commit", "--quiet", "--allow-empty", "--message", message);
  }

  /** Removes the copy. Also `await using`. */
  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.remove();
  }
}
