/**
 * Plain code-point order for ids, names and paths. (`localeCompare` would load ICU's collator,
 * ~8 ms on its first call — a fifth of Node's start-up — on every `runner features list`.)
 * Kept apart from version-spec.ts so the listing path does not load semver.
 */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
