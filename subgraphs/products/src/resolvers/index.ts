import { DateTimeResolver } from "graphql-scalars";
import type { Resolvers } from "../generated/resolvers-types.js";
import { MoneyScalar } from "../money.js";
import { Mutation } from "./Mutation.js";
import { Product } from "./Product.js";
import { ProductConnection } from "./ProductConnection.js";
import { Query } from "./Query.js";
import { User } from "./User.js";

export const resolvers: Resolvers = {
  Query,
  Mutation,
  Product,
  ProductConnection,
  User,
  DateTime: DateTimeResolver,
  Money: MoneyScalar,
};
