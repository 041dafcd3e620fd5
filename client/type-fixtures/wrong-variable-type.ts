// Expected to fail (TS2322): the User operation's $id is an ID (string), not a number.
import { createClient } from "../src/client.js";
import { UserDocument } from "../src/generated/operations.js";

export const result = createClient({ url: "http://localhost:4000/graphql" }).request(UserDocument, { id: 1 });
