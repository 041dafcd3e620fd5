/**
 * Before a race is timed, every gateway must give the same answer to the same request: otherwise
 * the fastest might simply be doing less. Answers are compared as JSON values (object keys in any
 * order), on `data` and `errors`; a top-level `extensions` (tracing ids, cost figures) is a gateway's
 * own business and left out.
 */

/** One gateway's answer to one request: the parsed JSON body and the HTTP status. */
export interface Answer {
  gateway: string;
  status: number;
  body: unknown;
}

/** Why a set of answers is not good enough to race on. */
export type AnswerProblem =
  | { kind: "error"; gateway: string; detail: string }
  | { kind: "differs"; gateway: string; baseline: string; path: string; expected: string; actual: string };

/**
 * The first place two JSON values differ (a JSONPath-like path), or undefined when they are equal.
 * Object keys may come in any order; arrays must match item by item.
 */
export function firstDifference(
  expected: unknown,
  actual: unknown,
  path = "$",
): { path: string; expected: unknown; actual: unknown } | undefined {
  if (Object.is(expected, actual)) return undefined;
  const bothArrays = Array.isArray(expected) && Array.isArray(actual);
  const bothObjects =
    !Array.isArray(expected) &&
    !Array.isArray(actual) &&
    expected !== null &&
    actual !== null &&
    typeof expected === "object" &&
    typeof actual === "object";
  if (bothArrays) {
    for (let i = 0; i < Math.max(expected.length, actual.length); i++) {
      if (i >= expected.length || i >= actual.length) {
        return { path: `${path}[${i}]`, expected: expected[i], actual: actual[i] };
      }
      const inner = firstDifference(expected[i], actual[i], `${path}[${i}]`);
      if (inner) return inner;
    }
    return undefined;
  }
  if (bothObjects) {
    const left = expected as Record<string, unknown>;
    const right = actual as Record<string, unknown>;
    for (const key of [...new Set([...Object.keys(left), ...Object.keys(right)])].sort()) {
      if (!Object.hasOwn(left, key) || !Object.hasOwn(right, key)) {
        return { path: `${path}.${key}`, expected: left[key], actual: right[key] };
      }
      const inner = firstDifference(left[key], right[key], `${path}.${key}`);
      if (inner) return inner;
    }
    return undefined;
  }
  return { path, expected, actual };
}

const show = (value: unknown) => (value === undefined ? "(missing)" : JSON.stringify(value).slice(0, 300));

/** `data` and `errors` of a GraphQL body: what is compared. */
function compared(body: unknown): unknown {
  if (body === null || typeof body !== "object") return body;
  const { data, errors } = body as { data?: unknown; errors?: unknown };
  return { data, ...(errors === undefined ? {} : { errors }) };
}

/**
 * Checks one request's answers, the first being the baseline: each must be HTTP 200 with `data`
 * and no `errors` (a race on errors measures nothing), and equal to the baseline's. Returns every
 * problem found (none: good to race).
 */
export function compareAnswers(answers: readonly Answer[]): AnswerProblem[] {
  const problems: AnswerProblem[] = [];
  for (const answer of answers) {
    const body = answer.body as { data?: unknown; errors?: unknown } | null;
    if (answer.status !== 200 || body === null || typeof body !== "object" || body.data == null || body.errors) {
      problems.push({
        kind: "error",
        gateway: answer.gateway,
        detail: `HTTP ${answer.status}: ${show(body && typeof body === "object" && body.errors ? body.errors : body)}`,
      });
    }
  }
  const [baseline, ...others] = answers;
  if (!baseline) return problems;
  for (const answer of others) {
    const difference = firstDifference(compared(baseline.body), compared(answer.body));
    if (difference) {
      problems.push({
        kind: "differs",
        gateway: answer.gateway,
        baseline: baseline.gateway,
        path: difference.path,
        expected: show(difference.expected),
        actual: show(difference.actual),
      });
    }
  }
  return problems;
}

/** Problems, one per line, for an error message. */
export function describeProblems(request: string, problems: readonly AnswerProblem[]): string {
  return [
    `Answers to ${request} are not good enough to race on:`,
    ...problems.map((problem) =>
      problem.kind === "error"
        ? `  ${problem.gateway}: ${problem.detail}`
        : `  ${problem.gateway} differs from ${problem.baseline} at ${problem.path}: ${problem.baseline} has ${problem.expected}, ${problem.gateway} has ${problem.actual}`,
    ),
  ].join("\n");
}
