/**
 * The baseline a change is compared with: by default the merge-base of HEAD and the main branch
 * (`origin/main` if it exists, else `main`), or a commit chosen with `--base <git-ref>`.
 * Files are read at that commit with `git show`, never from the working tree.
 */
import { runProcess } from "@supergraph/testing/processes";

export type Baseline =
  | {
      found: true;
      commit: string;
      /** How it was chosen, e.g. `merge-base of HEAD and origin/main`. */
      description: string;
      /** A file at the base, by its path relative to the project root; undefined when it did not exist there. */
      readFile(path: string): Promise<string | undefined>;
    }
  | {
      found: false;
      /** Why there is no base, and what to do about it. */
      reason: string;
      /** True when the base was asked for with `--base`: then its absence is an error, not a warning. */
      explicit: boolean;
    };

/** `git <args>` in `root`: its output, or undefined when it fails (not a repository, no such commit, ...). */
async function git(root: string, args: string[]): Promise<string | undefined> {
  const result = await runProcess("git", args, { cwd: root }).catch(() => undefined);
  return result?.code === 0 ? result.stdout : undefined;
}

const verify = async (root: string, ref: string) =>
  (await git(root, ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]))?.trim() || undefined;

/** Finds the base commit for the project at `root` (a git work tree or a folder inside one). */
export async function resolveBaseline(root: string, base?: string): Promise<Baseline> {
  const explicit = base !== undefined;
  const prefix = await git(root, ["rev-parse", "--show-prefix"]);
  if (prefix === undefined) {
    return { found: false, explicit, reason: `${root} is not in a git repository (or git is not installed)` };
  }
  const shallow = (await git(root, ["rev-parse", "--is-shallow-repository"]))?.trim() === "true";
  const shallowHint = shallow
    ? " This is a shallow clone: fetch the full history (actions/checkout with fetch-depth: 0)."
    : "";

  let commit: string | undefined;
  let description: string;
  if (base !== undefined) {
    commit = await verify(root, base);
    description = `--base ${base}`;
    if (!commit)
      return { found: false, explicit, reason: `--base ${base} is not a commit in this repository.${shallowHint}` };
  } else {
    const main = (await verify(root, "origin/main"))
      ? "origin/main"
      : (await verify(root, "main"))
        ? "main"
        : undefined;
    if (!main) {
      return {
        found: false,
        explicit,
        reason: `neither origin/main nor main exists here, so there is no base to compare with; pass --base <git-ref>.${shallowHint}`,
      };
    }
    commit = (await git(root, ["merge-base", "HEAD", main]))?.trim() || undefined;
    description = `merge-base of HEAD and ${main}`;
    if (!commit) {
      return { found: false, explicit, reason: `HEAD and ${main} have no merge-base.${shallowHint}` };
    }
  }
  const at = commit;
  return {
    found: true,
    commit: at,
    description,
    readFile: (path) => git(root, ["show", `${at}:${prefix.trim()}${path}`]),
  };
}
