/** The error a function throws, or undefined when it does not throw. */
export function catchError(fn: () => unknown): (Error & { code?: string }) | undefined {
  try {
    fn();
  } catch (error) {
    return error as Error & { code?: string };
  }
  return undefined;
}

/** The error a promise rejects with, or undefined when it resolves. */
export async function catchAsync(
  promise: Promise<unknown>,
): Promise<(Error & { code?: string }) | undefined> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string };
  }
  return undefined;
}
