/**
 * A fixture subgraph for the kit's own tests: one entity, `Thing`, built only from the kit's parts
 * (EntityStore, entityResolvers, connectionResolvers, defineSubgraph), the way users and products are,
 * and `caller`, to show the identity a signed request carries reaches the context. Its part of the
 * generated dataset is one thing per generated user ("thing <i>", ids from GENERATED_ID_BASE + 1).
 */
import { validateText } from "@supergraph/service-kit";
import { type Generated, type Kysely, type Migration, type Selectable, sql } from "kysely";
import {
  afterExplicitIds,
  autoIncrementId,
  connectionResolvers,
  databaseEngine,
  defineSubgraph,
  type EntityContext,
  EntityStore,
  entityContext,
  entityResolvers,
  generatedId,
} from "../src/index.js";

interface ThingsDatabase {
  things: { id: Generated<number>; label: string };
}

export interface Thing {
  id: string;
  label: string;
}

export class ThingStore extends EntityStore<ThingsDatabase, "things", Thing> {
  constructor(db: Kysely<ThingsDatabase>) {
    super(db, "things", "Thing");
  }

  protected toModel(row: Selectable<ThingsDatabase["things"]>): Thing {
    return { id: String(row.id), label: row.label };
  }

  async create(input: { label: string }): Promise<Thing> {
    return this.toModel(await this.db.insertInto("things").values(input).returningAll().executeTakeFirstOrThrow());
  }

  update(id: number, patch: { label?: string | undefined }): Promise<Thing> {
    return this.updateById(id, patch);
  }

  insertMany(things: readonly Thing[]): Promise<number> {
    return this.insertRows(things.map(({ id, label }) => ({ id: Number(id), label })));
  }
}

/** The things of the generated dataset: one per generated user. */
export const generatedThings = (users: number): Thing[] =>
  Array.from({ length: users }, (_, index) => ({ id: String(generatedId(index + 1)), label: `thing ${index + 1}` }));

const migrations: Record<string, Migration> = {
  "0001_things": {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("things")
        .addColumn("id", "integer", autoIncrementId(databaseEngine(db)))
        .addColumn("label", "varchar(50)", (col) => col.notNull())
        .execute();
      await sql`insert into things (id, label) values (1, 'one'), (2, 'two'), (3, 'three')`.execute(db);
      await afterExplicitIds(db, "things");
    },
  },
};

const label = (value: string) => validateText(value, "input.label", { max: 50 });
const fields = entityResolvers({
  validateNew: (input: { label: string }) => ({ label: label(input.label) }),
  validatePatch: (input: { label?: string | null }) => ({
    label: input.label == null ? undefined : label(input.label),
  }),
});

export const things = defineSubgraph({
  name: "things",
  port: 4999,
  schema: new URL("./things.graphql", import.meta.url),
  resolvers: {
    Query: {
      things: fields.list,
      thing: fields.byId,
      caller: (_parent: unknown, _args: unknown, { identity }: EntityContext<ThingStore>) => identity,
    },
    Mutation: { createThing: fields.create, updateThing: fields.update, deleteThing: fields.delete },
    Thing: { __resolveReference: fields.reference },
    ThingConnection: connectionResolvers,
  },
  migrations,
  createStore: (db: Kysely<ThingsDatabase>) => new ThingStore(db),
  createContext: (store: ThingStore, identity): EntityContext<ThingStore> => entityContext(store, identity),
  generatedRows: ({ users }) => generatedThings(users),
});
