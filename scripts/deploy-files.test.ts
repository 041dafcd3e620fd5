import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const root = fileURLToPath(new URL("..", import.meta.url));
const read = (path: string) => readFileSync(join(root, path), "utf8");

interface ComposeService {
  build: { context: string; dockerfile: string };
  environment?: Record<string, string>;
}
const compose = parse(read("docker-compose.yml")) as { services: Record<string, ComposeService> };
const workspaces = (JSON.parse(read("package.json")) as { workspaces: string[] }).workspaces.flatMap((entry) =>
  entry === "packages/*" ? ["packages/service-kit"] : [entry],
);

describe("docker-compose.yml and the Dockerfiles stay in step with the repository", () => {
  it("has one service per deployable, each built from its own folder's Dockerfile", () => {
    expect(Object.keys(compose.services).sort()).toEqual(["products", "router", "users"]);
    for (const [name, service] of Object.entries(compose.services)) {
      expect(service.build.context, name).toBe(".");
      expect(existsSync(join(root, service.build.dockerfile)), service.build.dockerfile).toBe(true);
    }
  });

  it.each(["subgraphs/users/Dockerfile", "subgraphs/products/Dockerfile", "router/Dockerfile"])(
    "%s copies every workspace manifest (npm ci needs them all) and starts its own build output",
    (dockerfile) => {
      const text = read(dockerfile);
      for (const workspace of workspaces)
        expect(text, workspace).toContain(`COPY ${workspace}/package.json ${workspace}/`);
      const folder = dockerfile.replace(/\/Dockerfile$/, "");
      expect(text).toContain(`CMD ["node", "${folder}/dist/index.js"]`);
      expect(text).toMatch(/HEALTHCHECK[\s\S]*\/health/);
    },
  );

  it("points the router at every subgraph of supergraph.yaml by service name", () => {
    const subgraphs = Object.keys((parse(read("supergraph.yaml")) as { subgraphs: Record<string, unknown> }).subgraphs);
    const env = compose.services.router?.environment ?? {};
    for (const name of subgraphs) {
      expect(env[`SUBGRAPH_${name.toUpperCase()}_URL`], name).toMatch(new RegExp(`^http://${name}:\\d+/graphql$`));
      expect(compose.services[name], name).toBeDefined();
    }
  });
});
