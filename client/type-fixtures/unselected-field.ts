// Expected to fail (TS2339): Products selects createdBy { id name }, not createdBy.email.
import { createClient } from "../src/client.js";
import { ProductsDocument } from "../src/generated/operations.js";

const { data } = await createClient({ url: "http://localhost:4000/graphql" }).request(ProductsDocument);
export const email = data?.products.nodes[0]?.createdBy?.email;
