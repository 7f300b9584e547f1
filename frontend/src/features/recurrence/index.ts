export { RecurrenceEditor } from './RecurrenceEditor';
export { describeRrule } from './rrule';
