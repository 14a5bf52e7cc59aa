/**
 * Lineage cycles, each printed once as `a → b → c → a`. Iterative DFS so that
 * a 60,000-product mesh with deep lineage cannot overflow the stack.
 */
export function findCycles(products: ReadonlyArray<{ id: string; inputs: ReadonlyArray<{ product: string }> }>): string[][] {
  const inputsOf = new Map(products.map((p) => [p.id, p.inputs.map((i) => i.product)]));
  const state = new Map<string, 'active' | 'done'>();
  const cycles: string[][] = [];
  const seenCycles = new Set<string>();

  for (const start of inputsOf.keys()) {
    if (state.has(start)) continue;
    const stack: Array<{ id: string; next: number }> = [{ id: start, next: 0 }];
    const onPath: string[] = [start];
    state.set(start, 'active');
    while (stack.length > 0) {
      const frame = stack[stack.length - 1]!;
      const inputs = inputsOf.get(frame.id) ?? [];
      if (frame.next >= inputs.length) {
        state.set(frame.id, 'done');
        stack.pop();
        onPath.pop();
        continue;
      }
      const input = inputs[frame.next++]!;
      if (!inputsOf.has(input)) continue; // unknown product: reported elsewhere
      const s = state.get(input);
      if (s === 'active') {
        // Lineage edges point upstream; print the cycle in data-flow order.
        const loop = onPath.slice(onPath.indexOf(input)).reverse();
        const rotated = rotateToSmallest(loop);
        const key = rotated.join('\u0000');
        if (!seenCycles.has(key)) {
          seenCycles.add(key);
          cycles.push([...rotated, rotated[0]!]);
        }
      } else if (s === undefined) {
        state.set(input, 'active');
        stack.push({ id: input, next: 0 });
        onPath.push(input);
      }
    }
  }
  return cycles;
}

function rotateToSmallest(ids: string[]): string[] {
  let best = 0;
  ids.forEach((id, i) => {
    if (id < ids[best]!) best = i;
  });
  return [...ids.slice(best), ...ids.slice(0, best)];
}
