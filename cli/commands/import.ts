import { formatProblem } from '../../config/errors.js';
import { importSources, type ImportKind } from '../../sources/import.js';
import { EXIT, type CliIo } from '../io.js';

export interface ImportCommandOptions {
  readonly kind: ImportKind;
  readonly sources: readonly string[];
  readonly out: string;
  readonly domain?: string | undefined;
  readonly force: boolean;
}

export async function importCommand(options: ImportCommandOptions, io: CliIo): Promise<number> {
  const result = await importSources(options);
  if (result.problems.length > 0) {
    io.stderr(`meshwatch import: nothing written, ${result.problems.length} problem${result.problems.length === 1 ? '' : 's'}\n${result.problems.map((p) => `${formatProblem(p)}\n`).join('')}`);
    return EXIT.usage;
  }
  io.stdout(
    `${options.out}: imported ${result.products} product${result.products === 1 ? '' : 's'} and ${result.consumers} consumer${result.consumers === 1 ? '' : 's'} ` +
      `from ${options.sources.length} ${options.kind} file${options.sources.length === 1 ? '' : 's'}; wrote ${result.written.length} file${result.written.length === 1 ? '' : 's'}` +
      (result.domainsAdded.length > 0 ? `; domains added to meshwatch.yaml: ${result.domainsAdded.join(', ')} (fill in the TODO placeholders)` : '') +
      '\n',
  );
  if (result.kept.length > 0) io.stdout(`kept ${result.kept.length} existing file${result.kept.length === 1 ? '' : 's'} (use --force to overwrite): ${result.kept.join(', ')}\n`);
  if (result.notes.length > 0) {
    io.stdout(`${result.notes.length} note${result.notes.length === 1 ? '' : 's'}: read but not checked\n${result.notes.map((n) => `  note: ${formatProblem(n)}\n`).join('')}`);
  }
  return EXIT.ok;
}
