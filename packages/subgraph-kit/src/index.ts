export { alignById } from "./alignById.js";
export { readSubgraphConfig, type SubgraphConfig } from "./config.js";
export { isUniqueViolation, migrateToLatest, openSqlite, pingDatabase, type SqliteOptions } from "./database.js";
export { defineSubgraph, type ServerDeps, type Subgraph, type SubgraphDefinition } from "./defineSubgraph.js";
export {
  type CrudStore,
  type EntityContext,
  entityContext,
  entityResolvers,
} from "./entityResolvers.js";
export { EntityStore } from "./entityStore.js";
export { isValidId, parseId } from "./ids.js";
export { loadSchemaFile } from "./loadSchemaFile.js";
export {
  connectionResolvers,
  DEFAULT_PAGE_LIMITS,
  encodeCursor,
  type Page,
  type PageLimits,
  type PageRequest,
  pageInfo,
  parsePage,
} from "./pagination.js";
export { keyedLoaders, type ReferenceLoader, referenceLoader } from "./referenceLoader.js";
export { buildSubgraphService, runSubgraph } from "./runSubgraph.js";
