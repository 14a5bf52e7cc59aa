/** contract.rowCount: the number of rows within `{ min, max }`. */
import { plural } from '../../core/text.js';
import type { CheckKind } from './kind.js';
import { unevaluated } from './results.js';
import { readRowCount, rowCountExpressions } from './row-count-source.js';

const CHECK = 'contract.rowCount';

export const rowCountKind: CheckKind = {
  name: 'rowCount',
  planned: (product) => (product.contract?.rowCount ? [{ check: CHECK, kind: 'contract', columns: [] }] : []),
  plan(ctx) {
    const bounds = ctx.product.contract?.rowCount;
    if (!bounds) return undefined;
    return {
      expressions: rowCountExpressions(ctx),
      evaluate: (scan) => {
        const rows = readRowCount(ctx, scan);
        if (rows.error !== undefined) return [unevaluated(ctx, CHECK, 'contract', [], rows.error)];
        const { min, max } = bounds;
        const n = rows.value ?? 0;
        const bad = (min !== undefined && n < min) || (max !== undefined && n > max);
        return [
          {
            product: ctx.product.id,
            check: CHECK,
            kind: 'contract',
            status: bad ? (bounds.severity === 'warn' ? 'warn' : 'fail') : 'pass',
            message: `${plural(n, 'row')}; expected ${min !== undefined ? `at least ${min}` : ''}${min !== undefined && max !== undefined ? ' and ' : ''}${max !== undefined ? `at most ${max}` : ''}`,
            columns: [],
            observed: n,
            expected: { min: min ?? null, max: max ?? null },
            at: ctx.at,
          },
        ];
      },
    };
  },
};
