/** Every task a load-generator worker answers, by name; the types of their parameters and results. */
import { chatTasks } from '../clients/chat.js';
import { idleTasks } from '../clients/idle.js';
import { stormTasks } from '../clients/storm.js';

export const TASKS = { ...idleTasks, ...chatTasks, ...stormTasks };

type Tasks = typeof TASKS;
export type TaskName = keyof Tasks;
export type TaskParams<K extends TaskName> = Parameters<Tasks[K]>[0];
export type TaskResult<K extends TaskName> = Awaited<ReturnType<Tasks[K]>>;
