import { bearer, type GraphQLResponse, type PostOptions, postGraphQL } from "@supergraph/testing";

/** A full page of users, from one subgraph. */
export const USERS_PAGE = "{ users(first: 20) { nodes { id name } } }";
/** A full page of products with their creators: products, then users for `createdBy`. */
export const PRODUCTS_WITH_CREATORS = "{ products(first: 20) { nodes { name price createdBy { name email } } } }";

/**
 * Where seeding mutations go, and so how a caller proves who it is: through a router (a bearer
 * token, as any client), or to a subgraph directly (signed as the router signs, with the caller's
 * identity; a subgraph running with PROTECTIONS=off reads the identity without checking the signature).
 */
export interface SeedTarget {
  url: string;
  via: "router" | "subgraph";
}

/** A router's GraphQL endpoint, as a seeding target. */
export const throughRouter = (url: string): SeedTarget => ({ url, via: "router" });
/** A subgraph's GraphQL endpoint, called directly, as a seeding target. */
export const subgraphDirectly = (url: string): SeedTarget => ({ url, via: "subgraph" });

/** The data of a seeding mutation sent as `userId` (anonymous without one); its errors, if any, stop the benchmark (it would measure errors). */
async function mutate<T>(target: SeedTarget, mutation: string, userId?: string): Promise<T> {
  const options: PostOptions =
    target.via === "router"
      ? { headers: userId === undefined ? {} : await bearer(userId) }
      : { sign: { identity: userId === undefined ? null : { userId } } };
  const result: GraphQLResponse<T> = await postGraphQL<T>(target.url, mutation, options);
  if (!result.data || result.errors) {
    throw new Error(`seeding failed at ${target.url}: ${JSON.stringify(result.errors)}`);
  }
  return result.data;
}

/** Signs user `i` up (sign-up is open to anonymous callers). */
const createUser = (target: SeedTarget, i: number) =>
  mutate<{ u: { id: string } }>(
    target,
    `mutation { u: createUser(input: { name: "Bench ${i}", email: "bench${i}@example.com" }) { id } }`,
  );

/** `count` users (Bench 0, Bench 1, …), created through `target`: a users subgraph or a router. */
export async function seedUsers(target: SeedTarget, count: number): Promise<void> {
  for (let i = 0; i < count; i++) await createUser(target, i);
}

/**
 * `count` users with one product each, each product created by its user, signed in: users created
 * through `users`, products through `products` (the same router for both, or each subgraph directly).
 */
export async function seedUsersWithProducts(users: SeedTarget, products: SeedTarget, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const { u } = await createUser(users, i);
    await mutate(products, `mutation { createProduct(input: { name: "Item ${i}", price: "${i}.99" }) { id } }`, u.id);
  }
}
