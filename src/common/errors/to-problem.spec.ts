import { QueryFailedError } from 'typeorm';
import { toProblem } from './to-problem';

const pgError = (message: string, code?: string): Error => Object.assign(new Error(message), { code });
const queryFailed = (driverError: Error): QueryFailedError =>
  new QueryFailedError('SELECT 1', [], driverError);

describe('toProblem', () => {
  describe('a database that cannot be reached', () => {
    it.each([
      [
        'the connection terminated by the server (57P01)',
        queryFailed(pgError('terminating connection', '57P01')),
      ],
      ['a dropped database (3D000)', queryFailed(pgError('database "x" does not exist', '3D000'))],
      ['a connection exception (class 08)', queryFailed(pgError('connection failure', '08006'))],
      ['too many connections (53300)', pgError('sorry, too many clients already', '53300')],
      ['a refused connection', pgError('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')],
      ['a connection lost mid-query', queryFailed(pgError('Connection terminated unexpectedly'))],
      ['a pool that cannot connect in time', pgError('timeout exceeded when trying to connect')],
      [
        'a Redis command out of retries',
        Object.assign(new Error('Reached the max retries per request limit'), {
          name: 'MaxRetriesPerRequestError',
        }),
      ],
      ['a closed Redis connection', new Error('Connection is closed.')],
    ])('answers 503 with Retry-After for %s', (_, err) => {
      const result = toProblem(err, '/api/threads', 'req-1');
      expect(result.body).toMatchObject({
        status: 503,
        title: 'Service Unavailable',
        instance: '/api/threads',
        requestId: 'req-1',
      });
      expect(result.headers['Retry-After']).toBe('5');
      expect(result.unexpected).toBe(true);
      // Nothing of the driver's message (host, port, database name) reaches the client.
      expect(JSON.stringify(result.body)).not.toMatch(/5432|does not exist|terminat|ECONN/);
    });
  });

  it('keeps other query failures and unknown errors a bare 500', () => {
    for (const err of [queryFailed(pgError('division by zero', '22012')), new Error('boom')]) {
      const result = toProblem(err, '/api/x', 'req-2');
      expect(result.body).toMatchObject({ status: 500, detail: 'An unexpected error occurred' });
      expect(result.headers).toEqual({});
    }
  });

  it('still maps unique violations to 409 and malformed values to 400', () => {
    expect(toProblem(queryFailed(pgError('duplicate key', '23505')), '/x', 'r').body.status).toBe(409);
    expect(toProblem(queryFailed(pgError('invalid input syntax', '22P02')), '/x', 'r').body.status).toBe(400);
  });
});
