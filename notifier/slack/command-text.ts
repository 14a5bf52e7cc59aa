/**
 * Parsing `/meshwatch …` text. Columns may be given as words or comma
 * lists (`amount status`, `amount,status`); `domain:ID` may stand anywhere.
 */
export const SUBCOMMANDS = ['subscribe', 'unsubscribe', 'subscriptions', 'status', 'impact', 'help'] as const;
export type Subcommand = (typeof SUBCOMMANDS)[number];

export interface ParsedCommand {
  /** Lower-cased first word; '' for an empty command. */
  readonly subcommand: string;
  readonly product?: string | undefined;
  readonly columns: readonly string[];
  readonly domain?: string | undefined;
}

export function parseCommandText(text: string): ParsedCommand {
  const words = text.trim().split(/[\s,]+/).filter(Boolean);
  const [first, ...rest] = words;
  let domain: string | undefined;
  const args: string[] = [];
  for (const word of rest) {
    const m = /^domain:(.*)$/i.exec(word);
    if (m) domain = m[1];
    else args.push(word);
  }
  const [product, ...columns] = args;
  return { subcommand: (first ?? '').toLowerCase(), product, columns, domain };
}

export const HELP_TEXT = [
  '*meshwatch* tells producers and consumers when a data product breaks.',
  '`/meshwatch subscribe PRODUCT [COLUMN ...] [domain:ID]`: alert this channel when PRODUCT breaks (only for the columns named, if any). Restricted products need an approval first.',
  '`/meshwatch unsubscribe PRODUCT`: stop those alerts.',
  '`/meshwatch subscriptions`: what this channel is subscribed to.',
  '`/meshwatch status [PRODUCT]`: open incidents, or one product\'s last checks.',
  '`/meshwatch impact PRODUCT [COLUMN ...]`: who would be hurt if PRODUCT (or those columns) broke.',
  '`/meshwatch help`: this text.',
].join('\n');
