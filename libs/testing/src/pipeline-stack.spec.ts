import { startPipeline } from './pipeline-stack';
import { ProcessStack } from './stack';

describe('startPipeline', () => {
  it.each([0, -1, 1.5])('refuses %p receivers before starting anything', async (receivers) => {
    const stack = new ProcessStack({});
    await expect(startPipeline(stack, {}, { receivers })).rejects.toThrow(
      /receivers must be a whole number from 1/,
    );
    expect(stack.running()).toEqual([]);
  });
});
