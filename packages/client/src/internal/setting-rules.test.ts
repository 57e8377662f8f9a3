import { ErrorCode } from '@gdhttp/constants';
import { describe, expect, it } from 'vitest';
import { ClientSettings, type SettingName } from './setting-rules.js';

describe('ClientSettings', () => {
  it('starts with the defaults both builds document', () => {
    const settings = new ClientSettings();
    expect(settings.readChunkSize).toBe(65536);
    expect(settings.connectTimeout).toBe(30);
    expect(settings.maxHeaderSize).toBe(16384);
    expect(settings.maxHeaderCount).toBe(2000);
  });

  it.each<[SettingName, number, number]>([
    ['readChunkSize', 256, 255],
    ['readChunkSize', 16_777_216, 16_777_217],
    ['readChunkSize', 1024, 1024.5],
    ['connectTimeout', 0.5, 0],
    ['maxHeaderSize', 64, 63],
    ['maxHeaderCount', 1, 0],
    ['maxHeaderCount', 5, Number.NaN],
  ])('%s takes %j and refuses %j, keeping the old value', (name, good, bad) => {
    const settings = new ClientSettings();
    expect(settings.update(name, good)).toBeNull();
    expect(settings[name]).toBe(good);
    const refusal = settings.update(name, bad);
    expect(refusal?.code).toBe(ErrorCode.PARAMETER_RANGE_ERROR);
    expect(refusal?.message).toContain(name);
    expect(settings[name]).toBe(good);
  });
});
