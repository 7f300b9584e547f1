export { ReminderEditor } from './ReminderEditor';
export { toDraft, toReminderIn, describeOffset, type ReminderDraft } from './reminders';
export { snoozeTask, SNOOZES, minutesUntilTomorrowMorning } from './snooze';
