/** `1 row`, `3 rows`; `many` for irregular plurals (`queries`). */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}
