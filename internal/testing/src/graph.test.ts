import { ApolloServer, type BaseContext } from "@apollo/server";
import { createService } from "@supergraph/service-kit";
import { describe, expect, it } from "vitest";
import { composeTinySupergraph, silentLogger, startGraph } from "./graph.js";
import { postGraphQL } from "./postGraphQL.js";
import { subgraphDeployables } from "./system.js";

describe("the in-process graph", () => {
  it("serves two tiny subgraphs and composes a supergraph routed to them (or to an override)", async () => {
    let supergraph = "";
    let overrides: Record<string, string> = {};
    await using graph = await startGraph({
      routeUsersVia: "override",
      chaos: ["products"],
      // A stand-in router: what matters here is what the graph hands it.
      createRouter: async ({ supergraphSdl, subgraphUrls }) => {
        supergraph = supergraphSdl;
        overrides = subgraphUrls;
        return createService<BaseContext>({
          name: "stand-in",
          logger: silentLogger,
          buildApollo: (base) =>
            new ApolloServer({
              typeDefs: "type Query { ok: Boolean }",
              resolvers: { Query: { ok: () => true } },
              ...base,
            }),
          context: async () => ({}),
        });
      },
    });
    expect(await postGraphQL(graph.routerUrl, "{ ok }")).toEqual({ data: { ok: true } });
    expect(supergraph).toContain("join__Graph");
    const usersUrl = overrides.users ?? "";
    expect(await postGraphQL(usersUrl, '{ user(id: "1") { name } }')).toEqual({ data: { user: { name: "Ada" } } });
    expect(supergraph).not.toContain(usersUrl); // the supergraph's own routing URL for users leads nowhere
    expect(supergraph).toContain(graph.chaosOf("products").url);
    expect(() => graph.chaosOf("users")).toThrow(/no chaos proxy/);
  });

  it("composes the tiny supergraph with both subgraphs' URLs", () => {
    const sdl = composeTinySupergraph({ users: "http://u.test/graphql", products: "http://p.test/graphql" });
    expect(sdl).toContain('url: "http://u.test/graphql"');
    expect(sdl).toContain('url: "http://p.test/graphql"');
  });

  it("finds the repository's subgraphs in supergraph.yaml, each with its folder, entry point and routing URL", () => {
    expect(subgraphDeployables()).toEqual([
      {
        name: "users",
        folder: "subgraphs/users",
        entry: "subgraphs/users/dist/index.js",
        routingUrl: "http://localhost:4001/graphql",
      },
      {
        name: "products",
        folder: "subgraphs/products",
        entry: "subgraphs/products/dist/index.js",
        routingUrl: "http://localhost:4002/graphql",
      },
    ]);
  });
});
