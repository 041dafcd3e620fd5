/**
 * The supergraph from the command line: one typed call to the router gets users and products, joined.
 *
 *   npm run client -- users
 *   npm run client -- create-user --name Carol --email carol@example.com --json
 */
import { parseArgs } from "node:util";
import { createClient } from "./client.js";
import { COMMANDS, UsageError } from "./commands.js";
import { ClientNetworkError, type GraphQLResultError } from "./errors.js";

export const DEFAULT_URL = "http://localhost:4000/graphql";

const USAGE = `Usage: npm run client -- <command> [options]

Commands:
${Object.values(COMMANDS)
  .map(({ usage }) => `  ${usage}`)
  .join("\n")}

Options:
  --url URL    the router's GraphQL endpoint (default: $SUPERGRAPH_URL or ${DEFAULT_URL})
  --json       print the result as JSON: { "data": ..., "errors": [...] }
  -h, --help   show this help

Exit codes: 0 success, 1 the result has errors or the router could not be reached, 2 usage error.`;

function describe(error: GraphQLResultError): string {
  const where = [
    error.serviceName ? `subgraph ${error.serviceName}` : undefined,
    error.path ? `at ${error.path.join(".")}` : undefined,
  ].filter(Boolean);
  return `error [${error.code}] ${error.message}${where.length > 0 ? ` (${where.join(", ")})` : ""}`;
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
  const flags = Object.fromEntries(
    Object.entries(values).filter((entry): entry is [string, string] => typeof entry[1] === "string"),
  );
  try {
    const { result, text } = await command.run(createClient({ url }), rest, flags);
    if (values.json) out(JSON.stringify(result, null, 2));
    else if (text) out(text);
    for (const error of result.errors) err(describe(error));
    return result.errors.length > 0 ? 1 : 0;
  } catch (error) {
    if (error instanceof UsageError) {
      err(`${error.message}\n\n${USAGE}`);
      return 2;
    }
    if (error instanceof ClientNetworkError) {
      err(`error ${error.message}`);
      return 1;
    }
    throw error;
  }
}
