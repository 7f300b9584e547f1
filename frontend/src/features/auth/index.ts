export { AuthScreen } from './AuthScreen';
export { installSessionHandler, prefetchSession, useSession } from './session';
