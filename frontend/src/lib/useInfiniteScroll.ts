import { useEffect, useRef } from 'react';

/** Calls `loadMore` when the returned sentinel element comes near the viewport. */
export function useInfiniteScroll(loadMore: () => void, active: boolean) {
  const ref = useRef<HTMLDivElement>(null);
  const load = useRef(loadMore);
  load.current = loadMore;
  useEffect(() => {
    const el = ref.current;
    if (!el || !active || typeof IntersectionObserver === 'undefined') return;
    const observer = new IntersectionObserver((entries) => entries.some((e) => e.isIntersecting) && load.current(), {
      rootMargin: '600px 0px',
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, [active]);
  return ref;
}
