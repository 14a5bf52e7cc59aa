/**
 * Every check kind, in the order their results are reported. Results a kind
 * knows before the scan (schema, missing columns, config errors) come first,
 * then the evaluated ones, each group in this order.
 */
import { acceptedValuesKind } from './accepted-values.js';
import { freshnessKind } from './freshness.js';
import type { CheckKind } from './kind.js';
import { notNullKind } from './not-null.js';
import { ownerSqlKind } from './owner-sql.js';
import { rowCountKind } from './row-count.js';
import { schemaKind } from './schema.js';
import { uniqueKind } from './unique.js';
import { rangeKind } from './range.js';
import { patternKind } from './pattern.js';
import { referencesKind } from './references.js';
import { expressionsKind } from './expressions.js';

export const CHECK_KINDS: readonly CheckKind[] = [
  schemaKind,
  freshnessKind,
  rowCountKind,
  notNullKind,
  uniqueKind,
  acceptedValuesKind,
  rangeKind,
  patternKind,
  expressionsKind,
  referencesKind,
  ownerSqlKind,
];
