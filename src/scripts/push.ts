/**
 * `npm run push -- trades|history <file> [--url URL] [--token TOKEN] [--format jsonl|csv]
 *                 [--batch-size N] [--strict] [--dry-run]`
 *
 * Loads a JSON Lines or CSV export of the PostgREST tables through the API.
 * Exit status: 0 when every row loaded, 1 when some rows were bad (they are
 * listed), 2 when the push could not run or finish.
 */
import { runPushCommand } from '../push/command.ts';

process.exitCode = await runPushCommand(process.argv.slice(2), {
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
});
