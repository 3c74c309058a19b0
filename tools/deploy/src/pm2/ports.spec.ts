import { ephemeralPortFloor, freePortRange } from './ports';

describe('freePortRange', () => {
  it('draws every range below the ephemeral ports outgoing connections take', async () => {
    const floor = ephemeralPortFloor();
    for (let draw = 0; draw < 20; draw++) {
      const base = await freePortRange(70);
      expect(base).toBeGreaterThanOrEqual(10_000);
      expect(base + 70).toBeLessThanOrEqual(floor);
    }
  });
});
