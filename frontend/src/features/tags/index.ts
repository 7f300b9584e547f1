export { prefetchTags, useTags, tagsKey } from './api';
export { TagChip } from './TagChip';
export { TagPicker } from './TagPicker';
