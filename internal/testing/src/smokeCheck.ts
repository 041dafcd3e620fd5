/**
 * The smoke check of a running system (`npm run smoke`, scripts/smoke.ts): writes through the router
 * and reads the write back, so a deployment whose replicas do not share their data fails it.
 *
 * 1. Creates a product through the router, as a signed-in user.
 * 2. Reads it back through the router `reads` times, one after another. The router spreads queries
 *    over every products replica it knows (round robin), so enough reads reach each of them; when the
 *    router's /ready is reachable (outside production, or on its internal port) the check also shows
 *    how many reads each replica served and fails if one served none.
 * 3. Reads it from each products replica in `replicas` directly (a request signed as the router signs
 *    it): every replica must have it.
 * 4. Deletes it through the router.
 *
 * It speaks only the typed client's operations (client/persisted-documents.json), sent as text, so
 * it also passes on a router that runs only trusted documents.
 */
import { parseArgs } from "node:util";
import { DEVELOPMENT_SECRETS, mintToken } from "@supergraph/auth";
import { ConfigError, readSecret } from "@supergraph/service-kit";
import { type GraphQLExchange, sendGraphQL } from "./postGraphQL.js";
import { type Readiness, readiness } from "./readiness.js";
import { readRepoFile } from "./workspaces.js";

export interface SmokeOptions {
  /** The router's GraphQL endpoint, as clients reach it (an origin alone means its /graphql). */
  url: string;
  /** The bearer token to write with (a user's; creating a product needs a signed-in user). */
  token: string;
  /** How many times to read the product back through the router. Default: 20. */
  reads?: number;
  /** GraphQL endpoints (or origins) of products replicas to read from directly. Default: none. */
  replicas?: readonly string[];
  /** The secret that signs the direct reads: the subgraphs' SUBGRAPH_SIGNING_SECRET. Default: the development one. */
  signingSecret?: string;
  /** Per request. Default: 10000 ms. */
  timeoutMs?: number;
  /** Where progress goes, a line at a time. Default: nowhere. */
  log?: (line: string) => void;
}

export interface SmokeReport {
  /** True when every step passed. */
  ok: boolean;
  /** The product written (and deleted again), when it could be created. */
  productId?: string;
  /** What failed, one sentence each; empty when `ok`. */
  problems: string[];
}

/** The typed client's operations, by name, as the manifest the router trusts holds them. */
function clientOperation(name: string): string {
  const manifest = JSON.parse(readRepoFile("client/persisted-documents.json")) as Record<string, string>;
  const text = Object.values(manifest).find((document) => new RegExp(`\\b(query|mutation) ${name}\\b`).test(document));
  if (!text) throw new Error(`client/persisted-documents.json has no operation ${name}`);
  return text;
}

/** A read straight from a subgraph: only the product's own fields (no other subgraph is involved). */
const REPLICA_READ = "query SmokeCheckProduct($id: ID!) { product(id: $id) { id name price } }";

interface Product {
  id: string;
  name: string;
  price: string;
}

/** An origin alone (`http://host:4000`) means its GraphQL endpoint. */
export function graphQLEndpoint(url: string): string {
  const parsed = new URL(url);
  if (parsed.pathname === "/" || parsed.pathname === "") parsed.pathname = "/graphql";
  return parsed.href;
}

/** What went wrong with an exchange, in a few words: the status and the errors' codes and messages. */
function summarize(exchange: GraphQLExchange<unknown>): string {
  // Status 0: no HTTP answer at all (see `send`), the one error says why.
  if (exchange.status === 0) return `no answer: ${exchange.body.errors?.[0]?.message}`;
  const errors = (exchange.body.errors ?? []).map((error) => `${error.extensions?.code ?? "error"}: ${error.message}`);
  return `HTTP ${exchange.status}${errors.length > 0 ? `, ${errors.slice(0, 3).join("; ")}` : ""}`;
}

/** Why a request got no answer: the error, and its cause (ECONNREFUSED, ENOTFOUND, ...), or a timeout. */
function noAnswer(error: Error): string {
  const { code, message } = (error.cause ?? {}) as { code?: string; message?: string };
  const cause = code ?? message;
  return error.name === "TimeoutError" ? "timed out" : `${error.message}${cause ? ` (${cause})` : ""}`;
}

/** Requests each products replica of the router's /ready has served so far, by URL; undefined when /ready is not reachable. */
async function productsRequests(origin: string): Promise<Map<string, number> | undefined> {
  let body: Readiness;
  try {
    body = (await readiness(origin)).body;
  } catch {
    return undefined;
  }
  const replicas = body?.subgraphs?.products?.replicas;
  return Array.isArray(replicas) ? new Map(replicas.map(({ url, requests }) => [url, requests])) : undefined;
}

/** Runs the smoke check against a running system; never throws for a failing system, reports it. */
export async function smokeCheck({
  url,
  token,
  reads = 20,
  replicas = [],
  signingSecret = DEVELOPMENT_SECRETS.signingSecret,
  timeoutMs = 10_000,
  log = () => undefined,
}: SmokeOptions): Promise<SmokeReport> {
  const routerUrl = graphQLEndpoint(url);
  const routerOrigin = new URL(routerUrl).origin;
  const problems: string[] = [];
  const fail = (problem: string) => {
    problems.push(problem);
    log(`FAIL ${problem}`);
  };
  const headers = { authorization: `Bearer ${token}` };
  const send = async <T>(query: string, variables: Record<string, unknown>, target = routerUrl, sign = false) => {
    try {
      return await sendGraphQL<T>(target, query, {
        variables,
        headers: sign ? {} : headers,
        timeoutMs,
        ...(sign ? { sign: { secret: signingSecret } } : {}),
      });
    } catch (error) {
      return {
        status: 0,
        headers: new Headers(),
        body: { errors: [{ message: noAnswer(error as Error) }] },
      } satisfies GraphQLExchange<T>;
    }
  };

  const name = `Smoke check ${new Date().toISOString()} ${Math.random().toString(36).slice(2, 8)}`;
  const price = "12.34";
  log(`Router: ${routerUrl}`);
  const created = await send<{ createProduct: Product | null }>(clientOperation("CreateProduct"), {
    input: { name, price, description: "Written by the smoke check, which deletes it again." },
  });
  const productId = created.body.data?.createProduct?.id;
  if (created.status !== 200 || !productId || created.body.errors) {
    fail(`creating a product through the router failed (${summarize(created)})`);
    return { ok: false, problems };
  }
  log(`ok   created product ${productId} through the router`);

  try {
    const before = await productsRequests(routerOrigin);
    const read = clientOperation("Product");
    const misses: string[] = [];
    for (let attempt = 1; attempt <= reads; attempt++) {
      const answer = await send<{ product: Product | null }>(read, { id: productId });
      const product = answer.body.data?.product;
      if (answer.status !== 200 || answer.body.errors || product?.name !== name || product.price !== price) {
        misses.push(`read ${attempt}: ${product === null ? "no such product" : summarize(answer)}`);
      }
    }
    if (misses.length > 0) {
      fail(
        `${misses.length} of ${reads} reads through the router did not return product ${productId} as written ` +
          `(${misses.slice(0, 3).join("; ")}): do all products replicas use the same database?`,
      );
    } else {
      log(`ok   read it back through the router ${reads} times`);
    }

    const after = await productsRequests(routerOrigin);
    if (before && after) {
      const served = [...after].map(([replica, requests]) => [replica, requests - (before.get(replica) ?? 0)] as const);
      log(
        `     products replicas the router knows: ${served.map(([replica, n]) => `${replica} (${n} requests)`).join(", ")}`,
      );
      const idle = served.filter(([, requests]) => requests === 0).map(([replica]) => replica);
      // Round robin gives each replica about reads / replicas of them; with fewer reads than replicas some rightly get none.
      if (idle.length > 0 && reads >= 2 * served.length) {
        fail(`products replicas ${idle.join(", ")} served none of the ${reads} reads: the router does not reach them`);
      }
    } else {
      log("     (the router's /ready is not reachable here, e.g. on its internal port: replicas not listed)");
    }

    for (const replica of replicas.map(graphQLEndpoint)) {
      const answer = await send<{ product: Product | null }>(REPLICA_READ, { id: productId }, replica, true);
      const product = answer.body.data?.product;
      if (answer.status === 200 && !answer.body.errors && product?.name === name && product.price === price) {
        log(`ok   ${replica} has it`);
      } else if (answer.status === 200 && product === null) {
        fail(
          `${replica} does not have product ${productId}: it does not share the database of the replica that took the write`,
        );
      } else {
        fail(
          `reading from ${replica} failed (${summarize(answer)})` +
            (answer.status === 401 ? ": sign with its SUBGRAPH_SIGNING_SECRET" : ""),
        );
      }
    }
  } finally {
    const deleted = await send<{ deleteProduct: Product | null }>(clientOperation("DeleteProduct"), { id: productId });
    if (deleted.status === 200 && !deleted.body.errors && deleted.body.data?.deleteProduct?.id === productId) {
      log(`ok   deleted product ${productId} through the router`);
    } else {
      fail(`deleting product ${productId} through the router failed (${summarize(deleted)})`);
    }
  }
  return { ok: problems.length === 0, productId, problems };
}

export const SMOKE_USAGE = `usage: npm run smoke -- [--url <router URL>] [--reads <n>] [--replicas <url,url,...>] [--token <jwt>] [--user <id>]

  --url       the router's endpoint, as clients reach it (default: $SUPERGRAPH_URL or http://localhost:4000/graphql)
  --reads     reads through the router (default: 20; at least twice the products replicas times the routers)
  --replicas  products replicas to read from directly, comma-separated (e.g. http://127.0.0.1:4002,http://127.0.0.1:4012);
              signed with SUBGRAPH_SIGNING_SECRET (or _FILE), else the development secret
  --token     the bearer token to write with (default: $SUPERGRAPH_TOKEN; else one minted for --user with
              JWT_SECRET (or _FILE), else with the development secret)
  --user      the user id of the minted token (default: 1)`;

/** Where `smokeMain` writes: progress and the verdict to `log`, failures and usage to `error`. */
export interface SmokeOutput {
  log(line: string): void;
  error(line: string): void;
}

/**
 * `npm run smoke`: parses `argv`, reads credentials from `env`, runs the check. Resolves with the
 * exit code: 0 passed, 1 the system failed the check, 2 bad arguments or settings.
 */
export async function smokeMain(argv: readonly string[], env: NodeJS.ProcessEnv, out: SmokeOutput): Promise<number> {
  let values: { url?: string; reads: string; replicas?: string[]; token?: string; user: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        url: { type: "string" },
        reads: { type: "string", default: "20" },
        replicas: { type: "string", multiple: true },
        token: { type: "string" },
        user: { type: "string", default: "1" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (error) {
    out.error(`${(error as Error).message}\n${SMOKE_USAGE}`);
    return 2;
  }
  if (values.help) {
    out.log(SMOKE_USAGE);
    return 0;
  }
  const usage = (message: string) => {
    out.error(`${message}\n${SMOKE_USAGE}`);
    return 2;
  };
  const reads = Number(values.reads);
  if (!Number.isInteger(reads) || reads < 1 || reads > 1000)
    return usage("--reads must be a whole number from 1 to 1000");
  if (!/^[1-9]\d*$/.test(values.user)) return usage("--user must be a user id, such as 1");
  const url = values.url ?? env.SUPERGRAPH_URL ?? "http://localhost:4000/graphql";
  const replicas = (values.replicas ?? [])
    .flatMap((list) => list.split(","))
    .map((replica) => replica.trim())
    .filter(Boolean);
  for (const candidate of [url, ...replicas]) {
    try {
      if (!/^https?:$/.test(new URL(candidate).protocol)) throw new Error();
    } catch {
      return usage(`not an http(s) URL: ${candidate}`);
    }
  }

  let token = (values.token ?? env.SUPERGRAPH_TOKEN ?? "").trim();
  let signingSecret: string | undefined;
  try {
    signingSecret = readSecret("SUBGRAPH_SIGNING_SECRET", env);
    if (token === "") {
      const jwtSecret = readSecret("JWT_SECRET", env);
      if (jwtSecret === undefined) out.log("(token for user " + values.user + " signed with the development secret)");
      token = await mintToken({ userId: values.user, scopes: [], secret: jwtSecret ?? DEVELOPMENT_SECRETS.jwtSecret });
    }
  } catch (error) {
    if (error instanceof ConfigError) return usage(error.message);
    throw error;
  }

  const report = await smokeCheck({
    url,
    token,
    reads,
    replicas,
    ...(signingSecret ? { signingSecret } : {}),
    log: (line) => out.log(line),
  });
  if (report.ok) {
    out.log("Smoke check passed.");
    return 0;
  }
  out.error(`Smoke check FAILED:\n${report.problems.map((problem) => `  - ${problem}`).join("\n")}`);
  return 1;
}
