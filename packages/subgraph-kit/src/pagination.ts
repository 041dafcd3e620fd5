import { ValidationError } from "@supergraph/service-kit";
import { isValidId } from "./ids.js";

export interface PageRequest {
  /** Page size, already validated. */
  first: number;
  /** Return items with an id greater than this (keyset pagination); undefined for the first page. */
  afterId: number | undefined;
}

export interface PageLimits {
  /** Page size when `first` is not given. */
  defaultSize: number;
  /** Largest allowed `first`. */
  maxSize: number;
}

/** Every connection of the supergraph: 20 items unless `first` says otherwise, at most 100. */
export const DEFAULT_PAGE_LIMITS: PageLimits = Object.freeze({ defaultSize: 20, maxSize: 100 });

const CURSOR_PREFIX = "cursor:";

/** Cursors are opaque to clients: base64url of the last item's id. */
export function encodeCursor(id: number | string): string {
  return Buffer.from(`${CURSOR_PREFIX}${id}`).toString("base64url");
}

function decodeCursor(cursor: string): number {
  const decoded = Buffer.from(cursor, "base64url").toString("utf8");
  const id = decoded.startsWith(CURSOR_PREFIX) ? decoded.slice(CURSOR_PREFIX.length) : "";
  if (!isValidId(id)) {
    throw new ValidationError("after", "after must be a cursor returned in pageInfo.endCursor.");
  }
  return Number(id);
}

/** Validates `first`/`after` connection arguments into a keyset page request. */
export function parsePage(
  args: { first?: number | null; after?: string | null },
  { defaultSize, maxSize }: PageLimits = DEFAULT_PAGE_LIMITS,
): PageRequest {
  const first = args.first ?? defaultSize;
  if (!Number.isInteger(first) || first < 1 || first > maxSize) {
    throw new ValidationError("first", `first must be between 1 and ${maxSize}; got ${first}.`);
  }
  return { first, afterId: args.after == null ? undefined : decodeCursor(args.after) };
}

/** A page of items plus what a connection's pageInfo needs. */
export interface Page<T> {
  nodes: T[];
  hasNextPage: boolean;
}

/** Builds `pageInfo` from a page whose items carry string ids. */
export function pageInfo<T extends { id: string }>(page: Page<T>): { hasNextPage: boolean; endCursor: string | null } {
  const last = page.nodes.at(-1);
  return { hasNextPage: page.hasNextPage, endCursor: last ? encodeCursor(last.id) : null };
}

/** Resolvers of a connection type over a `Page` (`nodes`, `pageInfo`); spread them into the type's resolvers. */
export const connectionResolvers = {
  nodes: <T>(page: Page<T>): T[] => page.nodes,
  pageInfo: <T extends { id: string }>(page: Page<T>) => pageInfo(page),
};
