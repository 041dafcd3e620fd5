import type { SourceFile } from "./sourceFiles.js";

/** An error code written as a literal where an error is built: `code: "X"` (extensions, domain errors, HTTP errors). */
export interface CodeLiteral {
  file: string;
  line: number;
  code: string;
}

const CODE_PROPERTY = /\bcode\s*:\s*["'`]([A-Z][A-Z0-9_]*)["'`]/g;
const CODE_FIELD = /\breadonly\s+code\s*=\s*["'`]([A-Z][A-Z0-9_]*)["'`]/g;

/** Every error code spelled as a literal in `files` (the contract's own constants are written without them). */
export function codeLiterals(files: readonly SourceFile[]): CodeLiteral[] {
  return files.flatMap((file) =>
    [CODE_PROPERTY, CODE_FIELD].flatMap((pattern) =>
      [...file.text.matchAll(pattern)].map((match) => ({
        file: file.path,
        line: file.text.slice(0, match.index).split("\n").length,
        code: match[1] ?? "",
      })),
    ),
  );
}
