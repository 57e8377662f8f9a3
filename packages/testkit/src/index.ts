/**
 * @packageDocumentation
 * Private test kit shared by every gdhttp package's socket tests (filled in by the transport issue).
 */
export {};
