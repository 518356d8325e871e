/**
 * Emitted inside the deleting transaction (with its EntityManager) so that
 * features holding workspace data remove theirs atomically, and again after
 * commit for side effects outside the database (files on disk).
 */
export const WORKSPACE_DELETING = 'workspace.deleting';
export const WORKSPACE_DELETED = 'workspace.deleted';

export interface WorkspaceDeletedEvent {
  workspaceId: string;
  ownerId: string;
}
