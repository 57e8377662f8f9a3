/**
 * Accepted divergence classes between gdhttp's parser and native llhttp 9.3.1, each with its
 * reason. Every class here is listed in `packages/parser/README.md` ("Differences from llhttp").
 */
import type { DivergenceClass } from './differential-harness.ts';

export const divergenceClasses: DivergenceClass[] = [];
