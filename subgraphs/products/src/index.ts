import { runSubgraph } from "@supergraph/subgraph-kit";
import { products } from "./server.js";

runSubgraph(products);
