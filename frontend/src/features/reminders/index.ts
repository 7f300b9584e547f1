export { ReminderEditor } from './ReminderEditor';
export { toDraft, toReminderIn, describeOffset, type ReminderDraft } from './reminders';
