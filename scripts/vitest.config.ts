import { gdhttpProject } from '../vitest.shared.ts';

export default gdhttpProject('scripts', 60_000);
