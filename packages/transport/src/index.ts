/**
 * @packageDocumentation
 * @gdhttp/transport — see README.md. This entry point is filled in by its issue; it exports nothing yet.
 */
export {};
