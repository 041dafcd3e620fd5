import { type ASTVisitor, Kind, type SelectionSetNode, type ValidationContext, type ValidationRule } from "graphql";

/**
 * Counts the fields selected at the root of each operation, following fragment spreads and inline
 * fragments (a fragment spread twice counts twice; `__typename` counts like any field), and reports
 * `report(found)` when there are more than `max`. Fragment counts are memoized, so nested spreads
 * cannot make the count itself expensive; unknown or cyclic fragments count nothing (graphql-js's
 * own rules refuse them).
 */
export function maxRootFieldsRule(
  max: number,
  report: (context: ValidationContext, found: number) => void,
): ValidationRule {
  return (context): ASTVisitor => {
    const fragmentCounts = new Map<string, number>();
    const count = (selectionSet: SelectionSetNode, visiting: Set<string>): number => {
      let total = 0;
      for (const selection of selectionSet.selections) {
        if (selection.kind === Kind.FIELD) total += 1;
        else if (selection.kind === Kind.INLINE_FRAGMENT) total += count(selection.selectionSet, visiting);
        else {
          const name = selection.name.value;
          const known = fragmentCounts.get(name);
          if (known !== undefined) {
            total += known;
            continue;
          }
          const fragment = context.getFragment(name);
          if (!fragment || visiting.has(name)) continue;
          visiting.add(name);
          const found = count(fragment.selectionSet, visiting);
          visiting.delete(name);
          fragmentCounts.set(name, found);
          total += found;
        }
      }
      return total;
    };
    return {
      OperationDefinition(operation) {
        const found = count(operation.selectionSet, new Set());
        if (found > max) report(context, found);
      },
    };
  };
}
