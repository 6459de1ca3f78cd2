/**
 * The push command line: arguments and environment in, a report and an exit
 * status out. Kept apart from the script so tests run it in-process.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_MAX_BATCH_SIZE } from '../../config.ts';
import { FileError } from './read-records.ts';
import {
  DEFAULT_BATCH_SIZE,
  pushFile,
  PushError,
  pushTargets,
  type PushResult,
  type PushTargetName,
} from './push-file.ts';

export const USAGE = `usage: npm run push -- trades|history <file> [options]

  <file>               JSON Lines (.jsonl) or CSV (.csv) with the SQL column names
                       of the trades or portfolio_history table; a relative path is
                       read from the directory the command was run in
  --url URL            the GraphQL endpoint (default $FOLIOQL_URL, else
                       http://localhost:4000/graphql)
  --token TOKEN        a producer token (default $FOLIOQL_TOKEN; prefer the
                       variable, which other users cannot see in ps)
  --format jsonl|csv   when the file's extension does not tell
  --batch-size N       rows per request, 1 to ${DEFAULT_MAX_BATCH_SIZE} (default ${DEFAULT_BATCH_SIZE})
  --strict             send nothing if any row is bad
  --dry-run            check every row, send nothing`;

/** Bad rows listed in the report; the count says how many more there were. */
const REJECTED_SHOWN = 100;

export const EXIT = { loaded: 0, badRows: 1, failed: 2 } as const;

export interface CommandIo {
  env: NodeJS.ProcessEnv;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  fetch?: typeof fetch;
  retryDelaysMs?: readonly number[];
}

export async function runPushCommand(argv: string[], io: CommandIo): Promise<number> {
  let parsed;
  try {
    parsed = parseCommand(argv, io.env);
  } catch (error) {
    io.stderr.write(`push: ${printable((error as Error).message)}\n\n${USAGE}\n`);
    return EXIT.failed;
  }
  if (parsed === 'help') {
    io.stdout.write(`${USAGE}\n`);
    return EXIT.loaded;
  }

  try {
    const result = await pushFile({
      ...parsed,
      progressStream: io.stderr,
      fetch: io.fetch,
      retryDelaysMs: io.retryDelaysMs,
    });
    io.stdout.write(report(result, parsed));
    return result.rejectedCount > 0 ? EXIT.badRows : EXIT.loaded;
  } catch (error) {
    if (!(error instanceof PushError || error instanceof FileError)) throw error;
    if (error instanceof PushError && error.result) {
      io.stdout.write(report(error.result, parsed));
    }
    io.stderr.write(`push: ${printable(error.message)}\n`);
    return EXIT.failed;
  }
}

function parseCommand(argv: string[], env: NodeJS.ProcessEnv) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      url: { type: 'string' },
      token: { type: 'string' },
      format: { type: 'string' },
      'batch-size': { type: 'string' },
      strict: { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return 'help' as const;
  const [target, path, ...extra] = positionals;
  if (!target || !isTarget(target)) {
    throw new Error(`say what the file holds: ${Object.keys(pushTargets).join(' or ')}`);
  }
  if (!path) throw new Error('name the file to push');
  if (extra.length > 0) throw new Error(`unexpected arguments: ${extra.join(' ')}`);
  return {
    target,
    path: resolve(workingDirectory(env), path),
    format: values.format,
    url: urlOf(values.url ?? env.FOLIOQL_URL ?? 'http://localhost:4000/graphql'),
    token: values.token ?? env.FOLIOQL_TOKEN,
    batchSize: values['batch-size'] === undefined ? undefined : batchSizeOf(values['batch-size']),
    strict: values.strict,
    dryRun: values['dry-run'],
  };
}

/**
 * Where the user ran the command: `npm run` starts scripts in the package
 * root, and says in INIT_CWD where it was itself started.
 */
function workingDirectory(env: NodeJS.ProcessEnv): string {
  return env.INIT_CWD || process.cwd();
}

function isTarget(name: string): name is PushTargetName {
  return Object.hasOwn(pushTargets, name);
}

function urlOf(text: string): string {
  const url = URL.parse(text);
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new Error(
      `--url must be an http or https URL such as http://localhost:4000/graphql, got "${text}"`,
    );
  }
  return url.href;
}

function batchSizeOf(text: string): number {
  const size = Number(text);
  if (!/^\d+$/.test(text) || size < 1 || size > DEFAULT_MAX_BATCH_SIZE) {
    throw new Error(`--batch-size must be an integer from 1 to ${DEFAULT_MAX_BATCH_SIZE}, got "${text}"`);
  }
  return size;
}

function report(
  result: PushResult,
  {
    target,
    path,
    strict,
    dryRun,
  }: { target: PushTargetName; path: string; strict: boolean; dryRun: boolean },
): string {
  const { counts, rejected, rejectedCount } = result;
  const lines = [`${target} from ${path}: ${result.rowsRead} rows read, ${rejectedCount} rejected`];
  if (result.sent) {
    lines.push(
      `sent ${result.rowsSent}: ${counts.insertedCount} inserted, ${counts.updatedCount} updated, ${counts.unchangedCount} unchanged`,
    );
  } else if (dryRun) {
    lines.push('nothing sent (--dry-run)');
  } else if (strict) {
    lines.push('nothing sent (--strict): fix the rejected rows, or leave out --strict to load the rest');
  }
  const retried = result.batchesRetried;
  if (retried > 0) {
    lines.push(
      `${retried} ${retried === 1 ? 'batch was' : 'batches were'} sent again after a failure on the way: ` +
        'rows a first try had written count as unchanged',
    );
  }
  const shown = rejected.slice(0, REJECTED_SHOWN);
  for (const { line, reason } of shown) lines.push(`  line ${line}: ${reason}`);
  if (rejectedCount > shown.length) lines.push(`  … and ${rejectedCount - shown.length} more`);
  return `${printable(lines.join('\n'))}\n`;
}

/** Escapes control characters (but newlines) so text from a file or server cannot drive the terminal. */
function printable(text: string): string {
  return text.replace(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g, (character) =>
    JSON.stringify(character).slice(1, -1),
  );
}
