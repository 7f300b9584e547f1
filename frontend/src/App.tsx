import { lazy, Suspense, useRef, useState } from 'react';
import { errorMessage } from './api/client';
import { AuthScreen, useSession } from './features/auth';
import { Live, NotificationToggle } from './features/live';
import { TasksPage, TrashPage } from './features/tasks';
import { ErrorBoundary } from './lib/ErrorBoundary';
import { useRoute } from './lib/route';
import { useTheme } from './lib/theme';
import { Icon } from './lib/icons';
import { browserTimeZone } from './lib/time';

const ChatPanel = lazy(() => import('./features/chat').then((m) => ({ default: m.ChatPanel })));
const THEME_LABEL = { system: 'Theme: system', dark: 'Theme: dark', light: 'Theme: light' } as const;

export function App() {
  const session = useSession();
  const [theme, cycleTheme] = useTheme();
  const [route, go] = useRoute();
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
    <>
      <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded focus:bg-white focus:p-2">
        Skip to tasks
      </a>
      <header className="border-b border-slate-200 dark:border-slate-800">
        <div className="mx-auto flex h-14 max-w-4xl items-center gap-2 px-3 sm:gap-3">
          <h1 className="text-base font-bold sm:text-lg">TaskFlow</h1>
          <nav aria-label="Views" className="flex gap-0.5 sm:gap-1">
            {(['tasks', 'trash'] as const).map((r) => (
              <a
                key={r}
                href={r === 'trash' ? '/trash' : '/'}
                aria-current={route === r ? 'page' : undefined}
                onClick={(e) => {
                  e.preventDefault();
                  go(r);
                }}
                className={`rounded px-2 py-1 text-sm ${route === r ? 'bg-slate-200 font-semibold dark:bg-slate-800' : 'hover:bg-slate-100 dark:hover:bg-slate-800'}`}
              >
                {r === 'tasks' ? 'Tasks' : 'Trash'}
              </a>
            ))}
          </nav>
          <div className="ml-auto flex items-center gap-1.5 sm:gap-2">
            <Live timeZone={timeZone} />
            <span className="hidden sm:inline"><NotificationToggle /></span>
            <button
              ref={chatToggle}
              type="button"
              className="btn px-2"
              aria-expanded={chatOpen}
              aria-controls={chatLoaded ? 'chat-panel' : undefined}
              onClick={toggleChat}
              title="Assistant"
            >
              <Icon name="chat" /><span className="sr-only sm:not-sr-only">Assistant</span>
            </button>
            <button type="button" className="btn px-2" onClick={cycleTheme} aria-label={THEME_LABEL[theme]} title={THEME_LABEL[theme]}>
              <Icon name={theme === 'dark' ? 'moon' : theme === 'light' ? 'sun' : 'monitor'} />
            </button>
            <button type="button" className="btn px-2" onClick={() => void session.signOut()} title={`Sign out ${user.email}`}>
              <Icon name="logout" /><span className="sr-only sm:not-sr-only">Sign out</span>
            </button>
          </div>
        </div>
      </header>
      <main id="main" className="mx-auto max-w-4xl px-3 py-4">
        <ErrorBoundary label="This view failed to show.">
          {route === 'trash' ? <TrashPage /> : <TasksPage timeZone={timeZone} />}
        </ErrorBoundary>
      </main>
      {chatLoaded && (
        <ErrorBoundary label="The assistant failed.">
          <Suspense fallback={null}>
            <ChatPanel open={chatOpen} onClose={closeChat} />
          </Suspense>
        </ErrorBoundary>
      )}
    </>
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
