import { ErrorCode } from "@supergraph/error-codes";
import { DomainError } from "@supergraph/service-kit";

/** The database did not answer: down, unreachable, restarting, out of connections. Retry later. */
export class DatabaseUnavailableError extends DomainError {
  override readonly name = "DatabaseUnavailableError";
  readonly code = ErrorCode.DATABASE_UNAVAILABLE;
  constructor() {
    super("The service's database is unavailable; retry later.");
  }
}

/** Network failures of the driver's socket. */
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EPIPE",
]);

/**
 * PostgreSQL SQLSTATEs that mean "not now" rather than "not this": the server is shutting down,
 * starting, or out of connections. Class 08 (connection exceptions) is matched as a whole.
 */
const UNAVAILABLE_STATES = new Set(["57P01", "57P02", "57P03", "53300"]);

/** What `pg` says when a connection dies, or none comes within the pool's connection timeout, or a query is never answered. */
const PG_MESSAGES =
  /^(Connection terminated|timeout exceeded when trying to connect|Query read timeout|Client has encountered a connection error)/;

/**
 * True when `error` says the database could not be reached (rather than refusing the query): a
 * lost or refused connection, a server shutting down or starting, no free connection in time, or
 * SQLite's busy timeout running out. Such failures get DATABASE_UNAVAILABLE instead of a masked
 * INTERNAL_SERVER_ERROR.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string") {
    if (NETWORK_CODES.has(code) || UNAVAILABLE_STATES.has(code) || /^08[0-9A-Z]{3}$/.test(code)) return true;
    if (code === "SQLITE_BUSY") return true;
  }
  if (PG_MESSAGES.test(error.message)) return true;
  return error.cause !== undefined && error.cause !== error && isDatabaseUnavailable(error.cause);
}

/** The service kit's `classifyError` for subgraphs: a database outage becomes DatabaseUnavailableError. */
export function classifyDatabaseError(error: unknown): DomainError | undefined {
  return isDatabaseUnavailable(error) ? new DatabaseUnavailableError() : undefined;
}
