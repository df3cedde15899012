import { useEffect, useState } from 'preact/hooks';

/** Client-side navigation with the History API; the server answers index.html for these paths. */
export function navigate(path: string): void {
  if (path !== location.pathname + location.search) {
    history.pushState(null, '', path);
    dispatchEvent(new PopStateEvent('popstate'));
  }
}

export function usePath(): string {
  const [path, setPath] = useState(location.pathname);
  useEffect(() => {
    const update = () => setPath(location.pathname);
    addEventListener('popstate', update);
    return () => removeEventListener('popstate', update);
  }, []);
  return path;
}

/** Matches `/agents/:id` style patterns; returns decoded params or undefined. */
export function match(pattern: string, path: string): Record<string, string> | undefined {
  const names: string[] = [];
  const regex = new RegExp(
    `^${pattern.replace(/:(\w+)/g, (_, name: string) => {
      names.push(name);
      return '([^/]+)';
    })}/?$`,
  );
  const found = regex.exec(path);
  if (!found) {
    return undefined;
  }
  return Object.fromEntries(names.map((name, i) => [name, decodeURIComponent(found[i + 1])]));
}

/** An in-app link: a real href (open in new tab works), client-side navigation on plain clicks. */
export function linkProps(href: string) {
  return {
    href,
    onClick: (event: MouseEvent) => {
      if (event.button === 0 && !event.metaKey && !event.ctrlKey && !event.shiftKey) {
        event.preventDefault();
        navigate(href);
      }
    },
  };
}
