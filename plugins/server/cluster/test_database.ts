/**
 * A fresh database for each cluster test, on the server `REMAT_TEST_DATABASE_URL` names
 * (`scripts/pg_cluster.sh start` starts a throwaway one and prints it). Without it the
 * cluster tests are skipped with that reason — except under `CI=true`, where they fail.
 * @module
 */
import process from "node:process";
import postgres from "postgres";
import { connect, type Sql } from "./sql.ts";
import { createSchema } from "./schema.ts";

/** The server URL, or why the cluster tests cannot run. */
export function testServer(): { url: string } | { skip: string } {
  const url = process.env.REMAT_TEST_DATABASE_URL;
  if (url) return { url };
  const reason =
    'REMAT_TEST_DATABASE_URL is not set (eval "$(bash scripts/pg_cluster.sh start)" starts a throwaway server)';
  if (process.env.CI === "true") throw new Error(`CI: the cluster tests need PostgreSQL: ${reason}`);
  return { skip: reason };
}

/** The `skip` option for node:test: false when a server is configured, else the reason. */
export function skipWithoutDatabase(): string | false {
  const s = testServer();
  return "skip" in s ? s.skip : false;
}

let counter = 0;

/**
 * Creates an empty database with the cluster's schema; returns its URL, a pool on it, and
 * `drop()` which closes the pool and removes the database.
 */
export async function freshDatabase(): Promise<{ url: string; sql: Sql; drop(): Promise<void> }> {
  const server = testServer();
  if ("skip" in server) throw new Error(server.skip);
  const name = `remat_t_${process.pid}_${Date.now().toString(36)}_${counter++}`;
  const admin = postgres(server.url, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  const url = new URL(server.url);
  url.pathname = `/${name}`;
  const sql = await connect(url.toString(), { max: 8, name: "remat-test" });
  await createSchema(sql);
  return {
    url: url.toString(),
    sql,
    async drop() {
      await sql.end({ timeout: 5 });
      await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end({ timeout: 5 });
    },
  };
}
