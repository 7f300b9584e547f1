export { HistoryPanel, historyKey } from './HistoryPanel';
export { describeEntry } from './describe';
