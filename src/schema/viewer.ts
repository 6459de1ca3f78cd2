/**
 * Who the request acts as: what a producer script checks before it writes.
 */
import type { Viewer as ViewerShape } from '../auth/authenticate.ts';
import { builder } from './builder.ts';
import { DateTime } from './scalars.ts';

export const Viewer = builder.objectRef<ViewerShape>('Viewer').implement({
  description: 'The identity a request acts as, from its bearer token (or anonymous without one).',
  fields: (t) => ({
    role: t.exposeString('role', {
      description: 'The PostgreSQL role the request runs as, such as api_anon or api_data_producer.',
    }),
    isProducer: t.exposeBoolean('isProducer', {
      description: 'True if the role may use the producer API (the mutations and Query.trades).',
    }),
    subject: t.exposeString('subject', {
      nullable: true,
      description: "The token's subject (sub claim), if any.",
    }),
    expiresAt: t.field({
      type: DateTime,
      nullable: true,
      description: 'When the token expires (exp claim); null for no token or a token without expiry.',
      resolve: (viewer) => (viewer.expiresAt === undefined ? null : new Date(viewer.expiresAt)),
    }),
  }),
});

builder.queryField('viewer', (t) =>
  t.field({
    type: Viewer,
    description: 'Who this request acts as. Needs no database access.',
    resolve: (_root, _args, context) => context.viewer,
  }),
);
