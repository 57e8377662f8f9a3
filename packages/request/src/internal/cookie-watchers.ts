// A request worker (`useThreads`) registers here to hear which Set-Cookie fields its HTTPRequest
// stored, so the caller's jar stores them too (the jar itself cannot cross threads).
/** HTTPRequest → called with the URL that answered and its Set-Cookie values. */
export const cookieWatchers = new WeakMap<object, (url: string, setCookies: string[]) => void>();
