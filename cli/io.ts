/** Where a command writes: stdout for its result (one JSON document with --format json), stderr for everything else. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: NodeJS.ProcessEnv;
  /** The clock for checks; injectable so tests and the demo are deterministic. */
  readonly now: () => Date;
}

/** 0 fine; 1 a check failed or could not be evaluated; 2 bad config or usage; 3 an internal error (a bug in meshwatch). */
export const EXIT = { ok: 0, failed: 1, usage: 2, internal: 3 } as const;
