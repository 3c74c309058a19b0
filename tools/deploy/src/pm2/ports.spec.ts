import { ephemeralPortFloor, freePortRange, HIGHEST_FETCH_BLOCKED_PORT } from './ports';

describe('freePortRange', () => {
  it('draws every range above the ports fetch refuses and below the ephemeral ones', async () => {
    const floor = ephemeralPortFloor();
    for (let draw = 0; draw < 20; draw++) {
      const base = await freePortRange(70);
      expect(base).toBeGreaterThan(HIGHEST_FETCH_BLOCKED_PORT);
      expect(base + 70).toBeLessThanOrEqual(floor);
    }
  });
});
