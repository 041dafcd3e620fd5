import { asUser, startTestSubgraph } from "@supergraph/subgraph-kit/testing";
import { type Kysely, sql } from "kysely";
import { describe, expect, it } from "vitest";
import { generatedProducts } from "./dataset.js";
import { products } from "./server.js";

/** SEED_USERS=50, SEED_PRODUCTS=200, SEED_RANDOM_SEED=1. */
const dataset = { users: 50, products: 200, randomSeed: 1 };

/** Every product row, as the database holds it. */
const COLUMNS = ["id", "name", "description", "price_cents", "created_by", "created_at"];

/** The generated products' rows: id and creator. */
const generatedRows = async (db: Kysely<unknown>) =>
  (
    await sql<{
      id: number;
      created_by: number;
      price_cents: number | string;
    }>`select id, created_by, price_cents from products where id > 2000000 order by id`.execute(db)
  ).rows.map((row) => ({ ...row, price_cents: Number(row.price_cents) }));

describe("the generated dataset (SEED_DATASET=generated): the products' part", () => {
  it("inserts SEED_PRODUCTS products from id 2000001, each created by a generated user (2000001 … 2000000 + SEED_USERS)", async () => {
    await using subgraph = await startTestSubgraph(products, { dataset });
    const rows = await generatedRows(subgraph.db as Kysely<unknown>);
    expect(rows.map(({ id }) => id)).toEqual(Array.from({ length: 200 }, (_, i) => 2_000_001 + i));
    for (const { created_by, price_cents } of rows) {
      expect(created_by).toBeGreaterThanOrEqual(2_000_001);
      expect(created_by).toBeLessThanOrEqual(2_000_050);
      expect(price_cents).toBeGreaterThanOrEqual(100);
      expect(price_cents).toBeLessThan(100_000);
    }
    const result = await subgraph.run('{ product(id: "2000001") { id name price createdAt createdBy { id } } }');
    expect(result.data).toEqual({
      product: {
        id: "2000001",
        name: expect.stringMatching(/^\w+ \w+ 1$/),
        price: expect.stringMatching(/^\d+\.\d\d$/),
        createdAt: "2025-01-01T00:00:01.000Z",
        createdBy: { id: expect.stringMatching(/^20000\d\d$/) },
      },
    });
  });

  it("spreads the creators unevenly (Zipf's law): the first users create many products, many users none", async () => {
    await using subgraph = await startTestSubgraph(products, { dataset });
    const perCreator = new Map<number, number>();
    for (const { created_by } of await generatedRows(subgraph.db as Kysely<unknown>)) {
      perCreator.set(created_by, (perCreator.get(created_by) ?? 0) + 1);
    }
    const counts = Array.from({ length: 50 }, (_, i) => perCreator.get(2_000_001 + i) ?? 0);
    expect(counts[0]).toBeGreaterThanOrEqual(30);
    expect(counts[0]).toBeGreaterThan(2 * (counts[4] ?? 0));
    expect(counts.filter((count) => count === 0).length).toBeGreaterThanOrEqual(5);
    expect(counts.filter((count) => count <= 2).length).toBeGreaterThanOrEqual(20);
  });

  it("is the same data, byte for byte, wherever and whenever it is inserted; another SEED_RANDOM_SEED gives another", async () => {
    await using first = await startTestSubgraph(products, { dataset });
    await using second = await startTestSubgraph(products, { dataset });
    expect(await second.dump("products", COLUMNS)).toBe(await first.dump("products", COLUMNS));
    expect(JSON.stringify(generatedProducts(dataset))).toBe(JSON.stringify(generatedProducts({ ...dataset })));
    const reseeded = generatedProducts({ ...dataset, randomSeed: 2 });
    expect(reseeded.map(({ createdById }) => createdById)).not.toEqual(
      generatedProducts(dataset).map(({ createdById }) => createdById),
    );
  });

  it("inserts nothing on a second start, and a product created afterwards takes the id after the generated ones", async () => {
    await using subgraph = await startTestSubgraph(products, { dataset });
    const before = await subgraph.dump("products", COLUMNS);
    expect(await subgraph.seedGeneratedDataset(dataset)).toEqual({ expected: 200, inserted: 0 });
    expect(await subgraph.dump("products", COLUMNS)).toBe(before);
    const created = await subgraph.run(
      'mutation { createProduct(input: { name: "New", price: "1" }) { id } }',
      {},
      {
        identity: asUser("2000001"),
      },
    );
    expect(created).toEqual({ data: { createProduct: { id: "2000201" } } });
  });

  it("pages each creator's products as a scan of all their products would, for one creator or many, after a cursor or not", async () => {
    await using subgraph = await startTestSubgraph(products, { dataset });
    const all = (await subgraph.store.list({ first: 1000, afterId: undefined })).nodes;
    const expected = (creatorIds: number[], first: number, afterId?: number) =>
      creatorIds.map((creatorId) => {
        const own = all.filter(
          ({ id, createdById }) => Number(createdById) === creatorId && (afterId === undefined || Number(id) > afterId),
        );
        return { nodes: own.slice(0, first), hasNextPage: own.length > first };
      });
    const batches: [number[], number, number | undefined][] = [
      [[2_000_001], 5, undefined],
      [[2_000_001], 100, 2_000_050],
      [[2_000_050], 3, undefined],
      [[2_000_001, 2_000_002, 2_000_049, 999, 1, 2_000_001], 4, undefined],
      [[2_000_003, 2_000_001, 2_000_002], 2, 2_000_100],
      [Array.from({ length: 50 }, (_, i) => 2_000_001 + i), 100, undefined],
    ];
    for (const [creatorIds, first, afterId] of batches) {
      expect(await subgraph.store.pagesByCreators(creatorIds, { first, afterId }), JSON.stringify(creatorIds)).toEqual(
        expected(creatorIds, first, afterId),
      );
    }
  });

  it("serves a page of products and every creator's products with one store query each", async () => {
    await using subgraph = await startTestSubgraph(products, { dataset });
    const pages = subgraph.record("list");
    const pagesByCreator = subgraph.record("pagesByCreators");
    const page = await subgraph.run("{ products(first: 100) { nodes { id createdBy { id } } } }");
    const nodes = (page.data as { products: { nodes: { createdBy: { id: string } }[] } }).products.nodes;
    expect(nodes).toHaveLength(100);
    const creators = [...new Set(nodes.map(({ createdBy }) => createdBy.id))];
    const r = creators.map((id) => ({ __typename: "User", id }));
    const result = await subgraph.run(
      "query ($r: [_Any!]!) { _entities(representations: $r) { ... on User { products(first: 5) { nodes { id } } } } }",
      { r },
    );
    expect(result.errors).toBeUndefined();
    expect(pages).toHaveLength(1);
    expect(pagesByCreator).toHaveLength(1);
    expect(pagesByCreator[0]?.[0]).toHaveLength(creators.length);
  });
});
