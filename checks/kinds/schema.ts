/** schema: declared columns against the warehouse's; metadata only, no scan (see `schema-check.ts`). */
import { evaluateSchema } from '../schema-check.js';
import type { CheckKind } from './kind.js';

export const schemaKind: CheckKind = {
  name: 'schema',
  planned: (product) => (product.schema ? [{ check: 'schema', kind: 'schema', columns: [] }] : []),
  plan(ctx) {
    const result = evaluateSchema(ctx.product, ctx.metadata, ctx.engine, ctx.at);
    return result ? { results: [result] } : undefined;
  },
};
