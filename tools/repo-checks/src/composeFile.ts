/**
 * docker-compose.yml as Compose reads it, and what the deploy-file tests share: the repository's
 * files, mounts, and skipping a test for want of a tool.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join, posix } from "node:path";
import { REPO_ROOT, readRepoFile } from "@supergraph/testing";
import { expect, type TestContext } from "vitest";
import { parse } from "yaml";

export interface ComposeService {
  build?: { context: string; dockerfile: string };
  image?: string;
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  healthcheck?: { test?: string[]; disable?: boolean };
  depends_on?: Record<string, { condition?: string }>;
}
export interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

/** `${NAME:-default}` (and `${NAME-default}`, `${NAME}`) as Compose reads them with `variables` set, the others unset. */
export const withVariables = (text: string, variables: Record<string, string>) =>
  text.replace(/\$\{(\w+)(?::?-([^}]*))?\}/g, (_, name: string, fallback = "") => variables[name] || fallback);
/** docker-compose.yml as Compose reads it with `variables` in its environment: anchors merged, the others at their defaults. */
export function composeWith(variables: Record<string, string>): ComposeFile {
  const file = parse(withVariables(readRepoFile("docker-compose.yml"), variables), { merge: true }) as ComposeFile;
  // `KEY: ${UNSET:-}` is the empty string to Compose (YAML would read a null).
  for (const service of Object.values(file.services)) {
    const env = service.environment ?? {};
    for (const [key, value] of Object.entries(env)) env[key] = value ?? "";
  }
  return file;
}
/** docker-compose.yml as Compose reads it in development: anchors merged, variables at their defaults. */
export const compose = composeWith({});
export const services = compose.services;

/** The one service running `image` (its name without the tag, e.g. `postgres`), and its name. */
export function serviceOfImage(image: string): [string, ComposeService] {
  const found = Object.entries(services).filter(([, service]) => service.image?.split(":")[0] === image);
  expect(
    found.map(([name]) => name),
    `services running the ${image} image`,
  ).toHaveLength(1);
  return found[0] as [string, ComposeService];
}

/** The host file a service mounts at `target` (a bind mount of a repository file), relative to the repository. */
export function mountedFile(service: ComposeService, target: string): string {
  const mount = (service.volumes ?? []).find((volume) => volume.split(":")[1] === target);
  if (!mount) throw new Error(`nothing is mounted at ${target}`);
  const source = posix.normalize(mount.split(":")[0] ?? "");
  expect(existsSync(join(REPO_ROOT, source)), source).toBe(true);
  return source;
}

/**
 * Skips the test when a tool it runs is not here (`reason` says which; undefined: it is). With
 * REQUIRE_DEPLOY_TOOLS=1 (CI, where the tools are installed) its absence fails the test instead,
 * unless the check is an `optional` extra.
 */
export function skipWithout(context: TestContext, reason: string | undefined, { optional = false } = {}): void {
  if (reason === undefined) return;
  if (!optional && process.env.REQUIRE_DEPLOY_TOOLS === "1") throw new Error(`REQUIRE_DEPLOY_TOOLS=1, but ${reason}`);
  const note = optional ? "an extra check where the tool is installed" : "REQUIRE_DEPLOY_TOOLS=1 makes this a failure";
  console.warn(`deployFiles.test.ts: skipped "${context.task.name}": ${reason} (${note})`);
  context.skip(reason);
}

export const installed = (command: string, args: string[]) =>
  spawnSync(command, args, { stdio: "ignore" }).status === 0;
