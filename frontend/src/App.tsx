import { lazy, Suspense, useRef, useState } from 'react';
import { Link, Route, Switch, useLocation } from 'wouter';
import { errorMessage } from './api/client';
import { AuthScreen, useSession } from './features/auth';
import { Live, NotificationToggle } from './features/live';
import { EditorHost, loadViews, TasksPage, TrashPage } from './features/tasks';
import { ErrorBoundary } from './lib/ErrorBoundary';
import { useTheme } from './lib/theme';
import { Icon } from './lib/icons';
import { browserTimeZone } from './lib/time';

const ChatPanel = lazy(() => import('./features/chat').then((m) => ({ default: m.ChatPanel })));
const TodayPage = lazy(() => loadViews().then((m) => ({ default: m.TodayPage })));
const UpcomingPage = lazy(() => loadViews().then((m) => ({ default: m.UpcomingPage })));
const CalendarPage = lazy(() => loadViews().then((m) => ({ default: m.CalendarPage })));

/** The views in the header, each with its own URL (the back button walks through them). */
const VIEWS = [
  { href: '/', label: 'Tasks', match: (p: string) => p === '/' },
  { href: '/today', label: 'Today', match: (p: string) => p === '/today' },
  { href: '/upcoming', label: 'Upcoming', match: (p: string) => p === '/upcoming' },
  { href: '/calendar', label: 'Calendar', match: (p: string) => p.startsWith('/calendar') },
  { href: '/trash', label: 'Trash', match: (p: string) => p === '/trash' },
  { href: '/settings', label: 'Settings', match: (p: string) => p === '/settings' },
] as const;

const SettingsPage = lazy(() => import('./features/settings').then((m) => ({ default: m.SettingsPage })));

const THEME_LABEL = { system: 'Theme: system', dark: 'Theme: dark', light: 'Theme: light' } as const;

export function App() {
  const session = useSession();
  const [theme, cycleTheme] = useTheme();
  const [path] = useLocation();
  const [chatOpen, setChatOpen] = useState(false);
  const [chatLoaded, setChatLoaded] = useState(false); // kept mounted once opened: an answer keeps streaming while hidden
  const chatToggle = useRef<HTMLButtonElement>(null);
  const toggleChat = () => {
    setChatLoaded(true);
    setChatOpen(!chatOpen);
  };
  const closeChat = () => {
    setChatOpen(false);
    chatToggle.current?.focus();
  };

  if (session.me.isLoading) return <Shell />;
  if (session.me.error) {
    return (
      <main className="mx-auto max-w-md p-6" role="alert">
        <p className="font-semibold">TaskFlow could not load.</p>
        <p className="mt-1 text-sm">{errorMessage(session.me.error)}</p>
        <button type="button" className="btn mt-3" onClick={() => void session.me.refetch()}>Try again</button>
      </main>
    );
  }
  const user = session.user;
  if (!user) return <AuthScreen expired={session.expired} onSignedIn={session.signedIn} />;
  const timeZone = user.timezone || browserTimeZone();

  return (
    <EditorHost timeZone={timeZone}>
      <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded focus:bg-white focus:p-2">
        Skip to content
      </a>
      <header className="border-b border-slate-200 dark:border-slate-800">
        <div className="mx-auto flex min-h-14 max-w-4xl flex-wrap items-center gap-x-2 px-3 sm:gap-x-3 md:h-14 md:flex-nowrap">
          <h1 className="text-base font-bold sm:text-lg">TaskFlow</h1>
          <nav aria-label="Views" className="order-last -mx-1 flex w-full gap-0.5 overflow-x-auto pb-1 md:order-none md:mx-0 md:w-auto md:shrink-0 md:pb-0">
            {VIEWS.map((v) => {
              const current = v.match(path);
              return (
                <Link
                  key={v.href}
                  href={v.href}
                  aria-current={current ? 'page' : undefined}
                  className={`shrink-0 rounded px-1.5 py-1 text-[0.8125rem] sm:px-2 sm:text-sm ${current ? 'bg-slate-200 font-semibold dark:bg-slate-800' : 'hover:bg-slate-100 dark:hover:bg-slate-800'}`}
                >
                  {v.label}
                </Link>
              );
            })}
          </nav>
          <div className="ml-auto flex h-14 items-center gap-1.5 sm:gap-2">
            <Live timeZone={timeZone} />
            <span className="hidden sm:inline-flex"><NotificationToggle /></span>
            <button
              ref={chatToggle}
              type="button"
              className="btn px-2"
              aria-expanded={chatOpen}
              aria-controls={chatLoaded ? 'chat-panel' : undefined}
              onClick={toggleChat}
              title="Assistant"
            >
              <Icon name="chat" /><span className="sr-only lg:not-sr-only">Assistant</span>
            </button>
            <button type="button" className="btn px-2" onClick={cycleTheme} aria-label={THEME_LABEL[theme]} title={THEME_LABEL[theme]}>
              <Icon name={theme === 'dark' ? 'moon' : theme === 'light' ? 'sun' : 'monitor'} />
            </button>
            <button type="button" className="btn px-2" onClick={() => void session.signOut()} title={`Sign out ${user.email}`}>
              <Icon name="logout" /><span className="sr-only lg:not-sr-only">Sign out</span>
            </button>
          </div>
        </div>
      </header>
      <main id="main" className="mx-auto max-w-4xl px-3 py-4">
        <ErrorBoundary label="This view failed to show.">
          <Suspense fallback={<p aria-busy="true" className="p-3 text-sm">Loading…</p>}>
            <Switch>
              <Route path="/"><TasksPage timeZone={timeZone} /></Route>
              <Route path="/today"><TodayPage timeZone={timeZone} /></Route>
              <Route path="/upcoming"><UpcomingPage timeZone={timeZone} /></Route>
              <Route path="/calendar/:month?"><CalendarPage timeZone={timeZone} /></Route>
              <Route path="/trash"><TrashPage /></Route>
              <Route path="/settings"><SettingsPage /></Route>
              <Route><NotFound /></Route>
            </Switch>
          </Suspense>
        </ErrorBoundary>
      </main>
      {chatLoaded && (
        <ErrorBoundary label="The assistant failed.">
          <Suspense fallback={null}>
            <ChatPanel open={chatOpen} onClose={closeChat} />
          </Suspense>
        </ErrorBoundary>
      )}
    </EditorHost>
  );
}

function NotFound() {
  return (
    <section className="space-y-2">
      <h2 className="text-xl font-semibold">Page not found</h2>
      <p>
        There is nothing at this address. <Link href="/" className="text-blue-700 underline dark:text-blue-300">Go to your tasks</Link>
      </p>
    </section>
  );
}

/** Same frame as the signed-in layout, so nothing jumps when the session resolves. */
function Shell() {
  return (
    <div aria-busy="true">
      <header className="h-14 border-b border-slate-200 dark:border-slate-800" />
      <main className="mx-auto max-w-4xl px-3 py-4" />
    </div>
  );
}
