// Helpers for the agent side of end-to-end tests.
const { expect } = require('@playwright/test');

/** Logs an agent in through the API (its own cookie jar) and puts them online. */
async function agentOnline(request, email, password) {
  const login = await request.post('/v1/agent/login', { data: { email, password } });
  expect(login.status()).toBe(200);
  const presence = await request.put('/v1/agent/presence', { data: { online: true } });
  expect(presence.status()).toBe(200);
  return request;
}

module.exports = { agentOnline };
