import type { OperationResult, SupergraphClient } from "./client.js";
import {
  CreateProductDocument,
  CreateUserDocument,
  DeleteProductDocument,
  DeleteUserDocument,
  ProductDocument,
  ProductsDocument,
  UpdateProductDocument,
  UpdateUserDocument,
  UserDocument,
  UsersDocument,
} from "./generated/operations.js";
import { formatTable } from "./table.js";

/** What a command printed (text mode) and the raw result (JSON mode). */
export interface CommandOutput {
  result: OperationResult<unknown>;
  text: string;
}

export type Flags = Record<string, string | undefined>;

/** A wrong command line: printed with the usage, exit code 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

const missing = "-";
/** What a private field (a user's email, seen by anyone but that user or an admin) shows: the router sends null. */
export const HIDDEN = "(hidden)";
const names = (page: { nodes: { name: string }[] } | null) =>
  page === null ? "(unavailable)" : page.nodes.map((node) => node.name).join(", ") || missing;

function required(flags: Flags, name: string): string {
  const value = flags[name];
  if (value === undefined || value === "") throw new UsageError(`--${name} is required.`);
  return value;
}

function integer(flags: Flags, name: string): number | undefined {
  const value = flags[name];
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new UsageError(`--${name} must be a whole number; got "${value}".`);
  return Number(value);
}

function onlyId(positionals: readonly string[], what: string): string {
  const [id, ...rest] = positionals;
  if (id === undefined) throw new UsageError(`Give the ${what} id, e.g. \`${what} 1\`.`);
  if (rest.length > 0) throw new UsageError(`Unexpected arguments: ${rest.join(" ")}`);
  return id;
}

/** Only the flags that were given: omitted update fields keep their value. */
function given<K extends string>(flags: Flags, keys: readonly K[]): Partial<Record<K, string>> {
  return Object.fromEntries(keys.flatMap((key) => (flags[key] === undefined ? [] : [[key, flags[key]]]))) as Partial<
    Record<K, string>
  >;
}

type UserRow = { id: string; name: string; email: string | null; createdAt?: string };
const userTable = (users: UserRow[]) =>
  formatTable(
    ["id", "name", "email", "created"],
    users.map((u) => [u.id, u.name, u.email ?? HIDDEN, u.createdAt ?? missing]),
  );

type ProductRow = {
  id: string;
  name: string;
  price: string;
  description?: string | null;
  createdBy?: { name: string } | null;
};
const productTable = (products: ProductRow[]) =>
  formatTable(
    ["id", "name", "price", "created by", "description"],
    products.map((p) => [p.id, p.name, p.price, p.createdBy?.name ?? missing, p.description ?? missing]),
  );

const more = (pageInfo: { hasNextPage: boolean; endCursor: string | null } | undefined) =>
  pageInfo?.hasNextPage ? `\nMore: --after ${pageInfo.endCursor}` : "";

type Command = (client: SupergraphClient, positionals: string[], flags: Flags) => Promise<CommandOutput>;

export interface CommandSpec {
  usage: string;
  run: Command;
  /** Writes only: what it does and who may, for a FORBIDDEN refusal ("may not change user 3; only user 3 or an admin may"). */
  permission?: (positionals: readonly string[], flags: Flags) => { action: string; allowed: string };
}

/** Every CLI command: one typed operation each, printed as a table. */
export const COMMANDS: Record<string, CommandSpec> = {
  users: {
    usage: "users [--first N] [--after CURSOR]      users with the products they created",
    async run(client, _positionals, flags) {
      const result = await client.request(UsersDocument, { first: integer(flags, "first"), after: flags.after });
      const users = result.data?.users;
      const text = users
        ? formatTable(
            ["id", "name", "email", "products"],
            users.nodes.map((u) => [u.id, u.name, u.email ?? HIDDEN, names(u.products)]),
          ) + `\n${users.nodes.length} of ${users.totalCount} users${more(users.pageInfo)}`
        : "";
      return { result, text };
    },
  },
  user: {
    usage: "user <id>                                one user and their products",
    async run(client, positionals) {
      const result = await client.request(UserDocument, { id: onlyId(positionals, "user") });
      const user = result.data?.user;
      const text =
        user === undefined
          ? ""
          : user === null
            ? "No such user."
            : `${userTable([user])}\n\nProducts: ${user.products === null ? "(unavailable)" : user.products.nodes.map((p) => `${p.name} (${p.price})`).join(", ") || "none"}`;
      return { result, text };
    },
  },
  products: {
    usage: "products [--first N] [--after CURSOR]   products with their creators",
    async run(client, _positionals, flags) {
      const result = await client.request(ProductsDocument, { first: integer(flags, "first"), after: flags.after });
      const products = result.data?.products;
      return { result, text: products ? productTable(products.nodes) + more(products.pageInfo) : "" };
    },
  },
  product: {
    usage: "product <id>                             one product and its creator",
    async run(client, positionals) {
      const result = await client.request(ProductDocument, { id: onlyId(positionals, "product") });
      const product = result.data?.product;
      const text =
        product === undefined
          ? ""
          : product === null
            ? "No such product."
            : `${productTable([product])}\nCreator: ${product.createdBy ? `${product.createdBy.name} <${product.createdBy.email ?? HIDDEN}>` : missing}`;
      return { result, text };
    },
  },
  "create-user": {
    usage: "create-user --name NAME --email EMAIL",
    permission: () => ({ action: "sign up users here", allowed: "an admin" }),
    async run(client, _positionals, flags) {
      const input = { name: required(flags, "name"), email: required(flags, "email") };
      const result = await client.request(CreateUserDocument, { input });
      return { result, text: result.data ? `Created user:\n${userTable([result.data.createUser])}` : "" };
    },
  },
  "update-user": {
    usage: "update-user <id> [--name NAME] [--email EMAIL]",
    permission: ([id]) => ({ action: `change user ${id}`, allowed: `user ${id} or an admin` }),
    async run(client, positionals, flags) {
      const id = onlyId(positionals, "update-user");
      const result = await client.request(UpdateUserDocument, { id, input: given(flags, ["name", "email"]) });
      return { result, text: result.data ? `Updated user:\n${userTable([result.data.updateUser])}` : "" };
    },
  },
  "delete-user": {
    usage: "delete-user <id>",
    permission: ([id]) => ({ action: `delete user ${id}`, allowed: `user ${id} or an admin` }),
    async run(client, positionals) {
      const result = await client.request(DeleteUserDocument, { id: onlyId(positionals, "delete-user") });
      return { result, text: result.data ? `Deleted user:\n${userTable([result.data.deleteUser])}` : "" };
    },
  },
  "create-product": {
    usage: "create-product --name NAME --price PRICE [--description TEXT] [--created-by USER_ID (admins)]",
    permission: (_positionals, flags) => ({
      action: `create products for user ${flags["created-by"] ?? "(you)"}`,
      allowed: `user ${flags["created-by"] ?? "(you)"} or an admin`,
    }),
    async run(client, _positionals, flags) {
      // Without --created-by the router's caller (the token's user) is the creator.
      const createdById = flags["created-by"];
      const input = {
        name: required(flags, "name"),
        price: required(flags, "price"),
        ...(createdById === undefined ? {} : { createdById }),
        ...given(flags, ["description"]),
      };
      const result = await client.request(CreateProductDocument, { input });
      return { result, text: result.data ? `Created product:\n${productTable([result.data.createProduct])}` : "" };
    },
  },
  "update-product": {
    usage: "update-product <id> [--name NAME] [--price PRICE] [--description TEXT]",
    permission: ([id]) => ({ action: `change product ${id}`, allowed: "its creator or an admin" }),
    async run(client, positionals, flags) {
      const id = onlyId(positionals, "update-product");
      const input = given(flags, ["name", "price", "description"]);
      const result = await client.request(UpdateProductDocument, { id, input });
      return { result, text: result.data ? `Updated product:\n${productTable([result.data.updateProduct])}` : "" };
    },
  },
  "delete-product": {
    usage: "delete-product <id>",
    permission: ([id]) => ({ action: `delete product ${id}`, allowed: "its creator or an admin" }),
    async run(client, positionals) {
      const result = await client.request(DeleteProductDocument, { id: onlyId(positionals, "delete-product") });
      return { result, text: result.data ? `Deleted product:\n${productTable([result.data.deleteProduct])}` : "" };
    },
  },
};
