export { TasksPage } from './TasksPage';
export { TrashPage } from './TrashPage';
export { EditorHost, useEditor } from './editorHost';
export { useTaskActions } from './useTaskActions';
export { applyTask, invalidateLists, tasksKey } from './cache';
export { prefetchTaskList } from './prefetch';
export { completeTask } from './api';
/** Today, Upcoming and Calendar: loaded when first opened (not part of the first screen). */
export const loadViews = () => import('./views');
