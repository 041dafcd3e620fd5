/**
 * What the gateway race sends: deterministic request lists (a fixed seed) over the generated dataset
 * the subgraphs seed with SEED_DATASET=generated (users 2000001..2000000+SEED_USERS, products
 * 2000001..2000000+SEED_PRODUCTS). Every read operation has variables; the same list goes to every
 * gateway, and its first requests are the fixed set whose answers must be equal before timing.
 */
import { encodeCursor, GENERATED_ID_BASE, mulberry32, zipfSampler } from "@supergraph/subgraph-kit";

/** How many generated users and products there are (SEED_USERS, SEED_PRODUCTS). */
export interface DatasetSize {
  users: number;
  products: number;
}

/** One request of a list: its JSON body, and headers of its own (e.g. a writer's token) on top of the common ones. */
export interface BenchRequest {
  body: string;
  headers?: Record<string, string>;
}

/** The read workloads raced across every gateway. */
export type ReadWorkload = "unique" | "hot" | "skewed";
export const READ_WORKLOADS: readonly ReadWorkload[] = ["unique", "hot", "skewed"];

/** What each workload is, for the report. */
export const WORKLOAD_TITLES: Readonly<Record<ReadWorkload | "writes", string>> = {
  unique:
    "unique mix: product with creator, user with a page of products, products page with creators; ids, cursors and page sizes vary per request",
  hot: "hot: every client sends the same large operation (100 products, each creator and 10 of the creator's products)",
  skewed: "skewed mix: product and user lookups with ids drawn from a Zipf distribution (s = 1.1)",
  writes:
    "writes (ours alone): createProduct and updateProduct, each by a signed-in generated user with their own token",
};

export const PRODUCT_WITH_CREATOR = `query BenchProduct($id: ID!) {
  product(id: $id) { id name price description createdBy { id name } }
}`;

export const USER_WITH_PRODUCTS = `query BenchUser($id: ID!, $first: Int) {
  user(id: $id) {
    id name email
    products(first: $first) { nodes { id name price } pageInfo { hasNextPage endCursor } }
  }
}`;

export const PRODUCTS_PAGE = `query BenchProducts($first: Int, $after: String) {
  products(first: $first, after: $after) {
    nodes { id name price createdBy { id name } }
    pageInfo { hasNextPage endCursor }
  }
}`;

/**
 * The hot operation: 100 products, each with its creator and 10 of the creator's products (three
 * subgraph fetches on a federation plan, a response of tens of kilobytes). Within the router's
 * default limits: depth 6 (maxDepth 10), no aliases, one root field, ~70 tokens, estimated cost
 * about 5,000 (maxCost 100000).
 */
export const HOT_PRODUCTS = `query BenchHot($first: Int!, $creatorProducts: Int!) {
  products(first: $first) {
    nodes {
      id name price
      createdBy { id name products(first: $creatorProducts) { nodes { id name price } } }
    }
  }
}`;
export const HOT_VARIABLES = { first: 100, creatorProducts: 10 };

export const CREATE_PRODUCT = `mutation BenchCreateProduct($input: CreateProductInput!) {
  createProduct(input: $input) { id name price createdBy { id } }
}`;

export const UPDATE_PRODUCT = `mutation BenchUpdateProduct($id: ID!, $input: UpdateProductInput!) {
  updateProduct(id: $id, input: $input) { id name price }
}`;

const body = (query: string, variables: Record<string, unknown>): string => JSON.stringify({ query, variables });
const between = (random: () => number, min: number, max: number) => min + Math.floor(random() * (max - min + 1));
const generatedId = (index: number) => String(GENERATED_ID_BASE + index);

/** Options of a request list. */
export interface ListOptions {
  dataset: DatasetSize;
  /** Requests in the list (the load generator cycles through it). Default: 5000. */
  length?: number;
  /** Default: 1. */
  seed?: number;
}

/**
 * The unique mix: a third each of product(id) with its creator, user(id) with a page of 1-20 of its
 * products, and a page of 5-50 products with creators after a random cursor. Ids uniform over the
 * generated dataset.
 */
export function uniqueMix({ dataset, length = 5000, seed = 1 }: ListOptions): BenchRequest[] {
  const random = mulberry32(seed);
  return Array.from({ length }, (_, i): BenchRequest => {
    switch (i % 3) {
      case 0:
        return { body: body(PRODUCT_WITH_CREATOR, { id: generatedId(between(random, 1, dataset.products)) }) };
      case 1:
        return {
          body: body(USER_WITH_PRODUCTS, {
            id: generatedId(between(random, 1, dataset.users)),
            first: between(random, 1, 20),
          }),
        };
      default: {
        const after = between(random, 0, dataset.products - 1);
        return {
          body: body(PRODUCTS_PAGE, {
            first: between(random, 5, 50),
            ...(after === 0 ? {} : { after: encodeCursor(GENERATED_ID_BASE + after) }),
          }),
        };
      }
    }
  });
}

/** The hot workload: one request, the same for every client. */
export function hotOperation(): BenchRequest[] {
  return [{ body: body(HOT_PRODUCTS, HOT_VARIABLES) }];
}

/**
 * The skewed mix: half product(id) with its creator, half user(id) with its first 10 products, ids
 * drawn from a Zipf distribution (s = 1.1) over the generated dataset, so that a few ids are most
 * requests.
 */
export function skewedMix({ dataset, length = 5000, seed = 1 }: ListOptions): BenchRequest[] {
  const random = mulberry32(seed + 1);
  const productRank = zipfSampler(dataset.products, 1.1, random);
  const userRank = zipfSampler(dataset.users, 1.1, random);
  return Array.from(
    { length },
    (_, i): BenchRequest =>
      i % 2 === 0
        ? { body: body(PRODUCT_WITH_CREATOR, { id: generatedId(productRank()) }) }
        : { body: body(USER_WITH_PRODUCTS, { id: generatedId(userRank()), first: 10 }) },
  );
}

/** A read workload's request list. */
export function readRequests(workload: ReadWorkload, options: ListOptions): BenchRequest[] {
  return workload === "hot" ? hotOperation() : workload === "unique" ? uniqueMix(options) : skewedMix(options);
}

/** A product and the user who created it: who may update it. */
export interface OwnedProduct {
  productId: string;
  ownerId: string;
}

/**
 * The write mix: half createProduct by a generated user, half updateProduct of a product by its
 * creator, each request with that user's own `authorization` (made by `tokenOf`).
 */
export async function writeMix({
  dataset,
  owned,
  tokenOf,
  length = 1000,
  seed = 1,
}: ListOptions & {
  owned: readonly OwnedProduct[];
  tokenOf: (userId: string) => Promise<Record<string, string>>;
}): Promise<BenchRequest[]> {
  if (owned.length === 0) throw new Error("the write mix needs products with their creators");
  const random = mulberry32(seed + 2);
  const requests: BenchRequest[] = [];
  for (let i = 0; i < length; i++) {
    const price = `${between(random, 1, 999)}.${String(between(random, 0, 99)).padStart(2, "0")}`;
    if (i % 2 === 0) {
      const userId = generatedId(between(random, 1, dataset.users));
      requests.push({
        body: body(CREATE_PRODUCT, { input: { name: `Bench write ${i}`, price } }),
        headers: await tokenOf(userId),
      });
    } else {
      const { productId, ownerId } = owned[between(random, 0, owned.length - 1)] as OwnedProduct;
      requests.push({
        body: body(UPDATE_PRODUCT, { id: productId, input: { name: `Bench update ${i}`, price } }),
        headers: await tokenOf(ownerId),
      });
    }
  }
  return requests;
}
