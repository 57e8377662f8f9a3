import { gdhttpProject } from '../../vitest.shared.ts';

export default gdhttpProject('tour', 60_000);
