/** Where a command writes: stdout for its result (one JSON document with --format json), stderr for everything else. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: NodeJS.ProcessEnv;
  /** The clock for checks; injectable so tests and the demo are deterministic. */
  readonly now: () => Date;
}

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;
