// Expected to fail (TS2339): `password` is not a field of User in the API schema.
import { createClient } from "../src/client.js";
import { UserDocument } from "../src/generated/operations.js";

const { data } = await createClient({ url: "http://localhost:4000/graphql" }).request(UserDocument, { id: "1" });
export const password = data?.user?.password;
