/**
 * The body of the latest-trades table: whole pages, older pages appended, and
 * live inserts, updates and removals, keeping the API's order (newest first,
 * trades of one millisecond in id order). Rows are built with DOM APIs only, so
 * trade data can never become markup.
 */
import { formatAmount, formatTime, formatUsd, isoOf } from './format.ts';

export interface TradeView {
  id: string;
  timestamp: number;
  symbol: string;
  side: 'BUY' | 'SELL';
  amount: string;
  price: string;
  usdValue: string;
}

/** How long a new or changed row keeps the 'fresh' highlight. */
const FRESH_MS = 2000;

interface Row {
  trade: TradeView;
  tr: HTMLTableRowElement;
  freshTimer: ReturnType<typeof setTimeout> | undefined;
}

/**
 * The API's order: newer first; within one millisecond, ids ascending. Plain code-unit
 * comparison, like PostgreSQL's "C" collation for the ASCII ids producers send.
 */
function compareTrades(a: TradeView, b: TradeView): number {
  if (a.timestamp !== b.timestamp) return b.timestamp - a.timestamp;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function sameTrade(a: TradeView, b: TradeView): boolean {
  return (
    a.timestamp === b.timestamp &&
    a.symbol === b.symbol &&
    a.side === b.side &&
    a.amount === b.amount &&
    a.price === b.price &&
    a.usdValue === b.usdValue
  );
}

/** A right-aligned number cell showing the formatted value, with the exact one in its title. */
function numberCell(text: string, exact: string): HTMLTableCellElement {
  const td = document.createElement('td');
  td.className = 'num';
  td.title = exact;
  td.textContent = text;
  return td;
}

/** Fills (or refills) a row's cells from a trade. */
function fillRow(tr: HTMLTableRowElement, trade: TradeView): void {
  tr.dataset.tradeId = trade.id;
  const isBuy = trade.side === 'BUY';
  tr.classList.toggle('side-buy', isBuy);
  tr.classList.toggle('side-sell', !isBuy);

  const timeCell = document.createElement('th');
  timeCell.scope = 'row';
  const time = document.createElement('time');
  time.dateTime = isoOf(trade.timestamp);
  time.textContent = formatTime(trade.timestamp);
  timeCell.append(time);

  const pair = document.createElement('td');
  pair.textContent = trade.symbol;

  // The word carries the meaning; the class only adds colour.
  const side = document.createElement('td');
  side.className = 'side';
  side.textContent = isBuy ? 'Buy' : 'Sell';

  tr.replaceChildren(
    timeCell,
    pair,
    side,
    numberCell(formatAmount(trade.amount), trade.amount),
    numberCell(formatAmount(trade.price), trade.price),
    numberCell(formatUsd(trade.usdValue), trade.usdValue),
  );
}

/**
 * Manages the rows of `tbody`. `replaceAll` shows a first page, `appendOlder` adds the next
 * one, `upsert` applies live changes in order with a brief 'fresh' highlight, `remove` drops
 * rows; `size` is the number of rows shown.
 */
export function createTradesTable(tbody: HTMLTableSectionElement): {
  replaceAll(trades: TradeView[]): void;
  appendOlder(trades: TradeView[]): void;
  upsert(trades: TradeView[]): void;
  remove(ids: string[]): void;
  readonly size: number;
} {
  const rows = new Map<string, Row>();

  function createRow(trade: TradeView): Row {
    const tr = document.createElement('tr');
    fillRow(tr, trade);
    const row: Row = { trade, tr, freshTimer: undefined };
    rows.set(trade.id, row);
    return row;
  }

  function markFresh(row: Row): void {
    clearTimeout(row.freshTimer);
    row.tr.classList.add('fresh');
    row.freshTimer = setTimeout(() => {
      row.tr.classList.remove('fresh');
      row.freshTimer = undefined;
    }, FRESH_MS);
  }

  function dropRow(row: Row): void {
    clearTimeout(row.freshTimer);
    row.tr.remove();
    rows.delete(row.trade.id);
  }

  /** Puts a detached row before the first shown row that sorts after it, else at the bottom. */
  function placeInOrder(row: Row): void {
    for (const tr of tbody.rows) {
      const other = rows.get(tr.dataset.tradeId ?? '');
      if (other && other !== row && compareTrades(row.trade, other.trade) < 0) {
        tbody.insertBefore(row.tr, tr);
        return;
      }
    }
    tbody.append(row.tr);
  }

  return {
    replaceAll(trades: TradeView[]): void {
      for (const row of rows.values()) clearTimeout(row.freshTimer);
      rows.clear();
      const fragment = document.createDocumentFragment();
      for (const trade of trades) {
        // A page should not repeat an id; if it does, show the trade once.
        if (!rows.has(trade.id)) fragment.append(createRow(trade).tr);
      }
      tbody.replaceChildren(fragment);
    },

    appendOlder(trades: TradeView[]): void {
      const fragment = document.createDocumentFragment();
      for (const trade of trades) {
        // A live insert may already have shown a trade that the next page repeats.
        if (!rows.has(trade.id)) fragment.append(createRow(trade).tr);
      }
      tbody.append(fragment);
    },

    upsert(trades: TradeView[]): void {
      for (const trade of trades) {
        const existing = rows.get(trade.id);
        if (!existing) {
          const row = createRow(trade);
          placeInOrder(row);
          markFresh(row);
          continue;
        }
        if (sameTrade(existing.trade, trade)) continue;
        const moved = existing.trade.timestamp !== trade.timestamp;
        existing.trade = trade;
        fillRow(existing.tr, trade);
        if (moved) {
          existing.tr.remove();
          placeInOrder(existing);
        }
        markFresh(existing);
      }
    },

    remove(ids: string[]): void {
      for (const id of ids) {
        const row = rows.get(id);
        if (row) dropRow(row);
      }
    },

    get size(): number {
      return rows.size;
    },
  };
}
