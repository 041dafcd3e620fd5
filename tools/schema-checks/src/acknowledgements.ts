/**
 * `schema-changes.yaml`: the committed, reviewable list of breaking API schema changes that were accepted,
 * each with a reason. An entry names a change the way the report prints it: `<CHANGE_TYPE> <path>`.
 */
import { readFile } from "node:fs/promises";
import { parse as parseYaml } from "yaml";
import { z } from "zod";

export const ACKNOWLEDGEMENTS_FILE = "schema-changes.yaml";

export interface Acknowledgement {
  /** `<CHANGE_TYPE> <path>`, e.g. `FIELD_REMOVED User.email`. */
  change: string;
  reason: string;
}

/** The file exists but cannot be used; the message names the bad entry. */
export class AcknowledgementsError extends Error {
  override readonly name = "AcknowledgementsError";
}

const entrySchema = z.strictObject({
  change: z
    .string({ error: 'expected change: "<CHANGE_TYPE> <path>", e.g. "FIELD_REMOVED User.email"' })
    .trim()
    .regex(
      /^[A-Z][A-Z_]* \S+$/,
      'expected "<CHANGE_TYPE> <path>", e.g. "FIELD_REMOVED User.email", as npm run check prints it',
    ),
  reason: z
    .string({ error: "expected reason: why this breaking change is acceptable" })
    .trim()
    .min(1, "expected a reason: why this breaking change is acceptable"),
});

const fileSchema = z.strictObject({
  accepted: z.array(entrySchema, { error: "expected accepted: a list of { change, reason }" }).nullish(),
});

/** The key a change is acknowledged by: its type and path, e.g. `FIELD_REMOVED User.email`. */
export function changeKey(change: { type: string; path?: string | undefined }): string {
  return change.path ? `${change.type} ${change.path}` : change.type;
}

/** The YAML entry to add to acknowledge a change. */
export function acknowledgementEntry(key: string): string {
  return `- change: ${JSON.stringify(key)}\n  reason: "<why this is safe for every client>"`;
}

/** Reads and validates the acknowledgements; a missing file means none. */
export async function loadAcknowledgements(path: string): Promise<Acknowledgement[]> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw new AcknowledgementsError(`Cannot read ${path}: ${(error as Error).message}`);
  }
  let data: unknown;
  try {
    data = parseYaml(text) ?? {};
  } catch (error) {
    throw new AcknowledgementsError(`${path} is not valid YAML: ${(error as Error).message}`);
  }
  const parsed = fileSchema.safeParse(data);
  if (!parsed.success) {
    const entries = (data as { accepted?: unknown }).accepted;
    const problems = parsed.error.issues.map((issue) => {
      const [key, index, ...rest] = issue.path;
      if (key !== "accepted" || typeof index !== "number")
        return `${issue.path.join(".") || "(root)"}: ${issue.message}`;
      const change = (Array.isArray(entries) ? (entries[index] as { change?: unknown } | null) : null)?.change;
      const named = typeof change === "string" ? ` (${JSON.stringify(change)})` : "";
      return `accepted[${index}]${named}${rest.length > 0 ? `.${rest.join(".")}` : ""}: ${issue.message}`;
    });
    throw new AcknowledgementsError(`${path} is not valid:\n  ${problems.join("\n  ")}`);
  }
  return parsed.data.accepted ?? [];
}
