/**
 * The GraphQL schema: each module registers its types and fields on the
 * builder when imported; this file imports them all and builds once.
 */
import { builder } from './builder.ts';
import './scalars.ts';
import './enums.ts';
import './connection.ts';
import './viewer.ts';
import './trade.ts';
import './portfolio-history.ts';

export const schema = builder.toSchema({ sortSchema: false });
