/**
 * The producer CLI against a live server on each driver: a 50,000-trade file
 * loads in batches and a second run changes nothing; PostgREST's CSV exports
 * load as they are; every bad row is reported by line and kept out of the
 * database; --strict and --dry-run send nothing.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { count, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { portfolioHistory, trades } from '../src/db/schema.ts';
import type { GraphQLInputObjectType } from 'graphql';
import { EXIT, runPushCommand } from '../src/programs/push/command.ts';
import { pushFile, pushTargets } from '../src/programs/push/push-file.ts';
import { FileError, readRecords } from '../src/programs/push/read-records.ts';
import { schema as folioqlSchema } from '../src/schema/index.ts';
import { createProgress } from '../src/programs/push/progress.ts';
import { DEFAULT_TRUSTED_DOCUMENTS } from '../src/config.ts';
import { readTrustedDocuments } from '../src/plugins/trusted-documents.ts';
import { TEST_AUDIENCE, producerToken, signToken } from './support/auth.ts';
import { resetTables } from './support/fixtures.ts';
import { startFaultProxy, type Fault } from './support/fault-proxy.ts';
import { startLiveServer, type LiveServer } from './support/live-server.ts';
import { dataStatements, forEachDriver } from './support/test-database.ts';

const directory = mkdtempSync(path.join(tmpdir(), 'folioql-push-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

function writeFile(name: string, text: string): string {
  const file = path.join(directory, name);
  writeFileSync(file, text);
  return file;
}

const T0 = 1_700_000_000_000;

/** A trade as PostgREST exports it: SQL column names, numerics as JSON numbers. */
function exportedTrade(index: number, overrides: Record<string, unknown> = {}) {
  return {
    id: `O${String(index).padStart(6, '0')}-KRAKEN`,
    timestamp: T0 + index,
    market: 'kraken',
    symbol: index % 2 ? 'BTC/USD' : 'ETH/USD',
    base_asset: index % 2 ? 'BTC' : 'ETH',
    quote_asset: 'USD',
    is_buy: index % 3 === 0,
    amount: `0.${String(index).padStart(18, '9')}`,
    price: `${30_000 + index}.123456789012345678`,
    usd_value: `${1_000 + index}.5`,
    ...overrides,
  };
}

/**
 * JSON Lines as a PostgREST export writes them: JSON numbers, whose digits a
 * JavaScript number would round, written here as raw text.
 */
function jsonLines(rows: Record<string, unknown>[]): string {
  return rows
    .map((row) =>
      JSON.stringify(row).replace(
        /"(amount|price|usd_value)":"([-\d.]+)"/g,
        (_match, column: string, digits: string) => `"${column}":${digits}`,
      ),
    )
    .join('\n');
}

/** A port on 127.0.0.1 that nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

class Output {
  text = '';
  isTTY = false;
  write(chunk: string | Uint8Array) {
    this.text += String(chunk);
    return true;
  }
}

/** Runs the command in process, as the script would, with short waits between retries. */
async function runPush(argv: string[], env: Record<string, string> = {}) {
  const stdout = new Output();
  const stderr = new Output();
  const code = await runPushCommand(argv, {
    env,
    stdout: stdout as unknown as NodeJS.WritableStream,
    stderr: stderr as unknown as NodeJS.WritableStream,
    retryDelaysMs: [10, 10, 10],
  });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

forEachDriver((database) => {
  let server: LiveServer;
  let token: string;
  beforeAll(async () => {
    server = await startLiveServer(database());
    token = await producerToken();
  });
  afterAll(() => server?.close());
  beforeEach(() => resetTables(database().db));

  const push = (argv: string[], env: Record<string, string> = {}) =>
    runPush(argv, { FOLIOQL_URL: server.url, FOLIOQL_TOKEN: token, ...env });

  const tradeCount = async () => (await database().db.select({ n: count() }).from(trades))[0]?.n;
  const upsertStatements = () =>
    dataStatements(database()).filter((statement) => statement.startsWith('insert into'));

  it('loads 50,000 trades in batches of 1,000, exactly, and a second run changes nothing', async () => {
    const rows = Array.from({ length: 50_000 }, (_, index) => exportedTrade(index));
    const file = writeFile('trades-50k.jsonl', `${jsonLines(rows)}\n`);
    database().statements.length = 0;

    const first = await push(['trades', file]);
    expect(first.code).toBe(EXIT.loaded);
    expect(first.stdout).toBe(
      `trades from ${file}: 50000 rows read, 0 rejected\nsent 50000: 50000 inserted, 0 updated, 0 unchanged\n`,
    );
    expect(upsertStatements()).toHaveLength(50);
    expect(await tradeCount()).toBe(50_000);
    const [stored] = await database().db.select().from(trades).where(eq(trades.id, 'O012345-KRAKEN'));
    expect(stored).toMatchObject({
      timestamp: String(T0 + 12_345),
      isBuy: true,
      amount: '0.999999999999912345',
      price: '42345.123456789012345678',
      usdValue: '13345.500000000000000000',
    });
    // Not a terminal: plain progress lines, no redraw codes.
    expect(first.stderr).toMatch(/^push: 50000 rows sent, \d+ rows\/s, 100% of the file read$/m);
    expect(first.stderr).not.toContain('\u001b');

    const second = await push(['trades', file]);
    expect(second.code).toBe(EXIT.loaded);
    expect(second.stdout).toContain('sent 50000: 0 inserted, 0 updated, 50000 unchanged');
    expect(await tradeCount()).toBe(50_000);
  });

  it("loads PostgREST's CSV exports: t and f booleans, empty cells as null, the serial id ignored", async () => {
    const tradesCsv = writeFile(
      'trades.csv',
      [
        'id,timestamp,market,symbol,base_asset,quote_asset,is_buy,amount,price,usd_value',
        'A,1700000000000,kraken,BTC/USD,BTC,USD,t,0.000000000000000001,35000,0.000000000000035',
        '"B,with comma",1700000000001,kraken,BTC/USD,BTC,USD,f,1.5,35000.25,52500.375',
      ].join('\r\n'),
    );
    const tradesRun = await push(['trades', tradesCsv]);
    expect(tradesRun.code).toBe(EXIT.loaded);
    expect(tradesRun.stdout).toContain('sent 2: 2 inserted, 0 updated, 0 unchanged');
    const stored = await database().db.select().from(trades).orderBy(trades.id);
    expect(stored.map((row) => [row.id, row.isBuy, row.amount])).toEqual([
      ['A', true, '0.000000000000000001'],
      ['B,with comma', false, '1.500000000000000000'],
    ]);

    const historyCsv = writeFile(
      'history.csv',
      [
        'id,timestamp,updated_at,market,interval,usd_total_value,usd_held,interval_pct_return,benchmark_btc_value,benchmark_btc_interval_pct_return,benchmark_eth_value,benchmark_eth_interval_pct_return',
        '7,1699833600000,1700000000000,kraken,week,100000.123456789012345678,5000,1.5,,,,',
        '8,1700438400000,,kraken,week,101000,5000,1.0,99000,-1.0,98000,-2.0',
        '9,1700438400000,,kraken,day,101000,5000,0.2,99000,-0.1,98000,-0.2',
      ].join('\n'),
    );
    const historyRun = await push(['history', historyCsv]);
    expect(historyRun.code).toBe(EXIT.loaded);
    expect(historyRun.stdout).toContain('sent 3: 3 inserted, 0 updated, 0 unchanged');
    const points = await database()
      .db.select()
      .from(portfolioHistory)
      .orderBy(portfolioHistory.interval, portfolioHistory.timestamp);
    expect(
      points.map((row) => [
        row.interval,
        row.timestamp,
        row.updatedAt,
        row.usdTotalValue,
        row.benchmarkBtcValue,
      ]),
    ).toEqual([
      ['week', '1699833600000', '1700000000000', '100000.123456789012345678', null],
      [
        'week',
        '1700438400000',
        expect.stringMatching(/^\d+$/),
        '101000.000000000000000000',
        '99000.000000000000000000',
      ],
      [
        'day',
        '1700438400000',
        expect.stringMatching(/^\d+$/),
        '101000.000000000000000000',
        '99000.000000000000000000',
      ],
    ]);
    // The ids in the file are not the ones the database assigns.
    expect(points.map((row) => row.id)).not.toContain(7);

    const again = await push(['history', historyCsv]);
    expect(again.stdout).toContain('sent 3: 0 inserted, 0 updated, 3 unchanged');
  });

  it('reports each bad row by line and reason, keeps it out, and loads the rest', async () => {
    const good = (index: number) => JSON.stringify(exportedTrade(index));
    const bad = (index: number, overrides: Record<string, unknown>) =>
      JSON.stringify(exportedTrade(index, overrides));
    const lines = [
      good(1),
      bad(2, { amount: '1e5' }),
      bad(3, { price: '1.1234567890123456789' }),
      bad(4, { usd_value: 'NaN' }),
      '',
      bad(5, { timestamp: 1.5 }),
      bad(6, { timestamp: 'TOO_LARGE' }).replace('"TOO_LARGE"', '9007199254740993'),
      bad(7, { market: 'binance' }),
      bad(8, { is_buy: 'yes' }),
      bad(9, { id: '' }),
      bad(10, { id: 'x'.repeat(257) }),
      bad(11, { side: 'buy' }),
      JSON.stringify({ ...exportedTrade(12), symbol: undefined }),
      good(1).replace('"amount":"', '"amount":"2'),
      '{"id": "broken',
      '[1, 2]',
      good(13),
    ];
    // usd_value as a JSON number keeps its digits: 19 after the point is refused, not rounded.
    lines.push(
      JSON.stringify(exportedTrade(14)).replace(/"usd_value":"[^"]*"/, '"usd_value":0.1234567890123456789'),
    );
    const file = writeFile('bad.jsonl', lines.join('\n'));

    const run = await push(['trades', file]);
    expect(run.code).toBe(EXIT.badRows);
    expect(run.stdout.split('\n')).toEqual([
      `trades from ${file}: 17 rows read, 15 rejected`,
      'sent 2: 2 inserted, 0 updated, 0 unchanged',
      '  line 2: amount: Decimal must be plain decimal digits such as "-1234.5678"; NaN, Infinity and exponent forms are not accepted, got "1e5"',
      '  line 3: price: Decimal allows at most 18 digits after the decimal point, got 19',
      '  line 4: usd_value: Decimal must be plain decimal digits such as "-1234.5678"; NaN, Infinity and exponent forms are not accepted, got "NaN"',
      '  line 6: timestamp: EpochMillis must be an integer number of milliseconds, got "1.5"',
      '  line 7: timestamp: EpochMillis must be within ±9007199254740991 (2^53 − 1), got 9007199254740993',
      '  line 8: market must be one of kraken, got "binance"',
      '  line 9: is_buy must be true or false, got "yes"',
      '  line 10: id is required',
      '  line 11: id is 257 characters long; at most 256 are allowed',
      '  line 12: unknown column "side"; the columns are id, timestamp, market, symbol, base_asset, quote_asset, is_buy, amount, price, usd_value',
      '  line 13: symbol is required',
      '  line 14: the trade "O000001-KRAKEN" is also on line 1; a file may hold each once',
      expect.stringMatching(/^ {2}line 15: not valid JSON: /),
      '  line 16: each line must be one JSON object',
      '  line 18: usd_value: Decimal allows at most 18 digits after the decimal point, got 19',
      '',
    ]);
    const stored = await database().db.select({ id: trades.id, amount: trades.amount }).from(trades);
    expect(stored.sort((a, b) => a.id.localeCompare(b.id))).toEqual([
      { id: 'O000001-KRAKEN', amount: '0.999999999999999991' },
      { id: 'O000013-KRAKEN', amount: '0.999999999999999913' },
    ]);
  });

  it('refuses text with a lone UTF-16 surrogate by line, as the API does, so two ids cannot become one', async () => {
    // JSON can carry half a surrogate pair; stored, both ids would read "S-\ufffd".
    const rows = [
      exportedTrade(1, { id: 'S-\ud800' }),
      exportedTrade(2, { id: 'S-\udc00' }),
      exportedTrade(3, { quote_asset: 'US\udfffD' }),
      exportedTrade(4, { id: 'S-\ud83d\ude00' }),
    ];
    const file = writeFile('surrogates.jsonl', rows.map((row) => JSON.stringify(row)).join('\n'));
    expect(JSON.stringify(rows[0])).toContain('"S-\\ud800"');

    const run = await push(['trades', file]);
    expect(run.code).toBe(EXIT.badRows);
    const reason =
      'which is not a character; send well-formed Unicode text (PostgreSQL would store it as U+FFFD)';
    expect(run.stdout.split('\n')).toEqual([
      `trades from ${file}: 4 rows read, 3 rejected`,
      'sent 1: 1 inserted, 0 updated, 0 unchanged',
      `  line 1: id contains a lone UTF-16 surrogate (\\uD800 at offset 2), ${reason}`,
      `  line 2: id contains a lone UTF-16 surrogate (\\uDC00 at offset 2), ${reason}`,
      `  line 3: quote_asset contains a lone UTF-16 surrogate (\\uDFFF at offset 2), ${reason}`,
      '',
    ]);
    const stored = await database().db.select({ id: trades.id }).from(trades);
    expect(stored).toEqual([{ id: 'S-\u{1F600}' }]);
  });

  it('with --strict, checks the whole file first and sends nothing when a row is bad', async () => {
    const rows = Array.from({ length: 2_500 }, (_, index) => exportedTrade(index));
    const file = writeFile(
      'strict.jsonl',
      [...rows.map((row) => JSON.stringify(row)), JSON.stringify(exportedTrade(9_999, { amount: '-' }))].join(
        '\n',
      ),
    );
    database().statements.length = 0;

    const run = await push(['trades', file, '--strict']);
    expect(run.code).toBe(EXIT.badRows);
    expect(run.stdout).toContain('2501 rows read, 1 rejected\nnothing sent (--strict)');
    expect(run.stdout).toContain('line 2501: amount: Decimal must be plain decimal digits');
    expect(upsertStatements()).toEqual([]);
    expect(await tradeCount()).toBe(0);

    const good = writeFile('strict-good.jsonl', rows.map((row) => JSON.stringify(row)).join('\n'));
    const loaded = await push(['trades', good, '--strict', '--batch-size', '1000']);
    expect(loaded.code).toBe(EXIT.loaded);
    expect(loaded.stdout).toContain('sent 2500: 2500 inserted');
    expect(upsertStatements()).toHaveLength(3);
  });

  it('with --strict, sends nothing if the file changes after it was checked', async () => {
    const file = writeFile('growing.jsonl', `${JSON.stringify(exportedTrade(1))}\n`);
    // An exporter still writing: a row arrives as the check pass ends.
    const log = Object.assign(new Output(), {
      write(chunk: string) {
        if (String(chunk).includes('rows checked'))
          appendFileSync(file, `${JSON.stringify(exportedTrade(2))}\n`);
        return true;
      },
    });
    await expect(
      pushFile({
        target: 'trades',
        path: file,
        url: server.url,
        token,
        strict: true,
        progressStream: log as unknown as NodeJS.WritableStream,
      }),
    ).rejects.toThrow(new FileError('the file changed while it was being checked; nothing was sent'));
    expect(await tradeCount()).toBe(0);
  });

  it('with --dry-run, checks every row and sends nothing, needing no token', async () => {
    const file = writeFile(
      'dry.jsonl',
      [exportedTrade(1), exportedTrade(2, { price: 'x' })].map((row) => JSON.stringify(row)).join('\n'),
    );
    const run = await push(['trades', file, '--dry-run'], { FOLIOQL_TOKEN: '' });
    expect(run.code).toBe(EXIT.badRows);
    expect(run.stdout).toContain('2 rows read, 1 rejected\nnothing sent (--dry-run)\n  line 2: price:');
    expect(await tradeCount()).toBe(0);
  });

  it('refuses to start without a producer token, before reading the file', async () => {
    const file = writeFile('one.jsonl', JSON.stringify(exportedTrade(1)));
    const anonymous = await push(['trades', file], { FOLIOQL_TOKEN: '' });
    expect(anonymous).toMatchObject({ code: EXIT.failed, stdout: '' });
    expect(anonymous.stderr).toBe(
      'push: pushing needs a producer token: pass --token or set FOLIOQL_TOKEN\n',
    );

    const readerToken = await signToken({ role: 'api_anon', aud: TEST_AUDIENCE });
    const reader = await push(['trades', file, '--token', readerToken]);
    expect(reader.code).toBe(EXIT.failed);
    expect(reader.stderr).toBe("push: the token's role is api_anon; pushing needs a producer token\n");

    const forged = await signToken(
      { role: 'api_data_producer', aud: TEST_AUDIENCE },
      { secret: 'x'.repeat(40) },
    );
    const refused = await push(['trades', file, '--token', forged]);
    expect(refused.code).toBe(EXIT.failed);
    expect(refused.stderr).toMatch(
      /^push: cannot use http:\/\/127\.0\.0\.1:\d+\/graphql: .*\(UNAUTHENTICATED\)\n$/,
    );
    expect(await tradeCount()).toBe(0);
  });

  it('refuses a file it cannot read as a whole, sending nothing', async () => {
    const wrongHeader = writeFile('wrong.csv', 'id,timestamp,market,symbol,amount,price,usd_value,side\n');
    const header = await push(['trades', wrongHeader]);
    expect(header.code).toBe(EXIT.failed);
    expect(header.stderr).toBe(
      'push: unknown columns side; missing columns base_asset, quote_asset, is_buy in the CSV header; ' +
        'the columns are id, timestamp, market, symbol, base_asset, quote_asset, is_buy, amount, price, usd_value\n',
    );

    const array = writeFile('array.json', JSON.stringify([exportedTrade(1)]));
    const arrayRun = await push(['trades', array]);
    expect(arrayRun.code).toBe(EXIT.failed);
    expect(arrayRun.stderr).toContain('the file holds a JSON array; JSON Lines has one object per line');

    const missing = await push(['trades', path.join(directory, 'absent.jsonl')]);
    expect(missing.code).toBe(EXIT.failed);
    expect(missing.stderr).toMatch(/^push: cannot read .*absent\.jsonl: ENOENT/);

    const unknownFormat = await push(['trades', writeFile('trades.txt', '')]);
    expect(unknownFormat.stderr).toContain('pass --format jsonl or --format csv');
    expect(await tradeCount()).toBe(0);
  });

  it('reads CSV records by the line they start on, in file order, and stops at a quote never closed', async () => {
    const header = 'id,timestamp,market,symbol,base_asset,quote_asset,is_buy,amount,price,usd_value';
    const row = (id: string) => `${id},1700000000000,kraken,BTC/USD,BTC,USD,t,1,2,2`;
    const file = writeFile(
      'lines.csv',
      [
        header,
        row('A'),
        '',
        `"B\nspanning two lines",1700000000000,kraken,BTC/USD,BTC,USD,f,1,2,2`,
        row('C') + ',extra',
        row('D').replace(',2,2', ',2,1e3'),
        row('E'),
        'F,"never closed,1700000000000',
        row('G'),
      ].join('\n'),
    );
    const run = await push(['trades', file]);
    expect(run.code).toBe(EXIT.failed);
    expect(run.stderr).toContain(
      'push: line 9 is not valid CSV, and nothing after it can be read: Quote Not Closed',
    );
    expect(run.stdout.split('\n').slice(0, 4)).toEqual([
      `trades from ${file}: 5 rows read, 2 rejected`,
      'sent 3: 3 inserted, 0 updated, 0 unchanged',
      '  line 6: not valid CSV: Invalid Record Length: columns length is 10, got 11 on line 6',
      '  line 7: usd_value: Decimal must be plain decimal digits such as "-1234.5678"; NaN, Infinity and exponent forms are not accepted, got "1e3"',
    ]);
    const stored = await database().db.select({ id: trades.id }).from(trades).orderBy(trades.id);
    expect(stored.map((trade) => trade.id)).toEqual(['A', 'B\nspanning two lines', 'E']);
  });

  it('refuses a CSV header naming a column twice, or no header at all', async () => {
    const header = 'id,timestamp,market,symbol,base_asset,quote_asset,is_buy,amount,price,usd_value';
    const twice = await push(['trades', writeFile('twice.csv', `${header},amount\n`)]);
    expect(twice.stderr).toContain('push: columns named twice amount in the CSV header');
    const empty = await push(['trades', writeFile('empty.csv', '')]);
    expect(empty.code).toBe(EXIT.failed);
    expect(empty.stderr).toBe('push: the CSV has no header row naming its columns\n');
  });

  it('escapes control characters from the file, so they cannot drive the terminal', async () => {
    const file = writeFile(
      'escape.jsonl',
      JSON.stringify(exportedTrade(1, { market: '\u001b]0;owned\u0007' })),
    );
    const run = await push(['trades', file]);
    expect(run.stdout).not.toContain('\u001b');
    expect(run.stdout).toContain('line 1: market must be one of kraken, got "\\u001b]0;owned\\u0007"');
  });

  it('stops at a batch the database refuses, naming its lines, with the batches before it loaded', async () => {
    // A rule the CLI cannot know of: the server's database refuses one id.
    await database().db.execute(sql`alter table trades add constraint no_evil check (id <> 'EVIL')`);
    try {
      const rows = Array.from({ length: 1_500 }, (_, index) =>
        exportedTrade(index, index === 1_234 ? { id: 'EVIL' } : {}),
      );
      const file = writeFile('evil.jsonl', rows.map((row) => JSON.stringify(row)).join('\n'));
      const run = await push(['trades', file]);
      expect(run.code).toBe(EXIT.failed);
      expect(run.stderr).toMatch(
        /^push: the server refused the batch of lines 1001–1500: .*\(BAD_USER_INPUT\)$/m,
      );
      expect(run.stdout).toContain('sent 1000: 1000 inserted');
      expect(await tradeCount()).toBe(1_000);
    } finally {
      await database().db.execute(sql`alter table trades drop constraint no_evil`);
    }
  });

  describe('through a faulty network', () => {
    const rows = Array.from({ length: 1_500 }, (_, index) => JSON.stringify(exportedTrade(index)));
    /** Pushes 1,500 rows in batches of 1,000 through a proxy that fails the upserts `faultOf` picks. */
    async function pushThrough(faultOf: (upsert: number) => Fault) {
      let upserts = 0;
      const proxy = await startFaultProxy(server.url, (body) =>
        body.includes('upsertTrades') ? faultOf(upserts++) : 'none',
      );
      try {
        const file = writeFile('faults.jsonl', rows.join('\n'));
        return await push(['trades', file], { FOLIOQL_URL: proxy.url });
      } finally {
        await proxy.close();
      }
    }

    it('sends a batch again after a 502, and says it did', async () => {
      const run = await pushThrough((upsert) => (upsert === 0 ? 'bad-gateway' : 'none'));
      expect(run.code).toBe(EXIT.loaded);
      expect(run.stdout).toContain(
        'sent 1500: 1500 inserted, 0 updated, 0 unchanged\n1 batch was sent again after a failure on the way',
      );
      expect(await tradeCount()).toBe(1_500);
    });

    it('sends a batch again when its answer is lost, and counts its rows as unchanged', async () => {
      const run = await pushThrough((upsert) => (upsert === 1 ? 'lose-response' : 'none'));
      expect(run.code).toBe(EXIT.loaded);
      expect(run.stdout).toContain(
        'sent 1500: 1000 inserted, 0 updated, 500 unchanged\n1 batch was sent again',
      );
      expect(await tradeCount()).toBe(1_500);
    });

    it('stops when a batch cannot be sent, with the batches before it loaded', async () => {
      const run = await pushThrough((upsert) => (upsert === 0 ? 'none' : 'bad-gateway'));
      expect(run.code).toBe(EXIT.failed);
      expect(run.stderr).toContain(
        'push: could not send the batch of lines 1001–1500: HTTP 502: the response is not GraphQL JSON',
      );
      expect(run.stdout).toContain('sent 1000: 1000 inserted');
      expect(await tradeCount()).toBe(1_000);
    });
  });

  it('needs every column the upsert writes, so a partial file cannot blank a point', async () => {
    await database()
      .db.insert(portfolioHistory)
      .values({ timestamp: '1699833600000', market: 'kraken', interval: 'week', usdTotalValue: '5' });
    const partialCsv = writeFile('partial.csv', 'timestamp,market,interval\n1699833600000,kraken,week\n');
    const csv = await push(['history', partialCsv]);
    expect(csv.code).toBe(EXIT.failed);
    expect(csv.stderr).toContain(
      'push: missing columns updated_at, usd_total_value, usd_held, interval_pct_return, benchmark_btc_value, ' +
        'benchmark_btc_interval_pct_return, benchmark_eth_value, benchmark_eth_interval_pct_return in the CSV header',
    );
    const partialJson = writeFile(
      'partial.jsonl',
      JSON.stringify({ timestamp: 1699833600000, market: 'kraken', interval: 'week', updated_at: null }),
    );
    const json = await push(['history', partialJson]);
    expect(json.code).toBe(EXIT.badRows);
    expect(json.stdout).toContain('line 1: usd_total_value is missing; give it as null for no value');
    const [point] = await database().db.select().from(portfolioHistory);
    expect(point?.usdTotalValue).toBe('5.000000000000000000');
  });

  it('sends document hashes to a server that takes only trusted documents', async () => {
    const trusted = await startLiveServer(database(), {
      trustedDocuments: readTrustedDocuments(DEFAULT_TRUSTED_DOCUMENTS),
    });
    try {
      const file = writeFile('trusted.jsonl', JSON.stringify(exportedTrade(1)));
      const run = await push(['trades', file], { FOLIOQL_URL: trusted.url });
      expect(run.code).toBe(EXIT.loaded);
      expect(run.stdout).toContain('sent 1: 1 inserted');
    } finally {
      await trusted.close();
    }
  });

  it('runs as `npm run push`, exiting 1 when a row was bad', async () => {
    const file = writeFile(
      'npm.jsonl',
      [exportedTrade(1), exportedTrade(2, { market: 'nope' })].map((row) => JSON.stringify(row)).join('\n'),
    );
    const { code, stdout } = await new Promise<{ code: number | null; stdout: string }>((resolve, reject) => {
      const child = spawn('npm', ['run', '--silent', 'push', '--', 'trades', file, '--url', server.url], {
        env: { ...process.env, FOLIOQL_TOKEN: token },
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      let output = '';
      child.stdout.on('data', (chunk) => (output += chunk));
      child.on('error', reject);
      child.on('close', (exitCode) => resolve({ code: exitCode, stdout: output }));
    });
    expect(stdout).toContain('2 rows read, 1 rejected\nsent 1: 1 inserted');
    expect(stdout).toContain('line 2: market must be one of kraken, got "nope"');
    expect(code).toBe(EXIT.badRows);
  });

  it('reads a relative file from the directory `npm run push` was run in, not the project root', async () => {
    const elsewhere = mkdtempSync(path.join(directory, 'elsewhere-'));
    writeFileSync(path.join(elsewhere, 'relative.jsonl'), JSON.stringify(exportedTrade(7)));
    const projectRoot = path.resolve(import.meta.dirname, '..');
    // npm starts the script in the project root, and says in INIT_CWD where it was run.
    const { code, stdout, stderr } = await new Promise<{
      code: number | null;
      stdout: string;
      stderr: string;
    }>((resolve, reject) => {
      const child = spawn(
        'npm',
        [
          '--prefix',
          projectRoot,
          'run',
          '--silent',
          'push',
          '--',
          'trades',
          'relative.jsonl',
          '--url',
          server.url,
        ],
        { cwd: elsewhere, env: { ...process.env, FOLIOQL_TOKEN: token }, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let output = '';
      let errors = '';
      child.stdout.on('data', (chunk) => (output += chunk));
      child.stderr.on('data', (chunk) => (errors += chunk));
      child.on('error', reject);
      child.on('close', (exitCode) => resolve({ code: exitCode, stdout: output, stderr: errors }));
    });
    expect(stderr).not.toContain('cannot read');
    expect(stdout).toBe(
      `trades from ${path.join(elsewhere, 'relative.jsonl')}: 1 rows read, 0 rejected\nsent 1: 1 inserted, 0 updated, 0 unchanged\n`,
    );
    expect(code).toBe(EXIT.loaded);
    expect(await database().db.select({ id: trades.id }).from(trades)).toEqual([{ id: 'O000007-KRAKEN' }]);
  });
});

describe('push usage', () => {
  it('refuses a URL that is not http or https before anything else', async () => {
    const { code, stderr } = await runPush(['trades', 'x.jsonl', '--url', 'localhost:4000/graphql']);
    expect(code).toBe(EXIT.failed);
    expect(stderr).toContain('push: --url must be an http or https URL');
  });

  it('turns a file that cannot be opened into a FileError, in both formats', async () => {
    for (const format of ['jsonl', 'csv'] as const) {
      const records = readRecords(path.join(directory, 'vanished'), { format });
      const error = await records.next().catch((thrown: unknown) => thrown);
      expect(error).toBeInstanceOf(FileError);
      expect((error as Error).message).toMatch(/^cannot read .*vanished: ENOENT/);
    }
  });

  it('reads exactly the fields of the GraphQL inputs, so a new column cannot go unsent', () => {
    const inputFields = (name: string) =>
      Object.keys((folioqlSchema.getType(name) as GraphQLInputObjectType).getFields()).sort();
    expect([...pushTargets.trades.reader.inputFields].sort()).toEqual(inputFields('TradeInput'));
    expect([...pushTargets.history.reader.inputFields].sort()).toEqual(inputFields('PortfolioHistoryInput'));
  });

  it('stops the bar when a check pass fails on a terminal, giving the cursor back', async () => {
    const terminal = Object.assign(new Output(), { isTTY: true, columns: 120 });
    const file = writeFile('tty-header.csv', 'id,side\n');
    await expect(
      pushFile({
        target: 'trades',
        path: file,
        url: 'http://127.0.0.1:1/graphql',
        dryRun: true,
        progressStream: terminal as unknown as NodeJS.WritableStream,
      }),
    ).rejects.toThrow(/unknown columns side/);
    // The cursor was hidden, and shown again after.
    expect(terminal.text.lastIndexOf('\u001b[?25h')).toBeGreaterThan(
      terminal.text.lastIndexOf('\u001b[?25l'),
    );
    expect(terminal.text.lastIndexOf('\u001b[?25l')).toBeGreaterThanOrEqual(0);
  });
  it('resolves a relative file against INIT_CWD when npm set it, else the working directory', async () => {
    const elsewhere = mkdtempSync(path.join(directory, 'init-cwd-'));
    const fromInitCwd = await runPush(['trades', 'missing.jsonl', '--dry-run'], { INIT_CWD: elsewhere });
    expect(fromInitCwd.code).toBe(EXIT.failed);
    expect(fromInitCwd.stderr).toMatch(
      new RegExp(`^push: cannot read ${escapeRegExp(path.join(elsewhere, 'missing.jsonl'))}: ENOENT`),
    );
    const fromCwd = await runPush(['trades', 'missing.jsonl', '--dry-run']);
    expect(fromCwd.stderr).toMatch(
      new RegExp(`^push: cannot read ${escapeRegExp(path.join(process.cwd(), 'missing.jsonl'))}: ENOENT`),
    );
  });

  it('explains a wrong command line and exits 2', async () => {
    const { code, stderr } = await runPush(['orders', 'x.jsonl']);
    expect(code).toBe(EXIT.failed);
    expect(stderr).toContain('push: say what the file holds: trades or history\n\nusage: npm run push');
  });

  it('says when the server cannot be reached', async () => {
    const file = writeFile('unreached.jsonl', JSON.stringify(exportedTrade(1)));
    const url = `http://127.0.0.1:${await closedPort()}/graphql`;
    // The push retries a connection that fails, then gives up.
    const { code, stderr } = await runPush(['trades', file, '--url', url], { FOLIOQL_TOKEN: 'unused' });
    expect(code).toBe(EXIT.failed);
    expect(stderr).toMatch(new RegExp(`^push: cannot use ${url}: fetch failed: .*ECONNREFUSED`));
  });
});

describe('push progress', () => {
  it('draws a bar with rows per second on a terminal', () => {
    const terminal = Object.assign(new Output(), { isTTY: true, columns: 120 });
    let clock = 0;
    const progress = createProgress({
      stream: terminal as unknown as NodeJS.WritableStream,
      fileBytes: 1_000,
      verb: 'sent',
      now: () => clock,
    });
    progress.read(1_000);
    clock = 2_000;
    progress.rowsDone(3_000);
    progress.stop();
    expect(terminal.text).toContain('\u001b[');
    expect(terminal.text).toMatch(/push \S+ 100% \| 3000 rows sent \| 1500 rows\/s/);
  });

  it('writes plain lines at most once a second elsewhere', () => {
    const log = new Output();
    let clock = 0;
    const progress = createProgress({
      stream: log as unknown as NodeJS.WritableStream,
      fileBytes: 1_000,
      verb: 'sent',
      now: () => clock,
    });
    for (let rows = 1; rows <= 25; rows += 1) {
      clock += 100;
      progress.read(40);
      progress.rowsDone(rows * 100);
    }
    progress.stop();
    expect(log.text.split('\n')).toEqual([
      'push: 1000 rows sent, 1000 rows/s, 40% of the file read',
      'push: 2000 rows sent, 1000 rows/s, 80% of the file read',
      'push: 2500 rows sent, 1000 rows/s, 100% of the file read',
      '',
    ]);
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
