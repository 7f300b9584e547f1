export { Live, LiveIndicator, NotificationToggle } from './Live';
export { parseFrame } from './parse';
