/** manifest.yml creates the app meshwatch serves: its URLs, command and scopes match the code. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SLACK_EVENTS_PATH } from '../notifier/slack/app.js';
import { SUBCOMMANDS } from '../notifier/slack/command-text.js';
import { REPO } from './support/cli.js';

interface Manifest {
  features: { slash_commands: Array<{ command: string; url: string; usage_hint: string }> };
  oauth_config: { scopes: { bot: string[] } };
  settings: { interactivity: { is_enabled: boolean; request_url: string }; socket_mode_enabled: boolean };
}

describe('manifest.yml', () => {
  it('points the slash command and interactivity at /slack/events, over HTTPS, with the scopes meshwatch uses', async () => {
    const manifest = parse(await readFile(path.join(REPO, 'manifest.yml'), 'utf8')) as Manifest;
    const [command] = manifest.features.slash_commands;
    expect(command?.command).toBe('/meshwatch');
    for (const url of [command!.url, manifest.settings.interactivity.request_url]) {
      expect(new URL(url).protocol).toBe('https:');
      expect(new URL(url).pathname).toBe(SLACK_EVENTS_PATH);
    }
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    expect(manifest.settings.socket_mode_enabled).toBe(false);
    for (const sub of SUBCOMMANDS) expect(command!.usage_hint).toContain(sub);
    expect(manifest.oauth_config.scopes.bot).toEqual(
      expect.arrayContaining(['chat:write', 'chat:write.public', 'commands', 'usergroups:read', 'channels:read', 'channels:history', 'groups:history']),
    );
  });
});
