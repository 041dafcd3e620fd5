/**
 * The Kubernetes objects an overlay of deploy/ renders to (`kubectl kustomize`), typed as far as
 * the checks of kubernetes.test.ts read them, with the look-ups those checks share.
 */
import { cpSync, existsSync, readdirSync } from "node:fs";
import { delimiter, join, relative } from "node:path";
import { REPO_ROOT, runProcess } from "@supergraph/testing";
import { parseAllDocuments } from "yaml";

type Labels = Record<string, string>;

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Labels; annotations?: Labels };
  data?: Record<string, string>;
}

export interface KeyRef {
  name: string;
  key: string;
  optional?: boolean;
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: KeyRef; configMapKeyRef?: KeyRef };
}

export interface Probe {
  httpGet?: { path?: string; port: number | string };
}

export interface SecurityContext {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  allowPrivilegeEscalation?: boolean;
  readOnlyRootFilesystem?: boolean;
  capabilities?: { drop?: string[] };
  seccompProfile?: { type: string };
}

export interface Container {
  name: string;
  image: string;
  ports?: { name?: string; containerPort: number }[];
  env?: EnvVar[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string }; prefix?: string }[];
  startupProbe?: Probe;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: SecurityContext;
  volumeMounts?: { name: string; mountPath: string; subPath?: string }[];
}

interface KeyItems {
  items?: { key: string; path: string }[];
}

export interface Volume {
  name: string;
  emptyDir?: object;
  configMap?: { name: string } & KeyItems;
  secret?: { secretName: string } & KeyItems;
  projected?: { sources: { configMap?: { name: string } & KeyItems; secret?: { name: string } & KeyItems }[] };
}

export interface Deployment extends K8sObject {
  spec: {
    replicas?: number;
    selector: { matchLabels: Labels };
    template: {
      metadata: { labels: Labels };
      spec: {
        securityContext?: SecurityContext;
        containers: Container[];
        initContainers?: Container[];
        volumes?: Volume[];
      };
    };
  };
}

export interface Service extends K8sObject {
  spec: {
    type?: string;
    clusterIP?: string;
    externalName?: string;
    selector?: Labels;
    ports?: { name?: string; port: number; targetPort?: number | string }[];
  };
}

export interface Autoscaler extends K8sObject {
  spec: {
    scaleTargetRef: { apiVersion: string; kind: string; name: string };
    minReplicas?: number;
    maxReplicas: number;
    metrics?: { type: string; resource?: { name: string } }[];
  };
}

export interface DisruptionBudget extends K8sObject {
  spec: { selector: { matchLabels: Labels }; minAvailable?: number | string; maxUnavailable?: number | string };
}

export interface Ingress extends K8sObject {
  spec: {
    rules?: {
      http?: { paths: { backend: { service?: { name: string; port: { name?: string; number?: number } } } }[] };
    }[];
  };
}

/** Whether every label of `selector` is among `labels` (an empty selector selects nothing here). */
export const selects = (selector: Labels | undefined, labels: Labels | undefined) =>
  Object.keys(selector ?? {}).length > 0 &&
  Object.entries(selector ?? {}).every(([key, value]) => labels?.[key] === value);

/** The name of an image without registry, repository path or tag: `registry/x/supergraph-users:1.0` -> `supergraph-users`. */
export const imageName = (image: string) => (image.split("/").at(-1) ?? image).replace(/[:@].*$/, "");

/** One overlay's rendered objects. */
export class Render {
  constructor(readonly objects: readonly K8sObject[]) {}

  of<T extends K8sObject>(kind: string): T[] {
    return this.objects.filter((object) => object.kind === kind) as T[];
  }

  named<T extends K8sObject>(kind: string, name: string): T | undefined {
    return this.of<T>(kind).find((object) => object.metadata.name === name);
  }

  get deployments() {
    return this.of<Deployment>("Deployment");
  }

  get services() {
    return this.of<Service>("Service");
  }

  /** A ConfigMap's or Secret's values (a Secret's decoded), or undefined when the render has no such object. */
  values(kind: "ConfigMap" | "Secret", name: string): Record<string, string> | undefined {
    const object = this.named(kind, name);
    if (!object) return undefined;
    const data = object.data ?? {};
    if (kind === "ConfigMap") return data;
    return Object.fromEntries(
      Object.entries(data).map(([key, value]) => [key, Buffer.from(value, "base64").toString()]),
    );
  }

  /** The Service a host name of a URL reaches from this namespace (`users`, `users.ns`, `users.ns.svc.cluster.local`). */
  serviceFor(host: string): Service | undefined {
    const [name, namespace, ...rest] = host.split(".");
    const sameNamespace = (service: Service) =>
      namespace === undefined ||
      (namespace === service.metadata.namespace && /^(svc(\.cluster\.local)?)?$/.test(rest.join(".")));
    return this.services.find((service) => service.metadata.name === name && sameNamespace(service));
  }

  /**
   * A container's environment as the kubelet builds it: envFrom first, then env; values from the
   * render's ConfigMaps and Secrets (undefined where the object or key is missing).
   */
  environment(container: Container): Map<string, string | undefined> {
    const environment = new Map<string, string | undefined>();
    for (const source of container.envFrom ?? []) {
      const values = source.configMapRef
        ? this.values("ConfigMap", source.configMapRef.name)
        : source.secretRef && this.values("Secret", source.secretRef.name);
      for (const [key, value] of Object.entries(values ?? {})) environment.set(`${source.prefix ?? ""}${key}`, value);
    }
    for (const variable of container.env ?? []) {
      const { secretKeyRef, configMapKeyRef } = variable.valueFrom ?? {};
      const value = secretKeyRef
        ? this.values("Secret", secretKeyRef.name)?.[secretKeyRef.key]
        : configMapKeyRef
          ? this.values("ConfigMap", configMapKeyRef.name)?.[configMapKeyRef.key]
          : variable.value;
      environment.set(variable.name, value);
    }
    return environment;
  }
}

/** Whether `command` is an executable on PATH. */
export const onPath = (command: string) =>
  (process.env.PATH ?? "").split(delimiter).some((dir) => dir !== "" && existsSync(join(dir, command)));

/**
 * A copy of deploy/ in `dir` without any real secret (no `*.env` file), each `*.env.example` copied
 * to its `*.env` when `withExampleSecrets`: what an overlay renders to with the committed examples.
 */
export function copyDeploy(dir: string, withExampleSecrets: boolean): string {
  const source = join(REPO_ROOT, "deploy");
  const target = join(dir, "deploy");
  cpSync(source, target, { recursive: true, filter: (path) => !path.endsWith(".env") });
  if (withExampleSecrets) {
    for (const path of readdirSync(target, { recursive: true, encoding: "utf8" })) {
      if (path.endsWith(".env.example")) cpSync(join(target, path), join(target, path.replace(/\.example$/, "")));
    }
  }
  return target;
}

/** `kubectl kustomize <dir>`: its output parsed into objects, or what it printed when it failed. */
export async function kustomize(dir: string): Promise<{ render?: Render; output: string }> {
  const run = await runProcess("kubectl", ["kustomize", dir], { cwd: REPO_ROOT, timeoutMs: 60_000 });
  if (run.code !== 0) return { output: `kubectl kustomize ${relative(REPO_ROOT, dir)}: ${run.stderr || run.output}` };
  const objects = parseAllDocuments(run.stdout).map((document) => {
    if (document.errors.length > 0) throw new Error(`unreadable output of kubectl kustomize: ${document.errors[0]}`);
    return document.toJS() as K8sObject;
  });
  return { render: new Render(objects.filter(Boolean)), output: run.output };
}
