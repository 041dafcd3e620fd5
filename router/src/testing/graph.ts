import { createServer as createHttpServer } from "node:http";
import { createServer as createNetServer } from "node:net";
import { composeServices } from "@apollo/composition";
import { ApolloServer, type BaseContext } from "@apollo/server";
import { buildSubgraphSchema } from "@apollo/subgraph";
import {
  ConflictError,
  createLogger,
  createService,
  NotFoundError,
  type Service,
  ValidationError,
} from "@supergraph/service-kit";
import { parse } from "graphql";
import { createServer, type ServerDeps } from "../server.js";

/**
 * Test fixtures (not built into dist/): two tiny subgraphs and a router over them, all real HTTP
 * on free ports of 127.0.0.1.
 */
export const logger = createLogger({ service: "router-test", level: "silent" });

// Two tiny subgraphs, real HTTP on 127.0.0.1: users owns User; products owns Product and adds User.products.
export const usersTypeDefs = parse(`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key"])
  type User @key(fields: "id") { id: ID! name: String! }
  type Query { user(id: ID!): User }
  type Mutation { renameUser(id: ID!, name: String!): User! }
`);
const people: Record<string, string> = { "1": "Ada", "2": "Grace" };
const usersResolvers = {
  Query: {
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

export async function startSubgraph(
  name: string,
  typeDefs: typeof usersTypeDefs,
  resolvers: object,
): Promise<{ service: Service<BaseContext>; url: string }> {
  const schema = buildSubgraphSchema({ typeDefs, resolvers } as Parameters<typeof buildSubgraphSchema>[0]);
  const service = await createService<BaseContext>({
    name,
    logger,
    buildApollo: (base) => new ApolloServer<BaseContext>({ schema, ...base }),
    context: async () => ({}),
  });
  const { port } = await service.listen(0, "127.0.0.1");
  return { service, url: `http://127.0.0.1:${port}/graphql` };
}

/** A URL nothing listens on: a port the OS just handed out and that was closed again. */
export async function deadUrl(): Promise<string> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/graphql`;
}

export function compose(urls: { users: string; products: string }): string {
  const result = composeServices([
    { name: "users", url: urls.users, typeDefs: usersTypeDefs },
    { name: "products", url: urls.products, typeDefs: productsTypeDefs },
  ]);
  if (result.errors) throw new Error(result.errors.map((error) => error.message).join("\n"));
  return result.supergraphSdl;
}

/** How a chaos proxy treats the requests it gets: forward them, never answer, drop the connection, or answer a status. */
export type ChaosMode = "pass" | "hang" | "reset" | number;

/** A proxy in front of a subgraph that a test can break at will, counting the requests it gets. */
export interface Chaos {
  url: string;
  mode: ChaosMode;
  /** Requests it got, the router's health-check probes not included. */
  hits: number;
  /** What each request it got was (query, mutation, or the router's health-check probe), in order. */
  operations: string[];
}

async function startChaosProxy(target: string): Promise<{ chaos: Chaos; close: () => Promise<void> }> {
  const chaos: Chaos = { url: "", mode: "pass", hits: 0, operations: [] };
  const server = createHttpServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    const text = (JSON.parse(body) as { query?: string }).query ?? "";
    const kind = text.includes("__RouterHealthCheck") ? "probe" : /^\s*mutation\b/.test(text) ? "mutation" : "query";
    chaos.operations.push(kind);
    if (kind !== "probe") chaos.hits++;
    const mode = chaos.mode;
    if (mode === "hang") return;
    if (mode === "reset") return req.socket.destroy();
    if (typeof mode === "number") return res.writeHead(mode, { "content-type": "text/plain" }).end("chaos");
    const response = await fetch(target, { method: "POST", headers: { "content-type": "application/json" }, body });
    res.writeHead(response.status, { "content-type": response.headers.get("content-type") ?? "application/json" });
    res.end(await response.text());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  chaos.url = `http://127.0.0.1:${(server.address() as { port: number }).port}/graphql`;
  return {
    chaos,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

export interface Graph {
  routerUrl: string;
  origin: string;
  /** Chaos proxies in front of the subgraphs that asked for one. */
  chaos: Partial<Record<"users" | "products", Chaos>>;
  supergraphSdl: string;
  stopProducts(): Promise<void>;
  close(): Promise<void>;
}

export async function startGraph(
  options: {
    production?: boolean;
    routeUsersVia?: "supergraph" | "override";
    /** Put a chaos proxy in front of these subgraphs. Default: none. */
    chaos?: ("users" | "products")[];
    /** More router options (subgraph settings, hot reload). */
    router?: Partial<ServerDeps>;
  } = {},
): Promise<Graph> {
  const users = await startSubgraph("users", usersTypeDefs, usersResolvers);
  const products = await startSubgraph("products", productsTypeDefs, productsResolvers);
  const proxies = Object.fromEntries(
    await Promise.all(
      (options.chaos ?? []).map(
        async (name) => [name, await startChaosProxy(name === "users" ? users.url : products.url)] as const,
      ),
    ),
  );
  const usersUrl = proxies.users?.chaos.url ?? users.url;
  const productsUrl = proxies.products?.chaos.url ?? products.url;
  const viaOverride = options.routeUsersVia === "override";
  // With the override, the supergraph's own routing URL for users leads nowhere.
  const supergraphSdl = compose({ users: viaOverride ? await deadUrl() : usersUrl, products: productsUrl });
  const router = await createServer({
    supergraphSdl,
    subgraphUrls: viaOverride ? { users: usersUrl } : {},
    logger,
    production: options.production ?? false,
    ...options.router,
  });
  const { port } = await router.listen(0, "127.0.0.1");
  const origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    routerUrl: `${origin}/graphql`,
    chaos: Object.fromEntries(Object.entries(proxies).map(([name, proxy]) => [name, proxy.chaos])),
    supergraphSdl,
    stopProducts: () => products.service.close(),
    close: async () => {
      await Promise.all(Object.values(proxies).map((proxy) => proxy.close()));
      await Promise.all([router.close(), users.service.close(), products.service.close()]);
    },
  };
}

export interface GraphQLResponse {
  data?: Record<string, unknown> | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
}

export async function query(url: string, document: string): Promise<GraphQLResponse> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query: document }),
  });
  return (await response.json()) as GraphQLResponse;
}
