/**
 * What every delete mutation answers.
 */
import { builder } from './builder.ts';

export interface DeleteResult {
  deletedIds: (string | number)[];
}

export const DeletePayload = builder.objectRef<DeleteResult>('DeletePayload').implement({
  description: 'The outcome of a delete.',
  fields: (t) => ({
    deletedCount: t.int({
      description: 'How many rows were deleted.',
      resolve: (result) => result.deletedIds.length,
    }),
    deletedIds: t.idList({
      description: 'The ids of the deleted rows.',
      resolve: (result) => result.deletedIds,
    }),
  }),
});
