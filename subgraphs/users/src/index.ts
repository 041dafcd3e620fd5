import { runSubgraph } from "@supergraph/subgraph-kit";
import { users } from "./server.js";

runSubgraph(users);
