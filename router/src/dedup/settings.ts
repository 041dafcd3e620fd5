import { z } from "zod";

/**
 * router.yaml's `deduplication` section: identical in-flight work done once. Both are on by
 * default; see router/README.md, "Deduplication".
 */
export interface DeduplicationSettings {
  /**
   * Identical in-flight client queries (same body: document, variables, operation name,
   * extensions; same caller identity; same Accept header) share one execution and its response.
   * Mutations never. Default: true.
   */
  operations: boolean;
  /**
   * Identical in-flight subgraph fetches of queries (same subgraph, same body, same caller
   * identity) share one request to the subgraph. Mutations never. Default: true.
   */
  subgraphFetches: boolean;
}

export const DEDUPLICATION_DEFAULTS: DeduplicationSettings = Object.freeze({ operations: true, subgraphFetches: true });

export const deduplicationSchema = z.strictObject({
  operations: z.boolean().optional(),
  subgraphFetches: z.boolean().optional(),
});

export function resolveDeduplication(section: z.infer<typeof deduplicationSchema> | undefined): DeduplicationSettings {
  return Object.freeze({ ...DEDUPLICATION_DEFAULTS, ...section });
}
