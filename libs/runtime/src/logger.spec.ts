import { Writable } from 'node:stream';
import { createLogger, logsAt } from './logger';

const quiet = () => new Writable({ write: (_chunk, _encoding, done) => done() });

describe('logsAt', () => {
  it("agrees with winston's isLevelEnabled for every configured and asked level", () => {
    const levels = ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'];
    for (const configured of levels) {
      const logger = createLogger({ service: 'demo', level: configured, stream: quiet() });
      for (const asked of levels) {
        expect([configured, asked, logsAt(logger, asked)]).toEqual([
          configured,
          asked,
          logger.isLevelEnabled(asked),
        ]);
      }
    }
  });

  it('says no for a level the logger does not know', () => {
    const logger = createLogger({ service: 'demo', stream: quiet() });
    expect(logsAt(logger, 'notice')).toBe(false);
    expect(logsAt(logger, 'info')).toBe(true);
    expect(logsAt(logger, 'debug')).toBe(false);
  });
});
