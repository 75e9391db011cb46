/**
 * Files chosen on the start form, handed to the new conversation's page. An upload needs a conversation (files
 * are encrypted with its key and bound to it), so the start form keeps them in memory, starts the conversation
 * with the question, and the conversation page uploads them (with progress and per-file errors) and sends them as
 * the second message. Kept in memory only: File objects cannot be stored, so a reload in between drops them.
 */
let handoff: { conversationId: string; files: File[] } | undefined;

export const startFiles = {
  put(conversationId: string, files: File[]): void {
    handoff = files.length > 0 ? { conversationId, files } : undefined;
  },
  /** The files for this conversation, once (later calls get none). */
  take(conversationId: string): File[] {
    if (handoff?.conversationId !== conversationId) return [];
    const { files } = handoff;
    handoff = undefined;
    return files;
  },
};
