/**
 * `meshwatch import`: writes what sources give as a config directory the
 * team then owns (meshwatch.yaml with the domains found, products/*.yaml,
 * consumers/*.yaml). Into an existing directory it only adds: existing files
 * are kept unless `force`, and meshwatch.yaml only gains missing domains.
 */
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isMap, isSeq, parseDocument, stringify } from 'yaml';
import type { ConfigProblem } from '../config/errors.js';
import { readDbtSource, readOdcsSource, fitOutput, WORKSPACE_FILE } from './load.js';
import { emptyOutput, mergeOutput, type DomainHint, type SourceOutput } from './model.js';

export type ImportKind = 'odcs' | 'dbt';

export interface ImportOptions {
  readonly kind: ImportKind;
  /** Source files, absolute or relative to the working directory. */
  readonly sources: readonly string[];
  readonly out: string;
  readonly domain?: string | undefined;
  readonly force: boolean;
}

export interface ImportResult {
  readonly problems: readonly ConfigProblem[];
  readonly notes: readonly ConfigProblem[];
  readonly written: readonly string[];
  readonly kept: readonly string[];
  readonly domainsAdded: readonly string[];
  readonly products: number;
  readonly consumers: number;
}

const exists = (file: string) => stat(file).then(() => true, () => false);

/** Placeholder channel, clearly marked: validate accepts it, a person replaces it. */
const placeholderChannel = (domain: string) => `#${domain.replace(/[^\w.-]/g, '-')}-data`;

export async function importSources(options: ImportOptions): Promise<ImportResult> {
  const all: SourceOutput = emptyOutput();
  for (const source of options.sources) {
    const absolute = path.resolve(source);
    const file = path.basename(source);
    const out =
      options.kind === 'odcs'
        ? await readOdcsSource(absolute, file, { domain: options.domain }, 'duckdb', true)
        : await readDbtSource(absolute, file, { domain: options.domain }, 'duckdb');
    mergeOutput(all, out);
  }
  const fitted = fitOutput(all);
  const result = { problems: fitted.problems, notes: fitted.notes, written: [] as string[], kept: [] as string[], domainsAdded: [] as string[], products: fitted.products.length, consumers: fitted.consumers.length };
  if (fitted.problems.length > 0) return result;

  const out = path.resolve(options.out);
  await mkdir(out, { recursive: true });
  const put = async (rel: string, text: string) => {
    const target = path.join(out, rel);
    if (!options.force && (await exists(target))) {
      result.kept.push(rel);
      return;
    }
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, text);
    result.written.push(rel);
  };

  // Domains: one entry per id, the first name and Slack channel any file gives.
  const domains = new Map<string, { id: string; name?: string | undefined; slackChannel?: string | undefined; people: Set<string>; files: Set<string> }>();
  const addHint = (hint: DomainHint) => {
    const d = domains.get(hint.id) ?? { id: hint.id, people: new Set<string>(), files: new Set<string>() };
    d.name ??= hint.name;
    d.slackChannel ??= hint.slackChannel;
    for (const p of hint.people) d.people.add(p);
    d.files.add(hint.file);
    domains.set(hint.id, d);
  };
  fitted.domains.forEach(addHint);
  for (const p of fitted.products) if (!domains.has(p.value.domain)) addHint({ id: p.value.domain, people: [], file: p.file });
  for (const c of fitted.consumers) if (!domains.has(c.value.domain)) addHint({ id: c.value.domain, people: [], file: c.file });

  const workspacePath = path.join(out, WORKSPACE_FILE);
  const domainYaml = (d: (typeof domains extends Map<string, infer V> ? V : never)) => {
    const lines = [`  - id: ${d.id}`, `    name: ${JSON.stringify(d.name ?? d.id)}`, `    businessUnit: ${JSON.stringify(d.id)} # TODO: the business unit that owns ${d.id}`];
    lines.push(d.slackChannel ? `    slackChannel: ${JSON.stringify(d.slackChannel)}` : `    slackChannel: ${JSON.stringify(placeholderChannel(d.id))} # TODO: placeholder, set the domain's alert channel`);
    if (d.people.size > 0) lines.push(`    people: ${JSON.stringify([...d.people])} # from ${[...d.files].join(', ')}`);
    return lines.join('\n');
  };
  if (!(await exists(workspacePath)) || options.force) {
    const text = [
      `# Written by meshwatch import ${options.kind} from ${options.sources.map((s) => path.basename(s)).join(', ')}.`,
      '# Lines marked TODO are placeholders: fill them in. `meshwatch validate --config .` checks the result.',
      'warehouse: { type: duckdb, path: warehouse.duckdb } # TODO: or type: snowflake with account, user, ${SNOWFLAKE_PASSWORD}',
      'defaults: { schedule: "*/15 * * * *", timezone: UTC }',
      'domains:',
      ...[...domains.values()].map(domainYaml),
      '',
    ].join('\n');
    await writeFile(workspacePath, text);
    result.written.push(WORKSPACE_FILE);
    result.domainsAdded.push(...domains.keys());
  } else {
    // Add the missing domains to the team's own meshwatch.yaml, keeping its comments.
    const doc = parseDocument(await readFile(workspacePath, 'utf8'));
    const list = doc.get('domains');
    const known = new Set<string>();
    if (isSeq(list)) for (const item of list.items) if (isMap(item)) known.add(String(item.get('id')));
    const missing = [...domains.values()].filter((d) => !known.has(d.id));
    if (missing.length > 0) {
      if (!isSeq(list)) doc.set('domains', doc.createNode([]));
      const seq = doc.get('domains');
      for (const d of missing) {
        const node = doc.createNode({ id: d.id, name: d.name ?? d.id, businessUnit: d.id, slackChannel: d.slackChannel ?? placeholderChannel(d.id), ...(d.people.size > 0 ? { people: [...d.people] } : {}) });
        node.commentBefore = ` added by meshwatch import${d.slackChannel ? '' : ': TODO placeholder businessUnit and slackChannel'}`;
        if (isSeq(seq)) seq.items.push(node);
      }
      await writeFile(workspacePath, doc.toString());
      result.domainsAdded.push(...missing.map((d) => d.id));
      result.written.push(WORKSPACE_FILE);
    }
  }

  for (const p of fitted.products) {
    const header = `# Imported from ${p.file} (${p.path}) by meshwatch import ${options.kind}.\n`;
    await put(`products/${p.value.id}.yaml`, header + stringify(p.value, { lineWidth: 0 }));
  }
  const bySource = new Map<string, SourceOutput['consumers']>();
  for (const c of fitted.consumers) bySource.set(c.file, [...(bySource.get(c.file) ?? []), c]);
  for (const [file, list] of bySource) {
    const name = file.replace(/\.[^.]+$/, '').replace(/[^\w.-]+/g, '-');
    await put(`consumers/${name}.yaml`, `# Exposures of ${file}, imported by meshwatch import ${options.kind}.\n` + stringify({ consumers: list.map((c) => c.value) }, { lineWidth: 0 }));
  }
  return result;
}
