import { useEffect } from 'react';

/** Names the browser tab (and what screen readers announce first) after the page: "API Keys · Keygate". */
export function usePageTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · Keygate`;
  }, [title]);
}
