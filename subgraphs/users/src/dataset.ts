import { type GeneratedDataset, generatedId, generatedTimestamp } from "@supergraph/subgraph-kit";
import type { User } from "./store/userStore.js";

/**
 * The users of the generated dataset: the `i`-th (1 … `users`) has id GENERATED_ID_BASE + i, name
 * "User <i>", email "user<i>@example.com" and a fixed `createdAt` (one minute apart). No randomness:
 * the products subgraph computes the same ids from SEED_USERS alone.
 */
export function generatedUsers({ users }: Pick<GeneratedDataset, "users">): User[] {
  return Array.from({ length: users }, (_, index) => {
    const i = index + 1;
    return {
      id: String(generatedId(i)),
      name: `User ${i}`,
      email: `user${i}@example.com`,
      createdAt: generatedTimestamp(i),
    };
  });
}
