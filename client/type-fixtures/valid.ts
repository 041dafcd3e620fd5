// Control: correct use type-checks, so the failures in the other fixtures are the ones they name.
import { createClient } from "../src/client.js";
import { UserDocument, UsersDocument } from "../src/generated/operations.js";

const client = createClient({ url: "http://localhost:4000/graphql" });
const { data } = await client.request(UserDocument, { id: "1" });
// email is private: null unless the caller is that user or an admin.
const email: string | null | undefined = data?.user?.email;
const list = await client.request(UsersDocument);
const first: string | undefined = list.data?.users.nodes[0]?.name;

export { email, first };
