import { z } from "zod";

/**
 * Limits on abusive operations: the `limits` section of router.yaml. Each is checked before any
 * subgraph is called, and a refused operation gets one coded error per limit it breaks. Every
 * `max*` key takes 0 to turn that limit off. The defaults are explained in router.yaml.
 */
export interface OperationLimits {
  /** Deepest field nesting (fragments add no level; `__schema` introspection is not counted) -> QUERY_TOO_DEEP. Default: 10. */
  maxDepth: number;
  /** Aliases in the operation, fragments followed -> TOO_MANY_ALIASES. Default: 30. */
  maxAliases: number;
  /** Fields selected at the operation's root, fragments followed -> TOO_MANY_ROOT_FIELDS. Default: 20. */
  maxRootFields: number;
  /** Directives in the operation, fragments followed -> TOO_MANY_DIRECTIVES. Default: 50. */
  maxDirectives: number;
  /** GraphQL tokens in the document; parsing stops past it -> TOO_MANY_TOKENS. Default: 2000. */
  maxTokens: number;
  /** Characters (UTF-16 code units) in the document, checked before parsing -> TOO_MANY_TOKENS. Default: 20000. */
  maxCharacters: number;
  /** Largest estimated cost (see limits/cost.ts) -> QUERY_TOO_COSTLY. Default: 100000. */
  maxCost: number;
  /** Cost of a field whose type is an object. Default: 1. */
  objectCost: number;
  /** Cost of a field whose type is a scalar or enum. Default: 1. */
  scalarCost: number;
  /** Page size assumed for a `first` argument whose value is unknown (a variable without value or default). Default: 100. */
  maxListSize: number;
}

export const LIMIT_DEFAULTS: OperationLimits = Object.freeze({
  maxDepth: 10,
  maxAliases: 30,
  maxRootFields: 20,
  maxDirectives: 50,
  maxTokens: 2_000,
  maxCharacters: 20_000,
  maxCost: 100_000,
  objectCost: 1,
  scalarCost: 1,
  maxListSize: 100,
});

/** Every limit off (0): for tests and benchmarks that must reach what the limits would refuse. */
export const LIMITS_OFF: OperationLimits = Object.freeze({
  ...LIMIT_DEFAULTS,
  maxDepth: 0,
  maxAliases: 0,
  maxRootFields: 0,
  maxDirectives: 0,
  maxTokens: 0,
  maxCharacters: 0,
  maxCost: 0,
});

const limit = (max: number) =>
  z
    .number({ error: "expected a whole number (0 turns the limit off)" })
    .int({ error: "expected a whole number (0 turns the limit off)" })
    .min(0, { error: "expected 0 (off) or more" })
    .max(max, { error: `expected at most ${max}` });
const weight = z.number().int().min(0).max(1_000);

/** router.yaml `limits`: every key optional, unknown keys refused. */
export const limitsSectionSchema = z.strictObject({
  maxDepth: limit(1_000).optional(),
  maxAliases: limit(100_000).optional(),
  maxRootFields: limit(100_000).optional(),
  maxDirectives: limit(100_000).optional(),
  maxTokens: limit(1_000_000).optional(),
  maxCharacters: limit(10_000_000).optional(),
  maxCost: limit(1_000_000_000).optional(),
  objectCost: weight.optional(),
  scalarCost: weight.optional(),
  maxListSize: z.number().int().min(1).max(100_000).optional(),
});

export type LimitsSection = z.infer<typeof limitsSectionSchema>;

/** The effective limits: the defaults, overlaid with router.yaml's `limits` section. */
export function resolveLimits(section: LimitsSection = {}): OperationLimits {
  const given = Object.fromEntries(Object.entries(section).filter(([, value]) => value !== undefined));
  return Object.freeze({ ...LIMIT_DEFAULTS, ...given });
}
