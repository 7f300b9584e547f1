export { TasksPage } from './TasksPage';
export { TrashPage } from './TrashPage';
export { applyTask, invalidateLists, tasksKey } from './cache';
export { prefetchTaskList } from './prefetch';
