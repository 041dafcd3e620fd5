import { subgraphCodegen } from "@supergraph/subgraph-kit/codegen";

// Prices are integer cents inside the service; the Money scalar turns them into decimal strings.
export default subgraphCodegen({
  mappers: {
    Product: "../store/productStore.js#Product",
    User: "../store/productStore.js#UserReference",
    ProductConnection: "../store/productStore.js#ProductPage",
  },
  scalars: { Money: "number" },
});
