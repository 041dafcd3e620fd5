// Expected to fail (TS2554): the User operation requires $id, so variables cannot be left out.
import { createClient } from "../src/client.js";
import { UserDocument } from "../src/generated/operations.js";

export const result = createClient({ url: "http://localhost:4000/graphql" }).request(UserDocument);
