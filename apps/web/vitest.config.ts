import { gdhttpProject } from '../../vitest.shared.ts';

export default gdhttpProject('web');
