export { TodayPage } from './TodayPage';
export { UpcomingPage } from './UpcomingPage';
export { CalendarPage } from './CalendarPage';
