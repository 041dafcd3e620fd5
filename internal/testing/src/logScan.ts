import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { DEVELOPMENT_SECRETS } from "@supergraph/auth";

export { LOG_DIR_VARIABLE } from "./processes.js";

/** Something a log line must never hold, and how to recognize it. */
interface Secret {
  what: string;
  pattern: RegExp;
}

const literally = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * What no service may ever log: bearer tokens (a JWT's three base64url parts, or an Authorization
 * value), request signatures (`v1=` and 64 hex digits), and the development secrets themselves.
 */
export const SECRETS: readonly Secret[] = [
  { what: "a JSON Web Token", pattern: /eyJ[\w-]{8,}\.eyJ[\w-]{8,}\.[\w-]{16,}/ },
  { what: "an Authorization header value", pattern: /Bearer\s+[\w\-.~+/]{16,}/i },
  { what: "a request signature", pattern: /v1=[0-9a-f]{64}/ },
  ...Object.entries(DEVELOPMENT_SECRETS).map(([name, value]) => ({
    what: `the development ${name}`,
    pattern: new RegExp(literally(value)),
  })),
];

/** One line that holds a secret. */
export interface Leak {
  file: string;
  line: number;
  what: string;
  /** The line, cut short and with the secret masked, so the report does not leak it again. */
  excerpt: string;
}

/** The lines of `text` (from `file`) holding anything of `SECRETS` (or of `extra`). */
export function findLeaks(text: string, file = "", extra: readonly Secret[] = []): Leak[] {
  const leaks: Leak[] = [];
  const secrets = [...SECRETS, ...extra];
  for (const [index, line] of text.split("\n").entries()) {
    for (const { what, pattern } of secrets) {
      if (!pattern.test(line)) continue;
      const masked = line.replace(new RegExp(pattern.source, `${pattern.flags}g`), "<secret>");
      leaks.push({ file, line: index + 1, what, excerpt: masked.slice(0, 300) });
    }
  }
  return leaks;
}

/** Every leak in the log files of `dir`. */
export function scanLogDir(dir: string): { files: number; lines: number; leaks: Leak[] } {
  const names = readdirSync(dir).filter((name) => name.endsWith(".log"));
  let lines = 0;
  const leaks: Leak[] = [];
  for (const name of names) {
    const text = readFileSync(join(dir, name), "utf8");
    lines += text.split("\n").length;
    leaks.push(...findLeaks(text, name));
  }
  return { files: names.length, lines, leaks };
}
