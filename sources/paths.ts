/** Dotted paths inside a source file, as problems and notes print them (`schema[0].properties[2].quality[1]`). */
export function formatPath(parts: readonly PropertyKey[]): string {
  let out = '';
  for (const part of parts) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}

export function joinPath(base: string, rest: string): string {
  if (base === '') return rest;
  if (rest === '') return base;
  return rest.startsWith('[') ? `${base}${rest}` : `${base}.${rest}`;
}
