/**
 * Runs a command's `main` and sets the exit code it resolves with. An error it throws exits 1: a
 * known one (`isKnown`) is printed as `error <message>` (followed by `usage`, if given, for a bad
 * option), anything else with its stack, as `<name> failed: …`.
 */
export function runCommand(
  name: string,
  main: () => Promise<number>,
  { isKnown = () => false, usage }: { isKnown?: (error: unknown) => boolean; usage?: string } = {},
): void {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      const badOption = (error as { code?: string }).code === "ERR_PARSE_ARGS_UNKNOWN_OPTION";
      if (isKnown(error) || badOption) {
        console.error(`error ${(error as Error).message}`);
        if (badOption && usage) console.error(usage);
      } else {
        console.error(`${name} failed:`, error);
      }
      process.exitCode = 1;
    },
  );
}
