export { AuthScreen } from './AuthScreen';
export { installSessionHandler, useSession } from './session';
