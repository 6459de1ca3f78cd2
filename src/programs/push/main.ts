/**
 * `npm run push -- trades|history <file> [--url URL] [--token TOKEN] [--format jsonl|csv]
 *                 [--batch-size N] [--strict] [--dry-run]`
 *
 * Loads a JSON Lines or CSV export of the PostgREST tables through the API.
 * Exit status: 0 when every row loaded, 1 when some rows were bad (they are
 * listed), 2 when the push could not run or finish.
 */
import { EXIT, runPushCommand } from './command.ts';

// Interrupted, the progress bar must give the terminal its cursor back.
process.once('SIGINT', () => {
  if (process.stderr.isTTY) process.stderr.write('\u001b[?25h\n');
  process.exit(130);
});

try {
  process.exitCode = await runPushCommand(process.argv.slice(2), {
    env: process.env,
    stdout: process.stdout,
    stderr: process.stderr,
  });
} catch (error) {
  // Exit 1 means "some rows were bad"; anything unforeseen is a push that did not finish.
  console.error(`push: ${(error as Error).message}`);
  process.exitCode = EXIT.failed;
}
