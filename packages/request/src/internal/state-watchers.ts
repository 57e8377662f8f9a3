// How a request worker learns that its HTTPRequest's state changed (status, redirect, body size)
// without a public event: HTTPRequest calls the watcher registered for it here at each change.
// Internal, so users see no new API; a WeakMap, so an HTTPRequest that nobody watches (every one
// outside a request worker) pays one failed lookup per change and keeps nothing alive.

/** The watcher of each HTTPRequest that has one (only the one inside a request worker). */
export const stateWatchers = new WeakMap<object, () => void>();
