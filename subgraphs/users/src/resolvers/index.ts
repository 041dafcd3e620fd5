import { DateTimeResolver } from "graphql-scalars";
import type { Resolvers } from "../generated/resolvers-types.js";
import { Mutation } from "./Mutation.js";
import { Query } from "./Query.js";
import { User } from "./User.js";
import { UserConnection } from "./UserConnection.js";

export const resolvers: Resolvers = { Query, Mutation, User, UserConnection, DateTime: DateTimeResolver };
