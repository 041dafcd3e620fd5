import { type GraphQLResponse, postGraphQL } from "@supergraph/testing";

/** A full page of users, from one subgraph. */
export const USERS_PAGE = "{ users(first: 20) { nodes { id name } } }";
/** A full page of products with their creators: products, then users for `createdBy`. */
export const PRODUCTS_WITH_CREATORS = "{ products(first: 20) { nodes { name price createdBy { name email } } } }";

/** The data of a seeding mutation; its errors, if any, stop the benchmark (it would measure errors). */
async function mutate<T>(url: string, mutation: string): Promise<T> {
  const result: GraphQLResponse<T> = await postGraphQL<T>(url, mutation);
  if (!result.data || result.errors) throw new Error(`seeding failed at ${url}: ${JSON.stringify(result.errors)}`);
  return result.data;
}

const createUser = (url: string, i: number) =>
  mutate<{ u: { id: string } }>(
    url,
    `mutation { u: createUser(input: { name: "Bench ${i}", email: "bench${i}@example.com" }) { id } }`,
  );

/** `count` users (Bench 0, Bench 1, …), created through `url`: a users subgraph or a router. */
export async function seedUsers(url: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) await createUser(url, i);
}

/**
 * `count` users with one product each: users created through `usersUrl`, products through
 * `productsUrl` (the same router for both, or each subgraph directly).
 */
export async function seedUsersWithProducts(usersUrl: string, productsUrl: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const { u } = await createUser(usersUrl, i);
    await mutate(
      productsUrl,
      `mutation { createProduct(input: { name: "Item ${i}", price: "${i}.99", createdById: "${u.id}" }) { id } }`,
    );
  }
}
