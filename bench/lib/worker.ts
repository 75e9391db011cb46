/**
 * Entry point of one load-generator worker process (`node --import tsx bench/lib/worker.ts <index>`), started by
 * `startWorkers`. Answers task calls from the runner; exits when the runner disconnects or dies.
 */
import { TASKS, type TaskName } from './tasks.js';

const index = Number(process.argv[2] ?? 0);
if (!process.send) throw new Error('bench worker must be started with an IPC channel (startWorkers)');
const reply = (message: unknown) => process.send!(message);

process.on('message', (message: { id: number; task: TaskName; params: unknown }) => {
  const handler = TASKS[message.task] as ((params: unknown, worker: number) => Promise<unknown>) | undefined;
  if (!handler) {
    reply({ id: message.id, ok: false, error: `unknown task ${message.task}` });
    return;
  }
  handler(message.params, index).then(
    (result) => reply({ id: message.id, ok: true, result }),
    (err: unknown) => reply({ id: message.id, ok: false, error: (err as Error).stack ?? String(err) }),
  );
});
process.on('disconnect', () => process.exit(0));
reply({ ready: true });
