import { z } from "zod";

/** Who may create users: anyone (`open`, sign-up) or only admins (`admin`). */
export type SignupMode = "open" | "admin";

/** The users subgraph's own environment variables, read with the kit's (see README). */
export const settings = {
  SIGNUP: z.preprocess(
    (value) => (typeof value === "string" ? value.trim().toLowerCase() || undefined : value),
    z
      .enum(["open", "admin"], {
        error: 'expected "open" (anyone may sign up) or "admin" (only admins create users)',
      })
      .default("open"),
  ),
};
