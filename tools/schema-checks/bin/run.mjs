// Runs a command of this tool from its TypeScript source (no build step): `tsx` compiles it on the fly.
import { register } from "tsx/esm/api";

register();

/** Imports `src/bin/<name>.ts`, which runs the command. */
export const run = (name) => import(new URL(`../src/bin/${name}.ts`, import.meta.url).href);
