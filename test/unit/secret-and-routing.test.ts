import { checkSecret, secretMatches } from '../../src/server/common/verify-secret';

describe('webhook secret', () => {
  test('matches only the exact secret', () => {
    expect(secretMatches('s3cret-value', 's3cret-value')).toBe(true);
    for (const other of ['', 's3cret-valu', 's3cret-value ', 'S3CRET-VALUE', 's3cret-value-and-more']) {
      expect(secretMatches(other, 's3cret-value')).toBe(false);
    }
  });

  test('header first, then the ?secret= query form; missing is distinguished from wrong', () => {
    expect(checkSecret(undefined, undefined, 'abc12345')).toBe('missing');
    expect(checkSecret('', undefined, 'abc12345')).toBe('missing');
    expect(checkSecret('abc12345', undefined, 'abc12345')).toBe('ok');
    expect(checkSecret(undefined, 'abc12345', 'abc12345')).toBe('ok');
    expect(checkSecret('wrong', 'abc12345', 'abc12345')).toBe('wrong');
  });

  test('a repeated header or query parameter never matches', () => {
    expect(checkSecret('abc12345, abc12345', undefined, 'abc12345')).toBe('wrong');
    expect(checkSecret(['abc12345', 'abc12345'], undefined, 'abc12345')).toBe('wrong');
    expect(checkSecret(undefined, ['abc12345', 'abc12345'], 'abc12345')).toBe('wrong');
  });
});
