/**
 * The supergraph from the command line: one typed call to the router gets users and products, joined.
 *
 *   npm run client -- users
 *   npm run client -- create-user --name Carol --email carol@example.com --json
 *   npm run client -- update-user 3 --name Caroline --token "$(npm run -s token -- --user 3)"
 */
import { parseArgs } from "node:util";
import { createClient } from "./client.js";
import { COMMANDS, type CommandSpec, type Flags, UsageError } from "./commands.js";
import { ClientNetworkError, type GraphQLResultError } from "./errors.js";

export const DEFAULT_URL = "http://localhost:4000/graphql";

/** How to get a token: the repository's token script (HS256, the router's development secret unless JWT_SECRET is set). */
export const MINT_TOKEN = "npm run token -- --user <id>";

const USAGE = `Usage: npm run client -- <command> [options]

Commands:
${Object.values(COMMANDS)
  .map(({ usage }) => `  ${usage}`)
  .join("\n")}

Options:
  --url URL      the router's GraphQL endpoint (default: $SUPERGRAPH_URL or ${DEFAULT_URL})
  --token JWT    sign in: sent as "Authorization: Bearer JWT" (default: $SUPERGRAPH_TOKEN; none: anonymous)
  --json         print the result as JSON: { "data": ..., "errors": [...] }
  -h, --help     show this help

Reading is open to anyone; writes need a signed-in user (mint a token: ${MINT_TOKEN} [--scope admin]).
A user may change only themselves and the products they created, unless they are an admin.
Emails are private: other users' show as (hidden).

Exit codes: 0 success, 1 the result has errors or the router could not be reached, 2 usage error.`;

function describe(error: GraphQLResultError): string {
  const where = [
    error.serviceName ? `subgraph ${error.serviceName}` : undefined,
    error.path ? `at ${error.path.join(".")}` : undefined,
  ].filter(Boolean);
  return `error [${error.code}] ${error.message}${where.length > 0 ? ` (${where.join(", ")})` : ""}`;
}

/** What to do about the refusals a user can fix: signing in, signing in as someone else, an old router. */
function hints(
  codes: ReadonlySet<string>,
  { command, positionals, flags, token }: { command: CommandSpec; positionals: string[]; flags: Flags; token: boolean },
): string[] {
  const lines: string[] = [];
  if (codes.has("UNAUTHENTICATED")) {
    lines.push(
      token
        ? `The router refused the token (expired, malformed or not signed for it). Mint a new one: ${MINT_TOKEN}`
        : `This needs a signed-in user. Mint a token with \`${MINT_TOKEN}\`, then pass it with --token <jwt> or SUPERGRAPH_TOKEN=<jwt>.`,
    );
  }
  if (codes.has("FORBIDDEN")) {
    const { action, allowed } = command.permission?.(positionals, flags) ?? { action: "do this", allowed: "an admin" };
    lines.push(
      `The signed-in user may not ${action}; only ${allowed} may, and nothing was changed. Sign in as one: ${MINT_TOKEN} [--scope admin]`,
    );
  }
  if (codes.has("PERSISTED_QUERY_NOT_LISTED")) {
    lines.push(
      "The router runs only the operations of its trusted manifests, and this one is not among them: give the router this client's persisted-documents.json (npm run codegen writes it).",
    );
  }
  return lines.map((line) => `hint: ${line}`);
}

/** Runs the CLI; returns the exit code. Output goes through `out`/`err` so tests can capture it. */
export async function main(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  out: (text: string) => void = console.log,
  err: (text: string) => void = console.error,
): Promise<number> {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        url: { type: "string" },
        token: { type: "string" },
        json: { type: "boolean" },
        help: { type: "boolean", short: "h" },
        first: { type: "string" },
        after: { type: "string" },
        name: { type: "string" },
        email: { type: "string" },
        price: { type: "string" },
        description: { type: "string" },
        "created-by": { type: "string" },
      },
    });
  } catch (error) {
    err(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [commandName, ...rest] = positionals;
  if (values.help || commandName === undefined) {
    (values.help ? out : err)(USAGE);
    return values.help ? 0 : 2;
  }
  const command = COMMANDS[commandName];
  if (!command) {
    err(`Unknown command "${commandName}".\n\n${USAGE}`);
    return 2;
  }
  const url = (values.url as string | undefined) ?? env.SUPERGRAPH_URL ?? DEFAULT_URL;
  const token = ((values.token as string | undefined) ?? env.SUPERGRAPH_TOKEN ?? "").trim();
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const flags = Object.fromEntries(
    Object.entries(values).filter((entry): entry is [string, string] => typeof entry[1] === "string"),
  );
  const explain = (errors: readonly GraphQLResultError[]) => {
    const codes = new Set(errors.map((error) => error.code));
    for (const line of hints(codes, { command, positionals: rest, flags, token: token !== "" })) err(line);
  };
  try {
    const { result, text } = await command.run(createClient({ url, headers }), rest, flags);
    if (values.json) out(JSON.stringify(result, null, 2));
    else if (text) out(text);
    for (const error of result.errors) err(describe(error));
    explain(result.errors);
    return result.errors.length > 0 ? 1 : 0;
  } catch (error) {
    if (error instanceof UsageError) {
      err(`${error.message}\n\n${USAGE}`);
      return 2;
    }
    if (error instanceof ClientNetworkError) {
      err(`error ${error.message}`);
      explain(error.errors);
      return 1;
    }
    throw error;
  }
}
