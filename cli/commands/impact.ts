import { Catalog } from '../../catalog/catalog.js';
import { SubscriptionSource } from '../../catalog/subscription-source.js';
import { impactOf, unknownColumns } from '../../catalog/impact.js';
import { UsageError } from '../../core/errors.js';
import { loadConfig } from '../../sources/load-config.js';
import { formatImpactText, summarizeImpact } from '../format-impact.js';
import { EXIT, type CliIo } from '../io.js';
import { readSubscriptions } from '../subscriptions.js';

export interface ImpactOptions {
  readonly product: string;
  readonly config: string;
  readonly columns?: readonly string[] | undefined;
  readonly format: 'text' | 'json';
}

export async function impactCommand(options: ImpactOptions, io: CliIo): Promise<number> {
  const config = await loadConfig(options.config, { env: io.env, now: io.now() });
  const catalog = new Catalog(config);
  // Config errors and unknown products first: they need no Redis.
  catalog.product(options.product);
  const subscriptions = await readSubscriptions(config, io);
  if (subscriptions && subscriptions.length > 0) {
    const source = new SubscriptionSource(catalog.engine);
    source.replace(subscriptions);
    catalog.addConsumerSource(source);
  }
  if (options.columns) {
    const unknown = unknownColumns(catalog, options.product, options.columns);
    if (unknown === undefined) io.stderr(`meshwatch: note: ${options.product} declares no schema, so --columns cannot be checked against it\n`);
    else if (unknown.length > 0) {
      const declared = catalog.product(options.product).schema!.columns.map((c) => c.name);
      throw new UsageError(
        unknown
          .map(({ column, suggestions }) => `${options.product} declares no column "${column}"${suggestions.length > 0 ? ` (did you mean ${suggestions.join(', ')}?)` : ''}`)
          .join('; ') + `; its columns: ${declared.join(', ')}`,
      );
    }
  }
  const impact = impactOf(catalog, options.product, options.columns);
  if (options.format === 'json') {
    io.stdout(`${JSON.stringify(impact, null, 2)}\n`);
    return EXIT.ok;
  }
  const broken = impact.brokenColumns ? `columns ${impact.brokenColumns.join(', ')}` : 'the whole product';
  const lines = [`If ${impact.product} breaks (${broken}): ${summarizeImpact(impact)}`, ''];
  lines.push(...formatImpactText(impact, catalog));
  io.stdout(`${lines.join('\n').trimEnd()}\n`);
  return EXIT.ok;
}
