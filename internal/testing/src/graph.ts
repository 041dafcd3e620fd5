/**
 * The in-process graph: two tiny subgraphs (users owns User; products owns Product and adds
 * User.products) and a router over them, all real HTTP on free ports of 127.0.0.1, in this process.
 * The router is built by the caller (`createRouter`), so this kit does not depend on it.
 */
import { composeServices } from "@apollo/composition";
import { ApolloServer, type BaseContext } from "@apollo/server";
import { buildSubgraphSchema } from "@apollo/subgraph";
import { createRequestVerifier, decodeIdentity, IDENTITY_HEADER, type Identity } from "@supergraph/auth";
import { ErrorCode } from "@supergraph/error-codes";
import {
  ConflictError,
  createLogger,
  createService,
  type Logger,
  NotFoundError,
  type Service,
  ValidationError,
} from "@supergraph/service-kit";
import { type DocumentNode, parse } from "graphql";
import { type ChaosProxy, startChaosProxy } from "./chaosProxy.js";
import { deadUrl } from "./freePort.js";

/** A silent logger for the graph's services. */
export const silentLogger = createLogger({ service: "graph-test", level: "silent" });

export const usersTypeDefs = parse(`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key"])
  type User @key(fields: "id") { id: ID! name: String! }
  type Query {
    user(id: ID!): User
    "Who the router says the caller is: user id and scopes, or null for anonymous."
    whoami: String
  }
  type Mutation { renameUser(id: ID!, name: String!): User! }
`);
const people: Record<string, string> = { "1": "Ada", "2": "Grace" };
const usersResolvers = {
  Query: {
    whoami: (_: unknown, _args: unknown, { identity }: TinyContext) =>
      identity ? [identity.userId, ...identity.scopes].join(" ") : null,
    user: (_: unknown, { id }: { id: string }) => {
      if (id === "boom") throw new Error("SELECT * FROM users failed: disk I/O error");
      if (!/^\d+$/.test(id)) throw new ValidationError("id", `id must be a number; got "${id}".`);
      const name = people[id];
      if (name === undefined) throw new NotFoundError("User", id);
      return { id, name };
    },
  },
  Mutation: {
    renameUser: (_: unknown, { id, name }: { id: string; name: string }) => {
      if (Object.values(people).includes(name)) throw new ConflictError("name", `name "${name}" is taken.`);
      return { id, name };
    },
  },
  User: {
    __resolveReference: ({ id }: { id: string }) => (people[id] ? { id, name: people[id] } : null),
  },
};

export const productsTypeDefs = parse(`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key"])
  type Product @key(fields: "id") { id: ID! title: String! createdBy: User }
  type User @key(fields: "id") { id: ID! products: [Product!] }
  type Query { products: [Product!]! }
`);
const catalog = [
  { id: "p1", title: "Lamp", createdById: "1" },
  { id: "p2", title: "Desk", createdById: "2" },
];
const productsResolvers = {
  Query: { products: () => catalog },
  Product: { createdBy: (product: { createdById: string }) => ({ id: product.createdById }) },
  User: {
    __resolveReference: ({ id }: { id: string }) => ({ id }),
    products: ({ id }: { id: string }) => catalog.filter((product) => product.createdById === id),
  },
};

/** A tiny subgraph's context: the identity header the router sent (verified when the subgraph checks signatures). */
interface TinyContext extends BaseContext {
  identity: Identity | null;
}

/**
 * A subgraph served by the service kit on a free port of 127.0.0.1. With `signingSecret`, it
 * answers only requests signed with it (401 SIGNATURE_INVALID otherwise), as the real subgraphs do.
 */
export async function startTinySubgraph(
  name: string,
  typeDefs: DocumentNode,
  resolvers: object,
  { signingSecret }: { signingSecret?: string | undefined } = {},
): Promise<{ service: Service<TinyContext>; url: string }> {
  const schema = buildSubgraphSchema({ typeDefs, resolvers } as Parameters<typeof buildSubgraphSchema>[0]);
  const verify = signingSecret ? createRequestVerifier({ secret: signingSecret }) : undefined;
  const service = await createService<TinyContext>({
    name,
    logger: silentLogger,
    buildApollo: (base) => new ApolloServer<TinyContext>({ schema, ...base }),
    context: async ({ headers }) => {
      const header = headers[IDENTITY_HEADER];
      return { identity: decodeIdentity(Array.isArray(header) ? header[0] : header) };
    },
    ...(verify
      ? {
          verifyRequest: ({ headers, body }) => {
            const result = verify({ headers, body });
            return result.ok
              ? undefined
              : { status: 401, code: ErrorCode.SIGNATURE_INVALID, message: `Refused: ${result.reason}.` };
          },
        }
      : {}),
  });
  const { port } = await service.listen(0, "127.0.0.1");
  return { service, url: `http://127.0.0.1:${port}/graphql` };
}

/** The supergraph of the two tiny subgraphs, routed to `urls`. */
export function composeTinySupergraph(urls: { users: string; products: string }): string {
  const result = composeServices([
    { name: "users", url: urls.users, typeDefs: usersTypeDefs },
    { name: "products", url: urls.products, typeDefs: productsTypeDefs },
  ]);
  if (result.errors) throw new Error(result.errors.map((error) => error.message).join("\n"));
  return result.supergraphSdl;
}

/** What the graph gives the router factory. */
export interface RouterInputs {
  supergraphSdl: string;
  /** Replica URL overrides by subgraph name (only with `routeUsersVia: "override"`). */
  subgraphUrls: Record<string, string>;
  logger: Logger;
}

export interface GraphOptions {
  /** Builds the router (not listening) from the graph's supergraph; the graph listens and closes it. */
  // biome-ignore lint/suspicious/noExplicitAny: any router context will do
  createRouter: (inputs: RouterInputs) => Promise<Service<any>>;
  /** How the router finds users: the supergraph's routing URL, or an override (the routing URL then leads nowhere). Default: supergraph. */
  routeUsersVia?: "supergraph" | "override";
  /** Put a chaos proxy in front of these subgraphs. Default: none. */
  chaos?: ("users" | "products")[];
  /** The subgraphs answer only requests signed with this secret. Default: none (they answer anyone). */
  signingSecret?: string;
}

export interface Graph extends AsyncDisposable {
  routerUrl: string;
  origin: string;
  /** Chaos proxies in front of the subgraphs that asked for one. */
  chaos: Partial<Record<"users" | "products", ChaosProxy>>;
  /** The chaos proxy in front of `name`; throws if it has none. */
  chaosOf(name: "users" | "products"): ChaosProxy;
  supergraphSdl: string;
  stopProducts(): Promise<void>;
  /** Stops everything it started. Also `await using`. */
  close(): Promise<void>;
}

export async function startGraph({
  createRouter,
  routeUsersVia,
  chaos = [],
  signingSecret,
}: GraphOptions): Promise<Graph> {
  const users = await startTinySubgraph("users", usersTypeDefs, usersResolvers, { signingSecret });
  const products = await startTinySubgraph("products", productsTypeDefs, productsResolvers, { signingSecret });
  const proxies: Partial<Record<"users" | "products", ChaosProxy>> = {};
  for (const name of chaos) proxies[name] = await startChaosProxy(name === "users" ? users.url : products.url);
  const usersUrl = proxies.users?.url ?? users.url;
  const productsUrl = proxies.products?.url ?? products.url;
  const viaOverride = routeUsersVia === "override";
  const supergraphSdl = composeTinySupergraph({
    users: viaOverride ? await deadUrl() : usersUrl,
    products: productsUrl,
  });
  const router = await createRouter({
    supergraphSdl,
    subgraphUrls: viaOverride ? { users: usersUrl } : {},
    logger: silentLogger,
  });
  const { port } = await router.listen(0, "127.0.0.1");
  const origin = `http://127.0.0.1:${port}`;
  const close = async () => {
    await Promise.all(Object.values(proxies).map((proxy) => proxy.close()));
    await Promise.all([router.close(), users.service.close(), products.service.close()]);
  };
  return {
    origin,
    routerUrl: `${origin}/graphql`,
    chaos: proxies,
    chaosOf: (name) => {
      const proxy = proxies[name];
      if (!proxy) throw new Error(`no chaos proxy in front of ${name}: ask for it with chaos: ["${name}"]`);
      return proxy;
    },
    supergraphSdl,
    stopProducts: () => products.service.close(),
    close,
    [Symbol.asyncDispose]: close,
  };
}
