import { mergeConfig } from 'vitest/config';
import { gdhttpProject } from '../../vitest.shared.ts';

export default mergeConfig(gdhttpProject('cli', 60_000), {
  test: { globalSetup: ['./test/build.global.ts'] },
});
