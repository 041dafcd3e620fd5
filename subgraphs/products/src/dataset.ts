import {
  CREATOR_SKEW,
  type GeneratedDataset,
  generatedId,
  generatedTimestamp,
  mulberry32,
  zipfSampler,
} from "@supergraph/subgraph-kit";
import type { Product } from "./store/productStore.js";

const ADJECTIVES = ["Small", "Large", "Red", "Blue", "Quiet", "Rapid", "Solid", "Light", "Classic", "Modern"];
const NOUNS = ["Lamp", "Chair", "Kettle", "Backpack", "Notebook", "Speaker", "Bottle", "Clock", "Desk", "Jacket"];

/**
 * The products of the generated dataset: the `i`-th (1 … `products`) has id GENERATED_ID_BASE + i,
 * a name such as "Blue Kettle 17", a price from 1.00 to 999.99, a description for most, a fixed
 * `createdAt` (one second apart), and a creator among the generated users (ids GENERATED_ID_BASE + 1 …
 * GENERATED_ID_BASE + `users`, the same ids the users subgraph generates) drawn with Zipf's law
 * (CREATOR_SKEW): the first users create hundreds of products, most create few or none. Every
 * choice comes from mulberry32(`randomSeed`), in the same order: the same dataset gives the same rows.
 */
export function generatedProducts({ users, products, randomSeed }: GeneratedDataset): Product[] {
  const random = mulberry32(randomSeed);
  const creator = zipfSampler(users, CREATOR_SKEW, random);
  const pick = (words: readonly string[]) => words[Math.floor(random() * words.length)] as string;
  return Array.from({ length: products }, (_, index) => {
    const i = index + 1;
    const createdById = String(generatedId(creator()));
    const name = `${pick(ADJECTIVES)} ${pick(NOUNS)} ${i}`;
    const priceCents = 100 + Math.floor(random() * 99_900);
    const described = random() < 0.8;
    return {
      id: String(generatedId(i)),
      name,
      description: described ? `${name}, made by user ${createdById}.` : null,
      priceCents,
      createdById,
      createdAt: generatedTimestamp(i, 1000),
    };
  });
}
