/**
 * The PostgreSQL client: postgres.js (npm `postgres`), which speaks the wire protocol in
 * JavaScript over `node:net`, so it runs unchanged under Deno and Bun, and has LISTEN/NOTIFY
 * with reconnection. One pool per process.
 * @module
 */
import postgres from "postgres";

/** A connection pool. */
export type Sql = postgres.Sql;

/**
 * The database cannot be reached or refused the connection.
 * @example
 * ```ts
 * import { DatabaseUnavailable } from "@remat/server";
 * console.log(new DatabaseUnavailable("postgres://db/remat", "connection refused").message);
 * ```
 */
export class DatabaseUnavailable extends Error {
  /** Tells this failure apart, as Effect's tagged errors do. */
  readonly _tag = "DatabaseUnavailable";
  /** `url` (its password hidden) could not be used: `reason`. */
  constructor(readonly url: string, readonly reason: string) {
    super(`cannot use the database ${url}: ${reason}`);
  }
}

/** The URL with any password replaced by `***`, for messages and logs. */
export function redactUrl(url: string): string {
  return url.replace(/(\/\/[^:/@]+:)[^@]*@/, "$1***@");
}

/**
 * A pool of up to `max` connections to `url`, checked with one query; fails with
 * DatabaseUnavailable naming the reason.
 * @param url a `postgres://user[:password]@host[:port]/database` URL
 * @param options.max connections (default 10)
 * @param options.name the application name the server shows for them
 * @example
 * ```ts
 * const sql = await connect("postgres://remat@127.0.0.1:5432/remat");
 * ```
 */
export async function connect(url: string, options: { max?: number; name?: string } = {}): Promise<Sql> {
  if (!/^postgres(ql)?:\/\//.test(url)) {
    throw new DatabaseUnavailable(
      redactUrl(url),
      "not a PostgreSQL URL (expected postgres://user[:password]@host[:port]/database)",
    );
  }
  const sql = postgres(url, {
    max: options.max ?? 10,
    onnotice: () => {},
    connect_timeout: 10,
    connection: { application_name: options.name ?? "remat" },
  });
  try {
    await sql`SELECT 1`;
  } catch (e) {
    await sql.end({ timeout: 1 }).catch(() => {});
    throw new DatabaseUnavailable(redactUrl(url), e instanceof Error ? e.message : String(e));
  }
  return sql;
}
