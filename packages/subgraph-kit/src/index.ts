export { ADMIN_SCOPE, type Identity, isAdmin } from "@supergraph/auth";
export { alignById } from "./alignById.js";
export { isOwnerOrAdmin, requireAdmin, requireIdentity, requireOwnerOrAdmin } from "./authorization.js";
export {
  DATABASE_URL_VARIABLE,
  type DatabaseSettings,
  DEVELOPMENT_SIGNING,
  readSubgraphConfig,
  type SettingsOf,
  type SettingsShape,
  SIGNING_SECRET_VARIABLE,
  type SigningSettings,
  type SubgraphConfig,
} from "./config.js";
export {
  afterExplicitIds,
  autoIncrementId,
  type Database,
  type DatabaseEngine,
  type DatabaseOptions,
  databaseEngine,
  isUniqueViolation,
  migrateToLatest,
  openDatabase,
  openSqlite,
  pingDatabase,
  type SqliteOptions,
} from "./database.js";
export { classifyDatabaseError, DatabaseUnavailableError, isDatabaseUnavailable } from "./databaseErrors.js";
export { defineSubgraph, type ServerDeps, type Subgraph, type SubgraphDefinition } from "./defineSubgraph.js";
export {
  type CrudStore,
  type EntityContext,
  entityContext,
  entityResolvers,
  type Ownership,
} from "./entityResolvers.js";
export { EntityStore } from "./entityStore.js";
export {
  CREATOR_SKEW,
  DEFAULT_GENERATED_DATASET,
  GENERATED_EPOCH,
  GENERATED_ID_BASE,
  type GeneratedDataset,
  generatedId,
  generatedTimestamp,
  generatedUserIds,
  MAX_GENERATED_ROWS,
  mulberry32,
  type SeedReport,
  zipfSampler,
} from "./generatedDataset.js";
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
export { SIGNATURE_REFUSAL_MESSAGE, signatureCheck } from "./signatureCheck.js";
