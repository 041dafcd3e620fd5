import { spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, posix } from "node:path";
import { freePort, REPO_ROOT, runProcess, subgraphDeployables } from "@supergraph/testing";
import { describe, expect, it } from "vitest";
import { installed, mountedFile, serviceOfImage, skipWithout } from "./composeFile.js";

const subgraphs = subgraphDeployables();

/** An initdb binary of the local PostgreSQL server packages, if any. */
const initdb = (existsSync("/usr/lib/postgresql") ? readdirSync("/usr/lib/postgresql") : [])
  .map((version) => `/usr/lib/postgresql/${version}/bin/initdb`)
  .filter((path) => existsSync(path))
  .sort()
  .at(-1);
const asRoot = process.getuid?.() === 0;

/**
 * Why a throwaway PostgreSQL cluster cannot be made here, or undefined when it can: it needs the
 * server's programs (initdb, pg_ctl), psql, and, as root, the `postgres` user to run them as.
 */
function clusterMissing(): string | undefined {
  if (!initdb) return "PostgreSQL's server programs are not installed (apt-get install -y postgresql)";
  if (!installed("psql", ["--version"])) return "psql is not installed (apt-get install -y postgresql-client)";
  if (asRoot && !installed("id", ["postgres"]))
    return "running as root, and there is no postgres user to run initdb as";
  return undefined;
}

describe("deploy/compose/postgres-init.sh on a throwaway PostgreSQL server", () => {
  it("makes one login role per subgraph owning the database of the same name, and lets no role into another's", async (context) => {
    skipWithout(context, clusterMissing());
    const bin = posix.dirname(initdb ?? "");
    const dir = mkdtempSync(join(tmpdir(), "postgres-init-"));
    if (asRoot) chownSync(dir, Number(spawnSync("id", ["-u", "postgres"]).stdout), 0);
    // As root, the server's programs run as the postgres user (PostgreSQL refuses to run as root).
    const server = (program: string, args: string[]) =>
      runProcess(
        asRoot ? "runuser" : join(bin, program),
        asRoot ? ["-u", "postgres", "--", join(bin, program), ...args] : args,
        {
          timeoutMs: 30_000,
        },
      );
    const port = await freePort();
    const data = join(dir, "data");
    const passwords = Object.fromEntries(subgraphs.map(({ name }) => [name, `${name}-test-password`]));
    try {
      const init = await server("initdb", [
        "-D",
        data,
        "-U",
        "postgres",
        "--auth-local=trust",
        "--auth-host=scram-sha-256",
        "--no-sync",
      ]);
      expect(init.code, init.output).toBe(0);
      const start = await server("pg_ctl", [
        "-D",
        data,
        "-w",
        "-l",
        join(dir, "log"),
        "-o",
        `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`,
        "start",
      ]);
      expect(start.code, start.output).toBe(0);

      const [, postgres] = serviceOfImage("postgres");
      // As the image runs it: the script's file, with the postgres service's variables, the passwords set.
      const env: Record<string, string> = {
        PATH: process.env.PATH ?? "",
        PGHOST: dir,
        PGPORT: String(port),
        POSTGRES_USER: postgres.environment?.POSTGRES_USER ?? "postgres",
        POSTGRES_DB: postgres.environment?.POSTGRES_DB ?? "postgres",
      };
      for (const { name } of subgraphs) env[`${name.toUpperCase()}_DB_PASSWORD`] = passwords[name] ?? "";
      const script = mountedFile(postgres, "/docker-entrypoint-initdb.d/10-service-databases.sh");
      const run = await runProcess("sh", [join(REPO_ROOT, script)], { env, timeoutMs: 30_000 });
      expect(run.code, run.output).toBe(0);

      const psql = (user: string, database: string, sql: string, password?: string) =>
        runProcess(
          "psql",
          [
            "-X",
            "-At",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            password ? "127.0.0.1" : dir,
            "-p",
            String(port),
            "-U",
            user,
            "-d",
            database,
            "-c",
            sql,
          ],
          {
            env: { PATH: process.env.PATH ?? "", ...(password ? { PGPASSWORD: password } : {}) },
            timeoutMs: 10_000,
          },
        );
      const names = subgraphs.map(({ name }) => name).sort();
      const roles = await psql(
        "postgres",
        "postgres",
        "select rolname from pg_roles where rolname !~ '^pg_' and rolname <> 'postgres' order by 1",
      );
      expect(roles.stdout.trim().split("\n")).toEqual(names);
      const databases = await psql(
        "postgres",
        "postgres",
        "select datname || ' ' || pg_get_userbyid(datdba) from pg_database where not datistemplate and datname <> 'postgres' order by 1",
      );
      expect(databases.stdout.trim().split("\n")).toEqual(names.map((name) => `${name} ${name}`));
      for (const name of names) {
        // Its password over TCP, as the subgraph connects; it may create its tables.
        const own = await psql(name, name, "create table smoke (id int); select current_user", passwords[name]);
        expect(own.stdout.trim().split("\n").at(-1), own.output).toBe(name);
        for (const other of names.filter((other) => other !== name)) {
          const refused = await psql(name, other, "select 1", passwords[name]);
          expect(refused.code, `${name} connecting to ${other}`).not.toBe(0);
          expect(refused.output).toMatch(/permission denied for database/);
        }
        const wrong = await psql(name, name, "select 1", "not-the-password");
        expect(wrong.code, `${name} with a wrong password`).not.toBe(0);
      }
    } finally {
      if (existsSync(join(data, "postmaster.pid"))) await server("pg_ctl", ["-D", data, "-m", "immediate", "stop"]);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
