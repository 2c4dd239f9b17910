/**
 * Drives examples/express4-host-sessions: sign in with the host's cookie session, issue a reset
 * token, redeem it, and check that the user's other sessions ended. test/examples/examples.test.ts runs
 * this file with `--run` in a child process on Express 4.
 */
import assert from 'node:assert/strict';
import request from 'supertest';
import { createHostApp } from '../../examples/express4-host-sessions/app.ts';

/** Runs the whole flow against a fresh app; returns the Express module URL the example used. */
export async function driveHostSessionsExample(): Promise<string> {
  const { app, passwords, users } = createHostApp('example-test-secret-of-at-least-32-bytes');
  try {
    users.createUser({ login: 'admin', passwordHash: await passwords.service.hashPassword('Admin-Pa55word-2026') });
    const alice = users.createUser({ login: 'alice', passwordHash: await passwords.service.hashPassword('First-Pa55word-2026') });
    const admin = request.agent(app);
    const aliceAgent = request.agent(app);
    await admin.post('/login').send({ login: 'admin', password: 'Admin-Pa55word-2026' }).expect(200);
    await aliceAgent.post('/login').send({ login: 'alice', password: 'First-Pa55word-2026' }).expect(200);
    await request(app).post('/login').send({ login: 'alice', password: 'wrong' }).expect(401);

    // Without the cookie: 401. Alice may not reset others: 403. The admin may.
    await request(app).post(`/rbac-api/v1/users/${alice.id}/password/reset`).expect(401);
    await aliceAgent.post(`/rbac-api/v1/users/${alice.id}/password/reset`).expect(403);
    const token = (await admin.post(`/rbac-api/v1/users/${alice.id}/password/reset`).expect(200)).text;

    await request(app).post('/rbac-api/v1/auth/reset').send({ token, password: 'Second-Pa55word-2026!' }).expect(200);
    assert.equal((await passwords.service.verifyLogin('alice', 'Second-Pa55word-2026!')).ok, true);
    // onPasswordChanged ended Alice's session.
    await aliceAgent.put('/rbac-api/v1/users/current/password').send({ current_password: 'Second-Pa55word-2026!', password: 'Third-Pa55word-2026!' }).expect(401);
    await aliceAgent.post('/login').send({ login: 'alice', password: 'Second-Pa55word-2026!' }).expect(200);
    await aliceAgent.put('/rbac-api/v1/users/current/password').send({ current_password: 'Second-Pa55word-2026!', password: 'Third-Pa55word-2026!' }).expect(200);
    return import.meta.resolve('express');
  } finally {
    await passwords.close();
  }
}

if (process.argv.includes('--run')) {
  console.log(`express: ${await driveHostSessionsExample()}`);
}
