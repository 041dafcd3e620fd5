export { alignById } from "./alignById.js";
export { readSubgraphConfig, type SubgraphConfig } from "./config.js";
export { isUniqueViolation, migrateToLatest, openSqlite, pingDatabase, type SqliteOptions } from "./database.js";
export {
  type CrudStore,
  type EntityContext,
  entityContext,
  entityResolvers,
} from "./entityResolvers.js";
export { EntityStore } from "./entityStore.js";
export { isValidId, parseId } from "./ids.js";
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
export { loadSchemaFile } from "./schemaFile.js";
export {
  buildSubgraphService,
  defineSubgraph,
  runSubgraph,
  type ServerDeps,
  type Subgraph,
  type SubgraphDefinition,
} from "./subgraph.js";
