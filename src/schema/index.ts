/**
 * The GraphQL schema: each module registers its types and fields on the
 * builder when imported; this file imports them all and builds once.
 */
import { builder } from './builder.ts';
import './scalars.ts';
import './enums.ts';
import './pagination.ts';
import './viewer.ts';
import './trade.ts';
import './trade-writes.ts';
import './portfolio-history.ts';
import './portfolio-history-writes.ts';
import './relations.ts';
import './trade-stats.ts';
import './portfolio-performance.ts';
import './changes.ts';
import './trade-changes.ts';
import './portfolio-history-changes.ts';

export const schema = builder.toSchema({ sortSchema: false });
