import { describe, expect, it, vi } from 'vitest';
import { ApiError } from './client';
import { applyServerErrors, mapServerErrors } from './errors';

const validation = (errors: { field: string; message: string }[]) =>
  new ApiError(400, {
    type: 'https://tiket.example/problems/validation',
    title: 'Validation failed',
    status: 400,
    detail: 'One or more fields are invalid; see errors[].',
    instance: '/api/auth/register',
    request_id: 'r',
    errors,
  });

describe('mapServerErrors', () => {
  it('puts each errors[] entry under its field, several per field in order', () => {
    const m = mapServerErrors(
      validation([
        { field: 'email', message: 'must be a valid email address' },
        { field: 'password', message: 'must be at least 10 characters' },
        { field: 'password', message: 'is too common' },
        { field: 'extra', message: 'is not a known field' },
      ]),
      ['email', 'password', 'name'],
    );
    expect(m.fields).toEqual({
      email: ['must be a valid email address'],
      password: ['must be at least 10 characters', 'is too common'],
    });
    expect(m.form).toEqual(['extra: is not a known field']);
  });

  it('falls back to the detail when no field is named (a 409 conflict)', () => {
    const err = new ApiError(409, {
      type: 'https://tiket.example/problems/conflict',
      title: 'Conflict',
      status: 409,
      detail: 'A user with this email already exists.',
      instance: '/api/auth/register',
      request_id: 'r',
    });
    expect(mapServerErrors(err, ['email'])).toEqual({ fields: {}, form: ['A user with this email already exists.'] });
  });

  it('turns a 429 into a wait', () => {
    const err = new ApiError(429, undefined, 30);
    expect(mapServerErrors(err, ['email'])).toEqual({ fields: {}, form: [], retryAfter: 30 });
  });

  it('sets react-hook-form errors and focuses the first field', () => {
    const setError = vi.fn();
    const r = applyServerErrors(
      setError,
      validation([
        { field: 'name', message: 'is required' },
        { field: 'password', message: 'is too common' },
      ]),
      ['email', 'password', 'name'] as const,
    );
    expect(setError).toHaveBeenNthCalledWith(1, 'name', { type: 'server', message: 'is required' }, { shouldFocus: true });
    expect(setError).toHaveBeenNthCalledWith(2, 'password', { type: 'server', message: 'is too common' }, { shouldFocus: false });
    expect(r.form).toEqual([]);
  });
});
