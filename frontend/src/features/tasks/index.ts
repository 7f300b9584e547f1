export { TasksPage } from './TasksPage';
export { TrashPage } from './TrashPage';
export { applyTask, invalidateLists } from './cache';
export { prefetchTaskList } from './prefetch';
