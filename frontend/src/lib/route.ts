import { useCallback, useEffect, useState } from 'react';

export type Route = 'tasks' | 'trash';

function current(): Route {
  return window.location.pathname.startsWith('/trash') ? 'trash' : 'tasks';
}

/** Two client routes: `/` (tasks) and `/trash`, on the History API. */
export function useRoute(): [Route, (route: Route) => void] {
  const [route, setRoute] = useState<Route>(current);
  useEffect(() => {
    const onPop = () => setRoute(current());
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  const go = useCallback((next: Route) => {
    window.history.pushState(null, '', next === 'trash' ? '/trash' : '/');
    setRoute(next);
  }, []);
  return [route, go];
}
