import { existsSync } from "node:fs";
import { join, posix } from "node:path";
import {
  listWorkspaces,
  REPO_ROOT,
  readRepoFile,
  routerDeployable,
  runProcess,
  subgraphDeployables,
} from "@supergraph/testing";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  type ComposeFile,
  compose,
  composeWith,
  installed,
  mountedFile,
  serviceOfImage,
  services,
  skipWithout,
} from "./composeFile.js";

const workspaces = listWorkspaces();
const subgraphs = subgraphDeployables();
const deployables = [...subgraphs, routerDeployable()];
const DOCKERFILES = deployables.map(({ folder }) => `${folder}/Dockerfile`);

/** The instructions of a Dockerfile's last stage (the image that ships). */
const finalStage = (dockerfile: string) => dockerfile.slice(dockerfile.lastIndexOf("\nFROM "));

/** What `npm ls <package> --omit=dev -w <workspace>` finds: the production dependency paths to it (none: []). */
async function productionPathsTo(dependency: string, workspace: string): Promise<unknown[]> {
  const run = await runProcess("npm", ["ls", dependency, "--omit=dev", "--json", "-w", workspace], {
    cwd: REPO_ROOT,
    timeoutMs: 60_000,
  });
  const tree = JSON.parse(run.stdout || "{}") as { dependencies?: Record<string, unknown> };
  return Object.values(tree.dependencies ?? {});
}

/** The workspaces a deployable's image builds and ships: its own, and the workspaces it depends on, transitively. */
function shippedWorkspaces(name: string): string[] {
  const byName = new Map(workspaces.map((workspace) => [workspace.name, workspace]));
  const shipped = new Set<string>();
  const visit = (packageName: string) => {
    const workspace = byName.get(packageName);
    if (!workspace || shipped.has(workspace.path)) return;
    shipped.add(workspace.path);
    for (const dependency of Object.keys(workspace.manifest.dependencies ?? {})) visit(dependency);
  };
  visit(name);
  return [...shipped].sort();
}

describe("docker-compose.yml and the Dockerfiles stay in step with the repository", () => {
  it("has one service per deployable, each built from its own folder's Dockerfile, and official images for the rest", () => {
    const built = Object.entries(services).filter(([, service]) => service.build);
    expect(built.map(([name]) => name).sort()).toEqual(deployables.map(({ name }) => name).sort());
    for (const { name, folder } of deployables) {
      expect(services[name]?.build, name).toEqual({ context: ".", dockerfile: `${folder}/Dockerfile` });
      expect(existsSync(join(REPO_ROOT, folder, "Dockerfile")), `${folder}/Dockerfile`).toBe(true);
    }
    const images = Object.values(services).flatMap((service) => (service.build ? [] : [service.image]));
    expect(images.sort()).toEqual([expect.stringMatching(/^haproxy:/), "postgres:15", "redis:7"]);
  });

  it("gives every service a health check: its own, or its image's HEALTHCHECK for the ones built here", () => {
    for (const [name, service] of Object.entries(services)) {
      expect(service.healthcheck?.disable, name).not.toBe(true);
      if (service.healthcheck?.test) {
        expect(service.healthcheck.test[0], name).toMatch(/^CMD(-SHELL)?$/);
        expect(service.healthcheck.test.length, name).toBeGreaterThan(1);
      } else {
        expect(service.build, `${name} has no healthcheck and builds no image that has one`).toBeDefined();
        expect(finalStage(readRepoFile(service.build?.dockerfile ?? "")), name).toMatch(
          /^HEALTHCHECK\b[\s\S]*?\bCMD\b/m,
        );
      }
    }
  });

  it("starts each service only once what it depends on is healthy (depends_on: condition service_healthy)", () => {
    let edges = 0;
    for (const [name, service] of Object.entries(services)) {
      for (const [dependency, rule] of Object.entries(service.depends_on ?? {})) {
        expect(services[dependency], `${name} depends on ${dependency}`).toBeDefined();
        expect(rule?.condition, `${name} -> ${dependency}`).toBe("service_healthy");
        edges++;
      }
    }
    expect(edges).toBeGreaterThan(0);
    for (const { name } of subgraphs) {
      expect(Object.keys(services.router?.depends_on ?? {}), "the router waits for").toContain(name);
    }
  });

  it("points the router at every subgraph of supergraph.yaml by service name, with DNS discovery", () => {
    const env = services.router?.environment ?? {};
    for (const { name } of subgraphs) {
      expect(env[`SUBGRAPH_${name.toUpperCase()}_URL`], name).toMatch(new RegExp(`^http://${name}:\\d+/graphql$`));
      expect(services[name], name).toBeDefined();
    }
    // One replica per address a service name resolves to: every container of `--scale products=3`.
    expect(env.ROUTER_SUBGRAPHS__ALL__DISCOVERY).toBe("dns");
    // A silent replica costs a query one bounded try, then the retry goes elsewhere.
    expect(Number(env.ROUTER_SUBGRAPHS__ALL__RETRY__PER_ATTEMPT_TIMEOUT_MS)).toBeGreaterThan(0);
  });

  it("gives each subgraph its own database on the postgres service, named after it, with credentials of its own", () => {
    const [postgresName] = serviceOfImage("postgres");
    const credentials = new Set<string>();
    for (const { name } of subgraphs) {
      const url = new URL(services[name]?.environment?.DATABASE_URL ?? "(none)");
      expect(url.protocol, name).toBe("postgres:");
      expect(url.hostname, name).toBe(postgresName);
      expect(url.port, name).toBe("5432");
      expect(url.pathname, name).toBe(`/${name}`);
      expect(url.username, `${name}'s role`).toBe(name);
      expect(url.password, `${name}'s password`).not.toBe("");
      credentials.add(url.password);
      expect(Object.keys(services[name]?.depends_on ?? {}), name).toContain(postgresName);
    }
    expect(credentials.size, "a password per subgraph").toBe(subgraphs.length);
  });

  it("creates those databases and roles, and no others, from the init script the postgres service mounts", () => {
    const [, postgres] = serviceOfImage("postgres");
    const script = readRepoFile(mountedFile(postgres, "/docker-entrypoint-initdb.d/10-service-databases.sh"));
    const created = [...script.matchAll(/^service_database (\S+) "\$\{(\w+):-\}"$/gm)].map(([, name, variable]) => ({
      name,
      variable,
    }));
    expect(created.map(({ name }) => name).sort()).toEqual(subgraphs.map(({ name }) => name).sort());
    for (const { name, variable } of created) {
      // The password the script gives the role is the one in the subgraph's DATABASE_URL.
      const password = new URL(services[name as string]?.environment?.DATABASE_URL ?? "").password;
      expect(postgres.environment?.[variable as string], `${variable}`).toBe(password);
    }
    // The data lives in a named volume, so it outlives the container.
    const data = (postgres.volumes ?? []).find((volume) => volume.endsWith(":/var/lib/postgresql/data"));
    expect(Object.keys(compose.volumes ?? {})).toContain(data?.split(":")[0]);
  });

  it("publishes one port, the load balancer's 4000: no router publishes one, so `--scale router=N` works", () => {
    const [lbName, lb] = serviceOfImage("haproxy");
    const published = Object.entries(services).filter(([, service]) => (service.ports ?? []).length > 0);
    expect(published.map(([name]) => name)).toEqual([lbName]);
    expect(services.router?.ports).toBeUndefined();
    expect(lb.ports).toEqual(["4000:4000"]);
    expect(lb.depends_on?.router?.condition).toBe("service_healthy");
  });

  it("has the load balancer find every router replica through Docker's DNS (deploy/compose/haproxy.cfg)", () => {
    const [, lb] = serviceOfImage("haproxy");
    const config = readRepoFile(mountedFile(lb, "/usr/local/etc/haproxy/haproxy.cfg"));
    const routerEnv = services.router?.environment ?? {};
    expect(config).toMatch(/^\s+bind :4000$/m);
    expect(config).toMatch(/^resolvers docker\n\s+nameserver \S+ 127\.0\.0\.11:53$/m);
    // Up to 10 servers filled from the DNS answer for the router service's name, at the router's port.
    expect(config).toMatch(new RegExp(`^\\s+server-template \\S+ \\d+ router:${routerEnv.PORT}$`, "m"));
    expect(config).toMatch(/^\s+default-server .*\bresolvers docker\b/m);
    // A replica gets traffic while its readiness endpoint (on the internal port) says so.
    expect(config).toMatch(new RegExp(`^\\s+default-server check port ${routerEnv.INTERNAL_PORT}\\b`, "m"));
    expect(config).toMatch(/^\s+option httpchk GET \/ready$/m);
  });

  it("has the load balancer's config pass `haproxy -c`", async (context) => {
    // The image's own program would be best; without Docker, Debian's haproxy reads the same syntax.
    const missing = installed("haproxy", ["-v"]) ? undefined : "haproxy is not installed (apt-get install -y haproxy)";
    skipWithout(context, missing, { optional: true });
    const run = await runProcess("haproxy", ["-c", "-f", "deploy/compose/haproxy.cfg"], {
      cwd: REPO_ROOT,
      timeoutMs: 20_000,
    });
    expect(run.code, run.output).toBe(0);
  });

  it("shares the routers' state through the redis service (REDIS_URL)", () => {
    const [redisName] = serviceOfImage("redis");
    expect(services.router?.environment?.REDIS_URL).toBe(`redis://${redisName}:6379`);
    expect(services.router?.depends_on?.[redisName]?.condition).toBe("service_healthy");
  });

  it("is valid for Compose itself (`docker-compose config`), which reads it as this test does", async (context) => {
    skipWithout(
      context,
      installed("docker-compose", ["version"])
        ? undefined
        : "docker-compose is not installed (as root: apt-get install -y docker-compose)",
    );
    // Only PATH: no variable of this shell changes the defaults.
    const run = await runProcess("docker-compose", ["-f", "docker-compose.yml", "config"], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? "" },
      timeoutMs: 30_000,
    });
    expect(run.code, run.output).toBe(0);
    const resolved = parse(run.stdout) as ComposeFile;
    expect(Object.keys(resolved.services).sort()).toEqual(Object.keys(services).sort());
    for (const [name, service] of Object.entries(services)) {
      expect(resolved.services[name]?.environment ?? {}, name).toEqual(service.environment ?? {});
      expect(resolved.services[name]?.depends_on ?? {}, name).toEqual(service.depends_on ?? {});
    }
  });

  it("wires the production secrets its header's command sets: every service in production mode with the one signing secret, the router with its token key", () => {
    // The variables of the header's production command (`NAME=$(openssl rand ...)`), each given a value.
    const header = readRepoFile("docker-compose.yml").split("\nservices:")[0] ?? "";
    const named = [...header.matchAll(/\b([A-Z][A-Z0-9_]*)=\$\(openssl rand/g)].map((match) => match[1] as string);
    expect(named).toEqual(expect.arrayContaining(["JWT_SECRET", "SUBGRAPH_SIGNING_SECRET"]));
    const production = Object.fromEntries([
      ["NODE_ENV", "production"],
      ...named.map((name, index) => [name, `${index}${"c0ffee".repeat(8)}`]),
    ]);
    const deployed = composeWith(production).services;
    const signing = production.SUBGRAPH_SIGNING_SECRET;
    for (const { name } of deployables) {
      const env = deployed[name]?.environment ?? {};
      expect(env.NODE_ENV, name).toBe("production");
      expect(env.SUBGRAPH_SIGNING_SECRET, name).toBe(signing);
    }
    expect(deployed.router?.environment?.JWT_SECRET).toBe(production.JWT_SECRET);
    // Or the identity provider's key set instead of an HS256 secret.
    const { JWT_SECRET: _, ...withoutSecret } = production;
    const jwks = "https://idp.example/.well-known/jwks.json";
    const router = composeWith({ ...withoutSecret, JWKS_URL: jwks }).services.router?.environment ?? {};
    expect(router).toMatchObject({ JWKS_URL: jwks, JWT_SECRET: "" });
    // Unset, no secret has a fallback here: a service in production then refuses to start, naming it.
    const unset = composeWith({ NODE_ENV: "production" }).services;
    for (const { name } of deployables) expect(unset[name]?.environment?.SUBGRAPH_SIGNING_SECRET, name).toBe("");
    expect(unset.router?.environment).toMatchObject({ JWT_SECRET: "", JWKS_URL: "" });
  });

  it.each(DOCKERFILES)(
    "%s copies every workspace manifest (npm ci needs them all), ships only its own workspaces' build output, and starts its package's main",
    (dockerfile) => {
      const text = readRepoFile(dockerfile);
      const manifests = [...text.matchAll(/^COPY ([\w/-]+)\/package\.json \1\/$/gm)].map((match) => match[1]).sort();
      expect(manifests).toEqual(workspaces.map(({ path }) => path).sort());
      const folder = dockerfile.replace(/\/Dockerfile$/, "");
      const own = workspaces.find((workspace) => workspace.path === folder);
      if (!own) throw new Error(`no workspace at ${folder}`);
      const shipped = shippedWorkspaces(own.name);
      const copiedFromBuild = [...text.matchAll(/^COPY --from=build \/app\/([\w/-]+)\/dist /gm)]
        .map((m) => m[1])
        .sort();
      expect(copiedFromBuild).toEqual(shipped);
      // Each shipped workspace's package.json too: Node resolves its `exports` from it.
      const copiedManifests = [...text.matchAll(/^COPY --from=build \/app\/([\w/-]+)\/package\.json /gm)]
        .map((m) => m[1])
        .sort();
      expect(copiedManifests).toEqual(shipped);
      expect(shipped.some((path) => path.startsWith("internal/") || path.startsWith("tools/"))).toBe(false);
      // The production dependencies it installs are its own workspace's, and those are what ships.
      const installs = [...text.matchAll(/^RUN npm ci --omit=dev [^\n]*?((?: --workspace \S+)+)/gm)].map((m) =>
        m[1]?.trim(),
      );
      expect(installs).toEqual([`--workspace ${own.name}`]);
      expect(finalStage(text)).toMatch(/^COPY --from=deps \/app\/node_modules node_modules$/m);
      // It starts the file its package.json names as `main`, the one `npm start` and the test harness run.
      expect(own.manifest.main, `${folder}/package.json main`).toMatch(/^dist\//);
      expect(finalStage(text)).toMatch(
        new RegExp(`\\nCMD \\["node", "${folder}/${own.manifest.main?.replace(/\./g, "\\.")}"\\]\\n?$`),
      );
    },
  );

  it.each(DOCKERFILES)(
    "%s builds in stages and ships an image that runs as a non-root user with a HEALTHCHECK",
    (dockerfile) => {
      const text = readRepoFile(dockerfile);
      expect(text).toMatch(/^FROM \S+ AS build$/m);
      expect(text).toMatch(/^FROM \S+ AS deps$/m);
      const final = finalStage(text);
      expect(final).toMatch(/^USER (?!root\b|0\b)\w+$/m);
      expect(final.indexOf("\nUSER ")).toBeLessThan(final.indexOf("\nCMD "));
      expect(final).toMatch(/^HEALTHCHECK [\s\S]*\/health/m);
    },
  );
});

describe("the images' database drivers", () => {
  it("ships none in the router: neither better-sqlite3 nor pg is among its production dependencies", async () => {
    const [sqlite, postgres] = await Promise.all(
      ["better-sqlite3", "pg"].map((driver) => productionPathsTo(driver, "@supergraph/router")),
    );
    expect(sqlite, "better-sqlite3").toEqual([]);
    expect(postgres, "pg").toEqual([]);
    expect(shippedWorkspaces("@supergraph/router")).not.toContain("packages/subgraph-kit");
  });

  it.each(subgraphs.map(({ folder }) => folder))(
    "ships both in %s: SQLite (the default) and PostgreSQL (DATABASE_URL)",
    async (folder) => {
      const name = workspaces.find((workspace) => workspace.path === folder)?.name ?? folder;
      const [sqlite, postgres] = await Promise.all(
        ["better-sqlite3", "pg"].map((driver) => productionPathsTo(driver, name)),
      );
      expect(sqlite, "better-sqlite3").not.toEqual([]);
      expect(postgres, "pg").not.toEqual([]);
    },
  );
});

describe("the router's image", () => {
  it("ships every trusted-documents manifest router.yaml lists, at the path router.yaml resolves it to", () => {
    // The image keeps the repository's layout under /app, so a path relative to router.yaml holds in both.
    const routerYaml = (parse(readRepoFile("router/router.yaml")) ?? {}) as {
      trustedDocuments?: { manifests?: string[] };
    };
    const manifests = routerYaml.trustedDocuments?.manifests ?? ["../client/persisted-documents.json"];
    const dockerfile = readRepoFile("router/Dockerfile");
    for (const manifest of manifests) {
      const path = posix.normalize(posix.join("router", manifest));
      expect(existsSync(join(REPO_ROOT, path)), path).toBe(true);
      expect(dockerfile, path).toContain(`\nCOPY ${path} ${posix.dirname(path)}/\n`);
    }
  });
});
