import { gdhttpProject } from '../../vitest.shared.ts';

export default gdhttpProject('cli', 60_000);
