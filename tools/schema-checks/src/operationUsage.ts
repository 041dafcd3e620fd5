/** What a client operation uses of a schema, and whether a schema change touches it. */
import type { DocumentNode, GraphQLSchema, GraphQLType } from "graphql";
import { graphql } from "./graphqlRuntime.js";

/** What an operation touches in a schema, to tell which schema changes affect it. */
export interface OperationUsage {
  /** Field and argument coordinates: `User.email`, `Query.users.first`, input fields `CreateUserInput.email`. */
  fields: Set<string>;
  /** Every named type it touches. */
  types: Set<string>;
  /** Types it depends on as a whole: input objects and enums it may send, abstract types and scalars it reads. */
  wholeTypes: Set<string>;
}

export function operationUsage(schema: GraphQLSchema, document: DocumentNode): OperationUsage {
  const usage: OperationUsage = { fields: new Set(), types: new Set(), wholeTypes: new Set() };
  const { getNamedType, isInputObjectType, isObjectType } = graphql;
  // Variables are opaque: an operation may send any field of an input type it takes.
  const addInput = (type: GraphQLType | undefined): void => {
    if (!type) return;
    const named = getNamedType(type);
    if (usage.wholeTypes.has(named.name)) return;
    usage.types.add(named.name);
    usage.wholeTypes.add(named.name);
    if (!isInputObjectType(named)) return;
    for (const field of Object.values(named.getFields())) {
      usage.fields.add(`${named.name}.${field.name}`);
      addInput(field.type);
    }
  };
  const typeInfo = new graphql.TypeInfo(schema);
  graphql.visit(
    document,
    graphql.visitWithTypeInfo(typeInfo, {
      Field() {
        const parent = typeInfo.getParentType();
        const field = typeInfo.getFieldDef();
        if (!parent || !field) return;
        usage.fields.add(`${parent.name}.${field.name}`);
        const named = getNamedType(field.type);
        usage.types.add(named.name);
        if (!isObjectType(named)) usage.wholeTypes.add(named.name);
      },
      Argument() {
        const parent = typeInfo.getParentType();
        const field = typeInfo.getFieldDef();
        const argument = typeInfo.getArgument();
        if (typeInfo.getDirective() || !parent || !field || !argument) return;
        usage.fields.add(`${parent.name}.${field.name}.${argument.name}`);
        addInput(argument.type);
      },
      VariableDefinition(node) {
        addInput(graphql.typeFromAST(schema, node.type) ?? undefined);
      },
      InlineFragment(node) {
        if (node.typeCondition) usage.types.add(node.typeCondition.name.value);
      },
      FragmentDefinition(node) {
        usage.types.add(node.typeCondition.name.value);
      },
    }),
  );
  return usage;
}

/** Argument changes that affect every operation using the field, whether it passes the argument or not. */
const FIELD_WIDE_ARGUMENT_CHANGES = new Set(["FIELD_ARGUMENT_ADDED", "FIELD_ARGUMENT_DEFAULT_CHANGED"]);

/**
 * Whether a schema change touches what an operation uses. `change.path` is graphql-inspector's:
 * `Type`, `Type.field`, `Type.field.argument`, `InputType.field` or `Enum.VALUE`.
 */
export function usesChange(usage: OperationUsage, change: { type: string; path?: string | undefined }): boolean {
  const { path } = change;
  if (!path) return false;
  if (usage.fields.has(path)) return true;
  const [type = "", field, argument] = path.split(".");
  if (field === undefined) return usage.types.has(type) || [...usage.fields].some((f) => f.startsWith(`${type}.`));
  if (usage.wholeTypes.has(type)) return true;
  return argument !== undefined && FIELD_WIDE_ARGUMENT_CHANGES.has(change.type) && usage.fields.has(`${type}.${field}`);
}
