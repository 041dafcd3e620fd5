import { subgraphCodegen } from "@supergraph/subgraph-kit/codegen";

export default subgraphCodegen({
  mappers: { User: "../store/userStore.js#User", UserConnection: "../store/userStore.js#UserPage" },
});
