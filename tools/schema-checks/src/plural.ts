/** `1 change`, `2 changes`; `plural(2, "fetch", "fetches")` for words that do not just add an s. */
export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}
