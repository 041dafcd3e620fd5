import { existsSync } from "node:fs";
import { join, posix } from "node:path";
import { REPO_ROOT, readRepoFile, runProcess, type ScratchFiles, scratchFiles } from "@supergraph/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  DEVELOPMENT_SECRET_VALUES,
  deployables,
  MIN_SECRET_LENGTH,
  namesInSource,
  routerYaml,
  subgraphNames,
  unknownVariable,
} from "./kubernetesContract.js";
import {
  type Autoscaler,
  type Container,
  copyDeploy,
  type DisruptionBudget,
  type Ingress,
  imageName,
  kustomize,
  onPath,
  type Probe,
  type Render,
  type Service,
  selects,
} from "./kubernetesRender.js";

/**
 * deploy/: the kustomize base and its overlays, rendered with `kubectl kustomize` (Debian's kubectl)
 * and checked object by object against each other and against the repository: the images its
 * Dockerfiles build, the variables its services read, router.yaml and the supergraph.
 */
const OVERLAYS = ["dev", "prod"] as const;

const hasKubectl = onPath("kubectl");
const requireTools = process.env.REQUIRE_DEPLOY_TOOLS === "1";
if (!hasKubectl && !requireTools) {
  console.warn(
    "kubernetes.test.ts skipped: no kubectl on PATH to render deploy/overlays. Install Debian's package (as root: " +
      "apt-get install -y kubectl); REQUIRE_DEPLOY_TOOLS=1 (CI) turns this skip into a failure.",
  );
}

/** The container port a probe or Service port names (by name or number). */
const portOf = (container: Container, port: number | string | undefined) =>
  container.ports?.find((entry) => entry.name === port || entry.containerPort === port)?.containerPort;

const httpGet = (probe: Probe | undefined) => probe?.httpGet;

/** The files the prod overlay generates its Secrets from (never committed). */
const prodKustomization = parse(readRepoFile("deploy/overlays/prod/kustomization.yaml")) as {
  secretGenerator?: { name: string; envs?: string[]; files?: string[]; literals?: string[] }[];
};
const generators = prodKustomization.secretGenerator ?? [];
const envFiles = generators.flatMap((generator) =>
  [...(generator.envs ?? []), ...(generator.files ?? [])].map((file) => `deploy/overlays/prod/${file}`),
);

describe.runIf(!hasKubectl && requireTools)("deploy tools (REQUIRE_DEPLOY_TOOLS=1)", () => {
  it("kubectl is installed, to render deploy/overlays", () => {
    expect.fail("no kubectl on PATH: install it (apt-get install -y kubectl) or unset REQUIRE_DEPLOY_TOOLS");
  });
});

describe("deploy/: files kept in step with the repository", () => {
  it("keeps the base's router.yaml and supergraph.graphql identical to the repository's (copy them after a change)", () => {
    expect(readRepoFile("deploy/base/files/router.yaml"), "cp router/router.yaml deploy/base/files/").toBe(
      readRepoFile("router/router.yaml"),
    );
    expect(readRepoFile("deploy/base/files/supergraph.graphql"), "cp supergraph.graphql deploy/base/files/").toBe(
      readRepoFile("supergraph.graphql"),
    );
  });

  it("has the prod overlay generate its Secrets from git-ignored files, each with a committed example, never from literals", async () => {
    expect(envFiles.length).toBeGreaterThan(0);
    expect(generators.flatMap((generator) => generator.literals ?? [])).toEqual([]);
    for (const file of envFiles) {
      const ignored = await runProcess("git", ["check-ignore", "-q", file], { cwd: REPO_ROOT, timeoutMs: 10_000 });
      expect(ignored.code, `${file} must be git-ignored`).toBe(0);
      const example = `${file}.example`;
      expect(existsSync(join(REPO_ROOT, example)), example).toBe(true);
      const exampleIgnored = await runProcess("git", ["check-ignore", "-q", example], { cwd: REPO_ROOT });
      expect(exampleIgnored.code, `${example} must not be git-ignored`).toBe(1);
    }
  });
});

describe.skipIf(!hasKubectl)("deploy/: Kubernetes manifests, rendered with kubectl kustomize", () => {
  describe("the prod overlay ships no secret", () => {
    it("does not render without its secret files, whose examples leave every secret empty (the services refuse to start)", async () => {
      const scratch = scratchFiles("deploy-no-secrets");
      try {
        const { render, output } = await kustomize(join(copyDeploy(scratch.dir, false), "overlays/prod"));
        expect(render).toBeUndefined();
        expect(output).toMatch(/secrets\/\w+\.env/);
      } finally {
        scratch.remove();
      }
      for (const file of envFiles) {
        for (const line of readRepoFile(`${file}.example`).split("\n")) {
          if (/^\w*SECRET=/.test(line)) expect(line, file).toMatch(/=$/);
        }
      }
    });
  });

  describe.each(OVERLAYS)("overlay %s", (overlay) => {
    let scratch: ScratchFiles;
    let render: Render;
    beforeAll(async () => {
      scratch = scratchFiles(`deploy-${overlay}`);
      const result = await kustomize(join(copyDeploy(scratch.dir, true), "overlays", overlay));
      if (!result.render) throw new Error(result.output);
      render = result.render;
    });
    afterAll(() => scratch?.remove());

    /** Each Deployment with the deployable its image is, and its one container. */
    const deployments = () =>
      render.deployments.map((deployment) => {
        const containers = deployment.spec.template.spec.containers;
        const container = containers[0] as Container;
        const deployable = deployables.find(({ image }) => image === imageName(container.image));
        return { deployment, containers, container, deployable, env: render.environment(container) };
      });

    it("deploys each of the three images once, each at an explicit tag, in containers that run in production mode", () => {
      const found = deployments();
      expect(found.map(({ container }) => imageName(container.image)).sort()).toEqual(
        deployables.map(({ image }) => image).sort(),
      );
      for (const { deployment, containers, container, env } of found) {
        const name = deployment.metadata.name;
        expect(containers, name).toHaveLength(1);
        expect(container.image, name).toMatch(/:[\w.-]+$/);
        expect(container.image, name).not.toMatch(/:latest$/);
        expect(env.get("NODE_ENV"), name).toBe("production");
        expect(deployment.spec.selector.matchLabels, name).toSatisfy((selector: Record<string, string>) =>
          selects(selector, deployment.spec.template.metadata.labels),
        );
      }
    });

    it("gives every container a liveness probe (GET /live on its main port) and a readiness probe on another path", () => {
      for (const { deployment, container, deployable, env } of deployments()) {
        const name = deployment.metadata.name;
        const live = httpGet(container.livenessProbe);
        const ready = httpGet(container.readinessProbe);
        expect(live?.path, `${name} livenessProbe`).toBe("/live");
        expect(ready?.path, `${name} readinessProbe`).toBe("/ready");
        expect(ready?.path, name).not.toBe(live?.path);
        const port = Number(env.get("PORT"));
        const internalPort = Number(env.get("INTERNAL_PORT"));
        expect(internalPort, `${name} INTERNAL_PORT`).toBe(4088);
        expect(portOf(container, "http"), `${name}: PORT is the port named http`).toBe(port);
        expect(portOf(container, "metrics"), `${name}: INTERNAL_PORT is the port named metrics`).toBe(internalPort);
        expect(portOf(container, live?.port), `${name} liveness port`).toBe(port);
        // In production the router serves /ready only on its internal port; the subgraphs on their main port.
        const readyPort = deployable?.folder === "router" ? internalPort : port;
        expect(portOf(container, ready?.port), `${name} readiness port`).toBe(readyPort);
        if (container.startupProbe)
          expect(portOf(container, httpGet(container.startupProbe)?.port), name).toBeDefined();
        for (const { containerPort } of container.ports ?? []) {
          expect(deployable?.exposed, `${name}: ${deployable?.dockerfile} EXPOSEs ${containerPort}`).toContain(
            containerPort,
          );
        }
      }
    });

    it("sets resource requests and limits (cpu and memory) on every container", () => {
      for (const { deployment } of deployments()) {
        const spec = deployment.spec.template.spec;
        for (const container of [...spec.containers, ...(spec.initContainers ?? [])]) {
          const where = `${deployment.metadata.name}/${container.name}`;
          for (const kind of ["requests", "limits"] as const) {
            expect(Object.keys(container.resources?.[kind] ?? {}).sort(), `${where} ${kind}`).toEqual([
              "cpu",
              "memory",
            ]);
          }
        }
      }
    });

    it("runs every container as the image's non-root user, unprivileged, on a read-only root filesystem with /tmp writable", () => {
      for (const { deployment, container, deployable } of deployments()) {
        const name = deployment.metadata.name;
        const pod = deployment.spec.template.spec;
        const context = { ...pod.securityContext, ...container.securityContext };
        expect(deployable?.text, `${deployable?.dockerfile} runs as node (uid 1000)`).toMatch(/^USER node$/m);
        expect(context.runAsNonRoot, name).toBe(true);
        expect(context.runAsUser, name).toBe(1000);
        expect(context.allowPrivilegeEscalation, name).toBe(false);
        expect(context.capabilities?.drop, name).toContain("ALL");
        expect(context.seccompProfile?.type, name).toBe("RuntimeDefault");
        expect(context.readOnlyRootFilesystem, name).toBe(true);
        const tmp = container.volumeMounts?.find((mount) => mount.mountPath === "/tmp");
        expect(
          pod.volumes?.find((volume) => volume.name === tmp?.name)?.emptyDir,
          `${name}: /tmp is an emptyDir`,
        ).toBeDefined();
      }
    });

    it("sets only environment variables the services read (the source of each image's workspaces, router.yaml's keys)", () => {
      for (const { deployment, container, deployable, env } of deployments()) {
        if (!deployable) throw new Error(`${deployment.metadata.name}: not one of the images`);
        const names = namesInSource(deployable.folder);
        const unknown = [...env.keys()].map((name) => unknownVariable(name, deployable, names)).filter(Boolean);
        expect(unknown, `${deployment.metadata.name} (${container.image})`).toEqual([]);
      }
    });

    it("finds every Secret and ConfigMap (and key) a Deployment references in the render", () => {
      const missing: string[] = [];
      const need = (kind: "ConfigMap" | "Secret", name: string, keys: readonly string[] = []) => {
        const values = render.values(kind, name);
        if (!values) missing.push(`${kind} ${name}`);
        for (const key of keys) if (values && !(key in values)) missing.push(`${kind} ${name}: key ${key}`);
      };
      for (const { deployment } of deployments()) {
        const spec = deployment.spec.template.spec;
        for (const container of [...spec.containers, ...(spec.initContainers ?? [])]) {
          for (const source of container.envFrom ?? []) {
            if (source.configMapRef) need("ConfigMap", source.configMapRef.name);
            if (source.secretRef) need("Secret", source.secretRef.name);
          }
          for (const { valueFrom } of container.env ?? []) {
            const { secretKeyRef: secret, configMapKeyRef: configMap } = valueFrom ?? {};
            if (secret && !secret.optional) need("Secret", secret.name, [secret.key]);
            if (configMap && !configMap.optional) need("ConfigMap", configMap.name, [configMap.key]);
          }
          for (const mount of container.volumeMounts ?? []) {
            expect(
              spec.volumes?.map((volume) => volume.name),
              `${deployment.metadata.name} ${mount.name}`,
            ).toContain(mount.name);
          }
        }
        for (const volume of spec.volumes ?? []) {
          const keys = (items?: { key: string }[]) => items?.map(({ key }) => key);
          if (volume.configMap) need("ConfigMap", volume.configMap.name, keys(volume.configMap.items));
          if (volume.secret) need("Secret", volume.secret.secretName, keys(volume.secret.items));
          for (const source of volume.projected?.sources ?? []) {
            if (source.configMap) need("ConfigMap", source.configMap.name, keys(source.configMap.items));
            if (source.secret) need("Secret", source.secret.name, keys(source.secret.items));
          }
        }
      }
      expect(missing).toEqual([]);
    });

    it("selects a Deployment's pods with every Service (ports included) but the ExternalName ones for PostgreSQL and Redis", () => {
      for (const service of render.services) {
        const name = service.metadata.name;
        if (service.spec.type === "ExternalName") {
          expect(service.spec.externalName, name).toMatch(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/);
          expect(service.spec.selector, name).toBeUndefined();
          continue;
        }
        const target = render.deployments.find((deployment) =>
          selects(service.spec.selector, deployment.spec.template.metadata.labels),
        );
        expect(target, `Service ${name} selects no Deployment's pods`).toBeDefined();
        const container = target?.spec.template.spec.containers[0] as Container;
        for (const port of service.spec.ports ?? []) {
          expect(portOf(container, port.targetPort ?? port.port), `Service ${name} port ${port.port}`).toBeDefined();
        }
      }
      const external = render.services.filter((service) => service.spec.type === "ExternalName");
      expect(external.map((service) => service.metadata.name).sort()).toEqual(["postgres", "redis"]);
    });

    it("points the router at every subgraph through a headless Service of that subgraph's pods, with DNS discovery", () => {
      const router = deployments().find(({ deployable }) => deployable?.folder === "router");
      expect(router?.env.get("ROUTER_SUBGRAPHS__ALL__DISCOVERY")).toBe("dns");
      for (const subgraph of subgraphNames) {
        const urls = router?.env.get(`SUBGRAPH_${subgraph.toUpperCase()}_URL`)?.split(",") ?? [];
        expect(urls, subgraph).not.toEqual([]);
        for (const url of urls) {
          const { hostname, port, pathname } = new URL(url.trim());
          const service = render.serviceFor(hostname);
          expect(service, `${url}: no Service ${hostname}`).toBeDefined();
          expect(service?.spec.clusterIP, `Service ${hostname} must be headless`).toBe("None");
          expect(
            service?.spec.ports?.map((entry) => String(entry.port)),
            url,
          ).toContain(port);
          expect(pathname, url).toBe("/graphql");
          const pods = deployments().find(({ deployment }) =>
            selects(service?.spec.selector, deployment.spec.template.metadata.labels),
          );
          expect(pods?.deployable?.folder, `Service ${hostname}`).toBe(`subgraphs/${subgraph}`);
        }
      }
      // Every subgraph's Service is headless, whatever its name.
      for (const service of render.services) {
        const pods = deployments().find(({ deployment }) =>
          selects(service.spec.selector, deployment.spec.template.metadata.labels),
        );
        if (pods?.deployable?.folder.startsWith("subgraphs/"))
          expect(service.spec.clusterIP, service.metadata.name).toBe("None");
      }
    });

    it("reaches PostgreSQL (a database per subgraph) and Redis by Services of the render", () => {
      for (const { deployment, deployable, env } of deployments()) {
        const name = deployment.metadata.name;
        const database = env.get("DATABASE_URL");
        if (deployable?.folder.startsWith("subgraphs/")) {
          expect(database, `${name} DATABASE_URL`).toMatch(/^postgres(ql)?:\/\//);
          const url = new URL(database as string);
          expect(url.pathname, `${name}: its own database`).toBe(`/${deployable.folder.split("/")[1]}`);
          expect(render.serviceFor(url.hostname), `${name}: no Service ${url.hostname}`).toBeDefined();
        } else {
          expect(database, `${name} has no database`).toBeUndefined();
          const redis = new URL(env.get("REDIS_URL") ?? "");
          expect(redis.protocol, `${name} REDIS_URL`).toMatch(/^rediss?:$/);
          expect(render.serviceFor(redis.hostname), `${name}: no Service ${redis.hostname}`).toBeDefined();
        }
      }
    });

    it("keeps the subgraphs' database connections, at their most pods, under PostgreSQL's default max_connections", () => {
      // 100, of which 3 are reserved for superusers; a rollout adds one pod per Deployment (maxSurge: 1).
      let connections = 0;
      for (const { deployment, deployable, env } of deployments()) {
        if (!deployable?.folder.startsWith("subgraphs/")) continue;
        const autoscaler = render
          .of<Autoscaler>("HorizontalPodAutoscaler")
          .find((entry) => entry.spec.scaleTargetRef.name === deployment.metadata.name);
        const pods = (autoscaler?.spec.maxReplicas ?? 1) + 1;
        const pool = Number(env.get("DATABASE_POOL_MAX"));
        expect(pool, `${deployment.metadata.name} DATABASE_POOL_MAX`).toBeGreaterThan(0);
        connections += pods * pool;
      }
      expect(connections).toBeLessThanOrEqual(97);
    });

    it("shares one signing secret between the router and every subgraph, and gives the router a token key", () => {
      const found = deployments();
      const secrets = new Set(found.map(({ env }) => env.get("SUBGRAPH_SIGNING_SECRET")));
      expect(secrets.size).toBe(1);
      const router = found.find(({ deployable }) => deployable?.folder === "router");
      expect(router?.env.has("JWT_SECRET") || router?.env.has("JWKS_URL")).toBe(true);
      if (overlay === "dev") {
        // Development values, yet NODE_ENV=production: they must pass the services' production rules.
        for (const secret of [...secrets, router?.env.get("JWT_SECRET")]) {
          expect(secret?.length, "a dev secret shorter than the services accept").toBeGreaterThanOrEqual(
            MIN_SECRET_LENGTH,
          );
          expect(DEVELOPMENT_SECRET_VALUES).not.toContain(secret);
        }
      }
    });

    it("mounts router.yaml where its trusted-documents manifests resolve into the image, and the supergraph from a ConfigMap", () => {
      const router = deployments().find(({ deployable }) => deployable?.folder === "router");
      if (!router?.deployable) throw new Error("no router Deployment");
      const spec = router.deployment.spec.template.spec;
      /** The text of the ConfigMap key mounted at `path` (a subPath mount, or a file of a mounted folder). */
      const mounted = (path: string) => {
        for (const mount of router.container.volumeMounts ?? []) {
          const key = mount.subPath
            ? mount.mountPath === path && mount.subPath
            : path.startsWith(`${mount.mountPath}/`) && path.slice(mount.mountPath.length + 1);
          const volume = spec.volumes?.find((entry) => entry.name === mount.name);
          if (key && volume?.configMap) return render.values("ConfigMap", volume.configMap.name)?.[key];
        }
        return undefined;
      };
      const configPath = router.env.get("ROUTER_CONFIG_PATH") ?? "";
      expect(mounted(configPath), `ROUTER_CONFIG_PATH ${configPath}`).toBe(readRepoFile("router/router.yaml"));
      const supergraphPath = router.env.get("SUPERGRAPH_PATH") ?? "";
      expect(mounted(supergraphPath), `SUPERGRAPH_PATH ${supergraphPath}`).toBe(readRepoFile("supergraph.graphql"));
      // The image keeps the repository's layout under WORKDIR /app.
      expect(router.deployable.text).toMatch(/^WORKDIR \/app$/m);
      const manifests = (routerYaml.trustedDocuments as { manifests?: string[] } | undefined)?.manifests ?? [];
      for (const manifest of manifests) {
        const path = posix.relative("/app", posix.resolve(posix.dirname(configPath), manifest));
        expect(router.deployable.text, `${manifest} from ${configPath}`).toContain(
          `\nCOPY ${path} ${posix.dirname(path)}/\n`,
        );
      }
    });

    it("scales every Deployment with a CPU autoscaler it leaves the replica count to, and bounds its disruptions", () => {
      const autoscalers = render.of<Autoscaler>("HorizontalPodAutoscaler");
      const budgets = render.of<DisruptionBudget>("PodDisruptionBudget");
      for (const autoscaler of autoscalers) {
        const target = autoscaler.spec.scaleTargetRef;
        expect(autoscaler.apiVersion).toBe("autoscaling/v2");
        expect(target.kind === "Deployment" && render.named("Deployment", target.name), target.name).toBeTruthy();
      }
      for (const budget of budgets) {
        const name = budget.metadata.name;
        expect(
          render.deployments.some((deployment) =>
            selects(budget.spec.selector.matchLabels, deployment.spec.template.metadata.labels),
          ),
          `PodDisruptionBudget ${name} selects no Deployment`,
        ).toBe(true);
        expect(
          [budget.spec.minAvailable, budget.spec.maxUnavailable].filter((value) => value !== undefined),
          name,
        ).toHaveLength(1);
      }
      for (const deployment of render.deployments) {
        const name = deployment.metadata.name;
        const autoscaler = autoscalers.find((entry) => entry.spec.scaleTargetRef.name === name);
        expect(autoscaler, `${name}: no HorizontalPodAutoscaler`).toBeDefined();
        expect(deployment.spec.replicas, `${name}: replicas belong to its autoscaler`).toBeUndefined();
        const min = autoscaler?.spec.minReplicas ?? 1;
        expect(min, name).toBeLessThanOrEqual(autoscaler?.spec.maxReplicas ?? 0);
        expect(
          autoscaler?.spec.metrics?.map((metric) => metric.resource?.name),
          name,
        ).toContain("cpu");
        const budget = budgets.find((entry) =>
          selects(entry.spec.selector.matchLabels, deployment.spec.template.metadata.labels),
        );
        expect(budget, `${name}: no PodDisruptionBudget`).toBeDefined();
        // A budget that the fewest replicas cannot satisfy would block every node drain.
        if (typeof budget?.spec.minAvailable === "number") expect(budget.spec.minAvailable, name).toBeLessThan(min);
        if (overlay === "prod") {
          expect(budget?.spec.minAvailable, `${name}: prod keeps a minimum available`).toBeGreaterThanOrEqual(2);
          expect(min, name).toBeGreaterThanOrEqual(3);
        }
      }
    });

    it("routes every Ingress to a Service port of the render", () => {
      for (const ingress of render.of<Ingress>("Ingress")) {
        for (const rule of ingress.spec.rules ?? []) {
          for (const { backend } of rule.http?.paths ?? []) {
            const service = backend.service && render.named<Service>("Service", backend.service.name);
            const port = backend.service?.port;
            expect(
              service?.spec.ports?.some((entry) => entry.name === port?.name || entry.port === port?.number),
              ingress.metadata.name,
            ).toBe(true);
          }
        }
      }
      if (overlay === "prod") expect(render.of("Ingress")).not.toEqual([]);
    });
  });
});
